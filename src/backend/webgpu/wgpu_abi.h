/* The subset of Dawn's webgpu.h C ABI this backend calls, declared by hand and pinned to one
 * build: npm bun-webgpu-linux-x64@0.1.7, libwebgpu_wrapper.so sha256 3190c377...98788 (Dawn main
 * of 2025-06-18..27; shared/notes/dawn-c.md lists every value and layout and how each was
 * verified). Newer Dawn renumbered FeatureName and reshaped InstanceDescriptor: wrong values here
 * fail silently and wrong layouts corrupt memory, so re-run the self-check after any upgrade.
 * Every enum is 32 bits; flags are 64. No platform code: the table is filled by dlsym natively
 * (wgpu_load.c) and by JS imports in wasm. */
#ifndef AI_BACKEND_WEBGPU_WGPU_ABI_H
#define AI_BACKEND_WEBGPU_WGPU_ABI_H

#include <stddef.h>
#include <stdint.h>

typedef uint32_t WGPUBool;
typedef uint64_t WGPUFlags;
typedef uint32_t WGPUEnum;
typedef struct WGPUInstanceImpl *WGPUInstance;
typedef struct WGPUAdapterImpl *WGPUAdapter;
typedef struct WGPUDeviceImpl *WGPUDevice;
typedef struct WGPUQueueImpl *WGPUQueue;
typedef struct WGPUBufferImpl *WGPUBuffer;
typedef struct WGPUShaderModuleImpl *WGPUShaderModule;
typedef struct WGPUComputePipelineImpl *WGPUComputePipeline;
typedef struct WGPUBindGroupLayoutImpl *WGPUBindGroupLayout;
typedef struct WGPUBindGroupImpl *WGPUBindGroup;
typedef struct WGPUCommandEncoderImpl *WGPUCommandEncoder;
typedef struct WGPUComputePassEncoderImpl *WGPUComputePassEncoder;
typedef struct WGPUCommandBufferImpl *WGPUCommandBuffer;

#define WGPU_STRLEN SIZE_MAX

enum {
  WGPU_STYPE_SHADER_SOURCE_WGSL = 0x2,
  WGPU_STYPE_DAWN_TOGGLES = 0x5000A,
  WGPU_CALLBACK_MODE_WAIT_ANY_ONLY = 1,
  WGPU_CALLBACK_MODE_ALLOW_SPONTANEOUS = 3,
  WGPU_BACKEND_NULL = 1,
  WGPU_BACKEND_VULKAN = 6,
  WGPU_FEATURE_LEVEL_CORE = 2,
  WGPU_POWER_HIGH_PERFORMANCE = 2,
  WGPU_STATUS_SUCCESS = 1, /* Status, WaitStatus and every callback status */
  WGPU_DEVICE_LOST_DESTROYED = 2,
  WGPU_ERROR_FILTER_VALIDATION = 1,
  WGPU_ERROR_TYPE_NO_ERROR = 1,
  WGPU_FEATURE_SHADER_F16 = 0x0A, /* 0x0B in Dawn after 2025-07 */
  WGPU_FEATURE_SUBGROUPS = 0x11,  /* 0x12 in Dawn after 2025-07 */
};
#define WGPU_BUFFER_USAGE_MAP_READ 0x1ull
#define WGPU_BUFFER_USAGE_COPY_SRC 0x4ull
#define WGPU_BUFFER_USAGE_COPY_DST 0x8ull
#define WGPU_BUFFER_USAGE_UNIFORM  0x40ull
#define WGPU_BUFFER_USAGE_STORAGE  0x80ull
#define WGPU_MAP_MODE_READ         0x1ull

/* {NULL, WGPU_STRLEN} is null; {NULL, 0} is the empty string (not the same: an empty entry point
 * name is looked up and not found). */
typedef struct WGPUStringView {
  const char *data;
  size_t length;
} WGPUStringView;

typedef struct WGPUChainedStruct {
  struct WGPUChainedStruct *next;
  WGPUEnum sType;
} WGPUChainedStruct;

typedef struct WGPUFuture {
  uint64_t id;
} WGPUFuture;

typedef struct WGPUFutureWaitInfo {
  WGPUFuture future;
  WGPUBool completed;
} WGPUFutureWaitInfo;

/* Callbacks end with two user data pointers. */
typedef void (*WGPURequestAdapterCallback)(WGPUEnum status, WGPUAdapter adapter,
                                           WGPUStringView message, void *u1, void *u2);
typedef void (*WGPURequestDeviceCallback)(WGPUEnum status, WGPUDevice device,
                                          WGPUStringView message, void *u1, void *u2);
typedef void (*WGPUDeviceLostCallback)(WGPUDevice const *device, WGPUEnum reason,
                                       WGPUStringView message, void *u1, void *u2);
typedef void (*WGPUUncapturedErrorCallback)(WGPUDevice const *device, WGPUEnum type,
                                            WGPUStringView message, void *u1, void *u2);
typedef void (*WGPUBufferMapCallback)(WGPUEnum status, WGPUStringView message, void *u1, void *u2);
typedef void (*WGPUQueueWorkDoneCallback)(WGPUEnum status, WGPUStringView message, void *u1,
                                          void *u2);
typedef void (*WGPUPopErrorScopeCallback)(WGPUEnum status, WGPUEnum type, WGPUStringView message,
                                          void *u1, void *u2);

/* Callback infos: {nextInChain, mode, callback, userdata1, userdata2}; the uncaptured-error one
 * has no mode. */
typedef struct WGPURequestAdapterCallbackInfo {
  WGPUChainedStruct *nextInChain;
  WGPUEnum mode;
  WGPURequestAdapterCallback callback;
  void *userdata1, *userdata2;
} WGPURequestAdapterCallbackInfo;
typedef struct WGPURequestDeviceCallbackInfo {
  WGPUChainedStruct *nextInChain;
  WGPUEnum mode;
  WGPURequestDeviceCallback callback;
  void *userdata1, *userdata2;
} WGPURequestDeviceCallbackInfo;
typedef struct WGPUDeviceLostCallbackInfo {
  WGPUChainedStruct *nextInChain;
  WGPUEnum mode;
  WGPUDeviceLostCallback callback;
  void *userdata1, *userdata2;
} WGPUDeviceLostCallbackInfo;
typedef struct WGPUBufferMapCallbackInfo {
  WGPUChainedStruct *nextInChain;
  WGPUEnum mode;
  WGPUBufferMapCallback callback;
  void *userdata1, *userdata2;
} WGPUBufferMapCallbackInfo;
typedef struct WGPUQueueWorkDoneCallbackInfo {
  WGPUChainedStruct *nextInChain;
  WGPUEnum mode;
  WGPUQueueWorkDoneCallback callback;
  void *userdata1, *userdata2;
} WGPUQueueWorkDoneCallbackInfo;
typedef struct WGPUPopErrorScopeCallbackInfo {
  WGPUChainedStruct *nextInChain;
  WGPUEnum mode;
  WGPUPopErrorScopeCallback callback;
  void *userdata1, *userdata2;
} WGPUPopErrorScopeCallbackInfo;
typedef struct WGPUUncapturedErrorCallbackInfo {
  WGPUChainedStruct *nextInChain;
  WGPUUncapturedErrorCallback callback;
  void *userdata1, *userdata2;
} WGPUUncapturedErrorCallbackInfo;

/* This build embeds InstanceCapabilities (later Dawn has required features/limits instead). */
typedef struct WGPUInstanceDescriptor {
  WGPUChainedStruct *nextInChain;
  struct {
    WGPUChainedStruct *nextInChain;
    WGPUBool timedWaitAnyEnable;
    size_t timedWaitAnyMaxCount;
  } capabilities;
} WGPUInstanceDescriptor;

typedef struct WGPURequestAdapterOptions {
  WGPUChainedStruct *nextInChain;
  WGPUEnum featureLevel, powerPreference;
  WGPUBool forceFallbackAdapter;
  WGPUEnum backendType;
  void *compatibleSurface;
} WGPURequestAdapterOptions;

typedef struct WGPUAdapterInfo {
  WGPUChainedStruct *nextInChain;
  WGPUStringView vendor, architecture, device, description;
  WGPUEnum backendType, adapterType;
  uint32_t vendorID, deviceID, subgroupMinSize, subgroupMaxSize;
} WGPUAdapterInfo;

typedef struct WGPULimits {
  WGPUChainedStruct *nextInChain;
  uint32_t maxTextureDimension1D, maxTextureDimension2D, maxTextureDimension3D;
  uint32_t maxTextureArrayLayers, maxBindGroups, maxBindGroupsPlusVertexBuffers;
  uint32_t maxBindingsPerBindGroup, maxDynamicUniformBuffersPerPipelineLayout;
  uint32_t maxDynamicStorageBuffersPerPipelineLayout, maxSampledTexturesPerShaderStage;
  uint32_t maxSamplersPerShaderStage, maxStorageBuffersPerShaderStage;
  uint32_t maxStorageTexturesPerShaderStage, maxUniformBuffersPerShaderStage;
  uint64_t maxUniformBufferBindingSize, maxStorageBufferBindingSize;
  uint32_t minUniformBufferOffsetAlignment, minStorageBufferOffsetAlignment, maxVertexBuffers;
  uint64_t maxBufferSize;
  uint32_t maxVertexAttributes, maxVertexBufferArrayStride, maxInterStageShaderVariables;
  uint32_t maxColorAttachments, maxColorAttachmentBytesPerSample;
  uint32_t maxComputeWorkgroupStorageSize, maxComputeInvocationsPerWorkgroup;
  uint32_t maxComputeWorkgroupSizeX, maxComputeWorkgroupSizeY, maxComputeWorkgroupSizeZ;
  uint32_t maxComputeWorkgroupsPerDimension, maxImmediateSize;
} WGPULimits;

typedef struct WGPUSupportedFeatures {
  size_t featureCount;
  const WGPUEnum *features;
} WGPUSupportedFeatures;

typedef struct WGPUDeviceDescriptor {
  WGPUChainedStruct *nextInChain;
  WGPUStringView label;
  size_t requiredFeatureCount;
  const WGPUEnum *requiredFeatures;
  const WGPULimits *requiredLimits;
  struct {
    WGPUChainedStruct *nextInChain;
    WGPUStringView label;
  } defaultQueue;
  WGPUDeviceLostCallbackInfo deviceLostCallbackInfo;
  WGPUUncapturedErrorCallbackInfo uncapturedErrorCallbackInfo;
} WGPUDeviceDescriptor;

typedef struct WGPUBufferDescriptor {
  WGPUChainedStruct *nextInChain;
  WGPUStringView label;
  WGPUFlags usage;
  uint64_t size;
  WGPUBool mappedAtCreation;
} WGPUBufferDescriptor;

typedef struct WGPUShaderSourceWGSL {
  WGPUChainedStruct chain;
  WGPUStringView code;
} WGPUShaderSourceWGSL;

typedef struct WGPUShaderModuleDescriptor {
  WGPUChainedStruct *nextInChain;
  WGPUStringView label;
} WGPUShaderModuleDescriptor;

typedef struct WGPUComputePipelineDescriptor {
  WGPUChainedStruct *nextInChain;
  WGPUStringView label;
  void *layout; /* NULL: layout derived from the shader */
  struct {
    WGPUChainedStruct *nextInChain;
    WGPUShaderModule module;
    WGPUStringView entryPoint;
    size_t constantCount;
    const void *constants;
  } compute;
} WGPUComputePipelineDescriptor;

typedef struct WGPUBindGroupEntry {
  WGPUChainedStruct *nextInChain;
  uint32_t binding;
  WGPUBuffer buffer;
  uint64_t offset, size;
  void *sampler, *textureView;
} WGPUBindGroupEntry;

typedef struct WGPUBindGroupDescriptor {
  WGPUChainedStruct *nextInChain;
  WGPUStringView label;
  WGPUBindGroupLayout layout;
  size_t entryCount;
  const WGPUBindGroupEntry *entries;
} WGPUBindGroupDescriptor;

/* X(return type, name, arguments): every function the backend calls. */
#define AI_WGPU_FUNCTIONS(X)                                                                     \
  X(WGPUInstance, wgpuCreateInstance, (const WGPUInstanceDescriptor *))                          \
  X(void, wgpuInstanceRelease, (WGPUInstance))                                                   \
  X(WGPUFuture, wgpuInstanceRequestAdapter,                                                      \
    (WGPUInstance, const WGPURequestAdapterOptions *, WGPURequestAdapterCallbackInfo))           \
  X(WGPUEnum, wgpuInstanceWaitAny, (WGPUInstance, size_t, WGPUFutureWaitInfo *, uint64_t))       \
  X(WGPUEnum, wgpuAdapterGetInfo, (WGPUAdapter, WGPUAdapterInfo *))                              \
  X(void, wgpuAdapterInfoFreeMembers, (WGPUAdapterInfo))                                         \
  X(WGPUEnum, wgpuAdapterGetLimits, (WGPUAdapter, WGPULimits *))                                 \
  X(WGPUBool, wgpuAdapterHasFeature, (WGPUAdapter, WGPUEnum))                                    \
  X(void, wgpuAdapterGetFeatures, (WGPUAdapter, WGPUSupportedFeatures *))                        \
  X(void, wgpuSupportedFeaturesFreeMembers, (WGPUSupportedFeatures))                             \
  X(WGPUFuture, wgpuAdapterRequestDevice,                                                        \
    (WGPUAdapter, const WGPUDeviceDescriptor *, WGPURequestDeviceCallbackInfo))                  \
  X(void, wgpuAdapterRelease, (WGPUAdapter))                                                     \
  X(WGPUEnum, wgpuDeviceGetLimits, (WGPUDevice, WGPULimits *))                                   \
  X(WGPUQueue, wgpuDeviceGetQueue, (WGPUDevice))                                                 \
  X(void, wgpuDevicePushErrorScope, (WGPUDevice, WGPUEnum))                                      \
  X(WGPUFuture, wgpuDevicePopErrorScope, (WGPUDevice, WGPUPopErrorScopeCallbackInfo))            \
  X(void, wgpuDeviceDestroy, (WGPUDevice))                                                       \
  X(void, wgpuDeviceRelease, (WGPUDevice))                                                       \
  X(WGPUBuffer, wgpuDeviceCreateBuffer, (WGPUDevice, const WGPUBufferDescriptor *))              \
  X(WGPUShaderModule, wgpuDeviceCreateShaderModule,                                              \
    (WGPUDevice, const WGPUShaderModuleDescriptor *))                                            \
  X(WGPUComputePipeline, wgpuDeviceCreateComputePipeline,                                        \
    (WGPUDevice, const WGPUComputePipelineDescriptor *))                                         \
  X(WGPUBindGroupLayout, wgpuComputePipelineGetBindGroupLayout, (WGPUComputePipeline, uint32_t)) \
  X(WGPUBindGroup, wgpuDeviceCreateBindGroup, (WGPUDevice, const WGPUBindGroupDescriptor *))     \
  X(WGPUCommandEncoder, wgpuDeviceCreateCommandEncoder, (WGPUDevice, const void *))              \
  X(WGPUComputePassEncoder, wgpuCommandEncoderBeginComputePass,                                  \
    (WGPUCommandEncoder, const void *))                                                          \
  X(void, wgpuComputePassEncoderSetPipeline, (WGPUComputePassEncoder, WGPUComputePipeline))      \
  X(void, wgpuComputePassEncoderSetBindGroup,                                                    \
    (WGPUComputePassEncoder, uint32_t, WGPUBindGroup, size_t, const uint32_t *))                 \
  X(void, wgpuComputePassEncoderDispatchWorkgroups,                                              \
    (WGPUComputePassEncoder, uint32_t, uint32_t, uint32_t))                                      \
  X(void, wgpuComputePassEncoderEnd, (WGPUComputePassEncoder))                                   \
  X(void, wgpuComputePassEncoderRelease, (WGPUComputePassEncoder))                               \
  X(void, wgpuCommandEncoderCopyBufferToBuffer,                                                  \
    (WGPUCommandEncoder, WGPUBuffer, uint64_t, WGPUBuffer, uint64_t, uint64_t))                  \
  X(WGPUCommandBuffer, wgpuCommandEncoderFinish, (WGPUCommandEncoder, const void *))             \
  X(void, wgpuCommandEncoderRelease, (WGPUCommandEncoder))                                       \
  X(void, wgpuCommandBufferRelease, (WGPUCommandBuffer))                                         \
  X(void, wgpuQueueSubmit, (WGPUQueue, size_t, const WGPUCommandBuffer *))                       \
  X(void, wgpuQueueWriteBuffer, (WGPUQueue, WGPUBuffer, uint64_t, const void *, size_t))         \
  X(WGPUFuture, wgpuQueueOnSubmittedWorkDone, (WGPUQueue, WGPUQueueWorkDoneCallbackInfo))        \
  X(void, wgpuQueueRelease, (WGPUQueue))                                                         \
  X(WGPUFuture, wgpuBufferMapAsync,                                                              \
    (WGPUBuffer, WGPUFlags, size_t, size_t, WGPUBufferMapCallbackInfo))                          \
  X(const void *, wgpuBufferGetConstMappedRange, (WGPUBuffer, size_t, size_t))                   \
  X(void, wgpuBufferUnmap, (WGPUBuffer))                                                         \
  X(void, wgpuBufferDestroy, (WGPUBuffer))                                                       \
  X(void, wgpuBufferRelease, (WGPUBuffer))                                                       \
  X(void, wgpuShaderModuleRelease, (WGPUShaderModule))                                           \
  X(void, wgpuComputePipelineRelease, (WGPUComputePipeline))                                     \
  X(void, wgpuBindGroupLayoutRelease, (WGPUBindGroupLayout))                                     \
  X(void, wgpuBindGroupRelease, (WGPUBindGroup))

struct ai_wgpu_api {
#define AI_WGPU_MEMBER(ret, name, args) ret(*name) args;
  AI_WGPU_FUNCTIONS(AI_WGPU_MEMBER)
#undef AI_WGPU_MEMBER
};

#endif
