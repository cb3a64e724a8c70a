/* WebGPU inside wasm (wasm32-wasip1): the function table of wgpu_abi.h over the imports of module
 * "webgpu", which the JavaScript host implements over navigator.gpu or the npm `webgpu` package
 * (web/src/webgpu.js). The imports take ids, numbers and (pointer, length) pairs only: every
 * struct of the C ABI is read and written here, so the host never needs a layout. Objects are
 * ids in the host's handle table (0 is none), cast to the ABI's handle pointers.
 *
 * Blocking: every asynchronous call (adapter, device, map, work done, error scope) returns a
 * future id; wgpuInstanceWaitAny waits for it through the one suspending import (future_wait,
 * a JSPI WebAssembly.Suspending), then delivers the callbacks the host has queued: the ones of
 * the futures waited for and the device's lost and uncaptured-error callbacks, which therefore
 * run inside WaitAny whatever their mode. The host keeps every callback's (function, userdata)
 * with its future or device, so this file has no state of its own.
 *
 * Linked only into the modules that run on a WebGPU host (anyinfer-webgpu.wasm,
 * anyinfer-web.wasm): wgpu_load.c refers to ai_wgpu_host_load weakly, so the CPU-only
 * anyinfer.wasm keeps importing WASI alone. */
#ifdef __wasi__

#include <stdlib.h>
#include <string.h>

#include "backend/webgpu/wgpu_load.h"

#define IMPORT(name) __attribute__((import_module("webgpu"), import_name(#name)))

typedef uint32_t hid; /* a host id */

/* 1 when the host has WebGPU; else 0 and why in msg. Its name ("npm webgpu 0.6.2", ...). */
IMPORT(host_status) int32_t js_host_status(char *msg, int32_t cap);
IMPORT(host_name) int32_t js_host_name(char *buf, int32_t cap);
IMPORT(create_instance) hid js_create_instance(void);
IMPORT(release) void js_release(hid h);

/* Futures: each import that starts one takes the callback (function index, userdata) and the
 * callback mode. future_wait with block suspends until the future settles, without it only
 * checks; 1 when it has. next_callback fills cb[CB_N] and msg with one queued callback and
 * returns the message's length, or -1 when none is queued. Strings the host writes are cut to
 * cap - 1 bytes and NUL-terminated; it returns their length. */
enum { CB_KIND, CB_FN, CB_U1, CB_U2, CB_STATUS, CB_VALUE, CB_N };
enum {
  KIND_ADAPTER = 1,
  KIND_DEVICE,
  KIND_MAP,
  KIND_WORK_DONE,
  KIND_POP_ERROR_SCOPE,
  KIND_DEVICE_LOST,
  KIND_UNCAPTURED_ERROR
};
IMPORT(future_wait) int32_t js_future_wait(double future, int32_t block);
IMPORT(next_callback) int32_t js_next_callback(uint32_t *cb, char *msg, int32_t cap);

IMPORT(request_adapter)
double js_request_adapter(hid instance, uint32_t power, uint32_t force_fallback, uint32_t fn,
                          uint32_t u1, uint32_t u2, uint32_t mode);
/* Adapter info and limits by their WebGPU names: a number (-1 when absent) or a string. */
IMPORT(info_number) double js_info_number(hid adapter, const char *name, int32_t len);
IMPORT(info_string)
int32_t js_info_string(hid adapter, const char *name, int32_t len, char *buf, int32_t cap);
IMPORT(limit) double js_limit(hid adapter_or_device, const char *name, int32_t len);
IMPORT(has_feature) int32_t js_has_feature(hid adapter_or_device, const char *name, int32_t len);
/* A device request is staged: required limits and features, then the request. */
IMPORT(require_limit) void js_require_limit(const char *name, int32_t len, double value);
IMPORT(require_feature) void js_require_feature(const char *name, int32_t len);
IMPORT(request_device)
double js_request_device(hid adapter, uint32_t fn, uint32_t u1, uint32_t u2, uint32_t mode,
                         uint32_t lost_fn, uint32_t lost_u1, uint32_t lost_u2, uint32_t error_fn,
                         uint32_t error_u1, uint32_t error_u2);
IMPORT(device_queue) hid js_device_queue(hid device);
IMPORT(device_destroy) void js_device_destroy(hid device);
IMPORT(push_error_scope) void js_push_error_scope(hid device, uint32_t filter);
IMPORT(pop_error_scope)
double js_pop_error_scope(hid device, uint32_t fn, uint32_t u1, uint32_t u2, uint32_t mode);

IMPORT(create_buffer)
hid js_create_buffer(hid device, uint32_t usage, double size, int32_t mapped_at_creation);
IMPORT(create_shader_module) hid js_create_shader_module(hid device, const char *code, int32_t len);
IMPORT(create_compute_pipeline)
hid js_create_compute_pipeline(hid device, hid layout, hid module, const char *entry, int32_t len);
IMPORT(bind_group_layout) hid js_bind_group_layout(hid pipeline, uint32_t group);
/* A bind group is staged entry by entry (size -1: the rest of the buffer). */
IMPORT(bind_group_entry)
void js_bind_group_entry(uint32_t binding, hid buffer, double offset, double size);
IMPORT(create_bind_group) hid js_create_bind_group(hid device, hid layout);

IMPORT(create_command_encoder) hid js_create_command_encoder(hid device);
IMPORT(begin_compute_pass) hid js_begin_compute_pass(hid encoder);
IMPORT(set_pipeline) void js_set_pipeline(hid pass, hid pipeline);
IMPORT(set_bind_group)
void js_set_bind_group(hid pass, uint32_t index, hid group, const uint32_t *offsets, int32_t n);
IMPORT(dispatch) void js_dispatch(hid pass, uint32_t x, uint32_t y, uint32_t z);
IMPORT(end_pass) void js_end_pass(hid pass);
IMPORT(copy_buffer)
void js_copy_buffer(hid encoder, hid src, double src_offset, hid dst, double dst_offset,
                    double size);
IMPORT(finish) hid js_finish(hid encoder);
/* ids: n host ids (uint32_t). */
IMPORT(submit) void js_submit(hid queue, const hid *ids, int32_t n);
IMPORT(write_buffer)
void js_write_buffer(hid queue, hid buffer, double offset, const void *data, int32_t size);
IMPORT(work_done)
double js_work_done(hid queue, uint32_t fn, uint32_t u1, uint32_t u2, uint32_t mode);
IMPORT(map_buffer)
double js_map_buffer(hid buffer, uint32_t mode, double offset, double size, uint32_t fn,
                     uint32_t u1, uint32_t u2, uint32_t cb_mode);
/* Copies the mapped [offset, offset + size) into dst and remembers dst as handed out for this
 * mapping; 0 when the buffer is not mapped there. take_range gives those pointers back (0 when
 * none is left) to be freed before unmap, destroy or release. */
IMPORT(read_mapped) int32_t js_read_mapped(hid buffer, double offset, int32_t size, void *dst);
IMPORT(take_range) void *js_take_range(hid buffer);
IMPORT(unmap) void js_unmap(hid buffer);
IMPORT(destroy_buffer) void js_destroy_buffer(hid buffer);

#define ID(h)                ((hid)(uintptr_t)(h))
#define PTR(x)               ((void *)(uintptr_t)(x))
#define FN(f)                ((uint32_t)(uintptr_t)(f))
#define WGPU_BACKEND_WEBGPU  2
#define WGPU_ADAPTER_CPU     3
#define WGPU_ADAPTER_UNKNOWN 4

static size_t view_len(WGPUStringView v) {
  return v.data ? (v.length == WGPU_STRLEN ? strlen(v.data) : v.length) : 0;
}

/* ---- instance, futures, callbacks ---------------------------------------------------------- */

static WGPUInstance host_wgpuCreateInstance(const WGPUInstanceDescriptor *d) {
  (void)d;
  return PTR(js_create_instance());
}

static void host_wgpuInstanceRelease(WGPUInstance i) {
  js_release(ID(i));
}

static WGPUFuture host_wgpuInstanceRequestAdapter(WGPUInstance i,
                                                  const WGPURequestAdapterOptions *o,
                                                  WGPURequestAdapterCallbackInfo ci) {
  return (WGPUFuture){(uint64_t)js_request_adapter(ID(i), o ? o->powerPreference : 0,
                                                   o ? o->forceFallbackAdapter : 0, FN(ci.callback),
                                                   FN(ci.userdata1), FN(ci.userdata2), ci.mode)};
}

/* Runs every callback the host has queued, each with its own signature. */
static void deliver_callbacks(void) {
  uint32_t cb[CB_N];
  char msg[512];
  for (;;) {
    int32_t n = js_next_callback(cb, msg, sizeof msg);
    if (n < 0) return;
    WGPUStringView m = {msg, (size_t)n};
    void *u1 = PTR(cb[CB_U1]), *u2 = PTR(cb[CB_U2]);
    WGPUDevice device = PTR(cb[CB_VALUE]);
    switch (cb[CB_KIND]) {
      case KIND_ADAPTER:
        ((WGPURequestAdapterCallback)PTR(cb[CB_FN]))(cb[CB_STATUS], PTR(cb[CB_VALUE]), m, u1, u2);
        break;
      case KIND_DEVICE:
        ((WGPURequestDeviceCallback)PTR(cb[CB_FN]))(cb[CB_STATUS], device, m, u1, u2);
        break;
      case KIND_MAP:
        ((WGPUBufferMapCallback)PTR(cb[CB_FN]))(cb[CB_STATUS], m, u1, u2);
        break;
      case KIND_WORK_DONE:
        ((WGPUQueueWorkDoneCallback)PTR(cb[CB_FN]))(cb[CB_STATUS], m, u1, u2);
        break;
      case KIND_POP_ERROR_SCOPE:
        ((WGPUPopErrorScopeCallback)PTR(cb[CB_FN]))(cb[CB_STATUS], cb[CB_VALUE], m, u1, u2);
        break;
      case KIND_DEVICE_LOST: /* value: the device; status: the reason */
        ((WGPUDeviceLostCallback)PTR(cb[CB_FN]))(&device, cb[CB_STATUS], m, u1, u2);
        break;
      case KIND_UNCAPTURED_ERROR: /* status: the error type */
        ((WGPUUncapturedErrorCallback)PTR(cb[CB_FN]))(&device, cb[CB_STATUS], m, u1, u2);
        break;
      default:
        return; /* a host that queues what it may not: nothing to call */
    }
  }
}

/* Returns when one of the futures has completed (marked so), then runs the queued callbacks.
 * Timeout 0 only checks; any other timeout waits without limit, for the first future given
 * when none has completed yet (the backend waits for one future at a time). */
static WGPUEnum host_wgpuInstanceWaitAny(WGPUInstance i, size_t n, WGPUFutureWaitInfo *w,
                                         uint64_t timeout_ns) {
  (void)i;
  bool any = false;
  for (size_t k = 0; k < n && !any; k++)
    any = w[k].completed = (WGPUBool)js_future_wait((double)w[k].future.id, 0);
  for (size_t k = 0; k < n && !any && timeout_ns; k++)
    any = w[k].completed = (WGPUBool)js_future_wait((double)w[k].future.id, 1);
  deliver_callbacks();
  return any ? WGPU_STATUS_SUCCESS : 2 /* TimedOut */;
}

/* ---- adapter ----------------------------------------------------------------------------- */

/* WGPULimits by WebGPU names; absent ones read as 0 and are not required. */
#define LIMIT(f) \
  { #f, sizeof #f - 1, offsetof(WGPULimits, f), sizeof(((WGPULimits *)0)->f) }
static const struct {
  const char *name;
  int32_t len;
  size_t offset, size;
} limit_fields[] = {
    LIMIT(maxTextureDimension1D),
    LIMIT(maxTextureDimension2D),
    LIMIT(maxTextureDimension3D),
    LIMIT(maxTextureArrayLayers),
    LIMIT(maxBindGroups),
    LIMIT(maxBindGroupsPlusVertexBuffers),
    LIMIT(maxBindingsPerBindGroup),
    LIMIT(maxDynamicUniformBuffersPerPipelineLayout),
    LIMIT(maxDynamicStorageBuffersPerPipelineLayout),
    LIMIT(maxSampledTexturesPerShaderStage),
    LIMIT(maxSamplersPerShaderStage),
    LIMIT(maxStorageBuffersPerShaderStage),
    LIMIT(maxStorageTexturesPerShaderStage),
    LIMIT(maxUniformBuffersPerShaderStage),
    LIMIT(maxUniformBufferBindingSize),
    LIMIT(maxStorageBufferBindingSize),
    LIMIT(minUniformBufferOffsetAlignment),
    LIMIT(minStorageBufferOffsetAlignment),
    LIMIT(maxVertexBuffers),
    LIMIT(maxBufferSize),
    LIMIT(maxVertexAttributes),
    LIMIT(maxVertexBufferArrayStride),
    LIMIT(maxInterStageShaderVariables),
    LIMIT(maxColorAttachments),
    LIMIT(maxColorAttachmentBytesPerSample),
    LIMIT(maxComputeWorkgroupStorageSize),
    LIMIT(maxComputeInvocationsPerWorkgroup),
    LIMIT(maxComputeWorkgroupSizeX),
    LIMIT(maxComputeWorkgroupSizeY),
    LIMIT(maxComputeWorkgroupSizeZ),
    LIMIT(maxComputeWorkgroupsPerDimension),
    LIMIT(maxImmediateSize),
};
#undef LIMIT
#define N_LIMITS (sizeof limit_fields / sizeof *limit_fields)

static WGPUEnum get_limits(hid h, WGPULimits *l) {
  l->nextInChain = NULL;
  for (size_t i = 0; i < N_LIMITS; i++) {
    double v = js_limit(h, limit_fields[i].name, limit_fields[i].len);
    uint8_t *p = (uint8_t *)l + limit_fields[i].offset;
    if (limit_fields[i].size == 8) {
      uint64_t x = v < 0 ? 0 : (uint64_t)v;
      memcpy(p, &x, 8);
    } else {
      uint32_t x = v < 0 ? 0 : v > UINT32_MAX ? UINT32_MAX : (uint32_t)v;
      memcpy(p, &x, 4);
    }
  }
  return WGPU_STATUS_SUCCESS;
}

/* The features the backend can ask for, by WebGPU name. */
static const struct {
  WGPUEnum id;
  const char *name;
} features[] = {{WGPU_FEATURE_SHADER_F16, "shader-f16"}, {WGPU_FEATURE_SUBGROUPS, "subgroups"}};
#define N_FEATURES (sizeof features / sizeof *features)

static const char *feature_name(WGPUEnum f) {
  for (size_t i = 0; i < N_FEATURES; i++)
    if (features[i].id == f) return features[i].name;
  return NULL;
}

static char *info_string(hid a, const char *name) {
  char buf[256];
  int32_t n = js_info_string(a, name, (int32_t)strlen(name), buf, sizeof buf);
  if (n < 0) n = 0;
  if (n > (int32_t)sizeof buf - 1) n = sizeof buf - 1;
  char *s = malloc((size_t)n + 1);
  if (s) {
    memcpy(s, buf, (size_t)n);
    s[n] = '\0';
  }
  return s;
}

static uint32_t info_number(hid a, const char *name) {
  double v = js_info_number(a, name, (int32_t)strlen(name));
  return v < 0 ? 0 : (uint32_t)v;
}

static WGPUEnum host_wgpuAdapterGetInfo(WGPUAdapter a, WGPUAdapterInfo *info) {
  static const char *const names[4] = {"vendor", "architecture", "device", "description"};
  WGPUStringView *views[4] = {&info->vendor, &info->architecture, &info->device,
                              &info->description};
  *info = (WGPUAdapterInfo){0};
  for (int i = 0; i < 4; i++) {
    char *s = info_string(ID(a), names[i]);
    *views[i] = (WGPUStringView){s, s ? strlen(s) : 0};
  }
  info->backendType = WGPU_BACKEND_WEBGPU;
  info->adapterType =
      info_number(ID(a), "isFallbackAdapter") ? WGPU_ADAPTER_CPU : WGPU_ADAPTER_UNKNOWN;
  info->subgroupMinSize = info_number(ID(a), "subgroupMinSize");
  info->subgroupMaxSize = info_number(ID(a), "subgroupMaxSize");
  return WGPU_STATUS_SUCCESS;
}

static void host_wgpuAdapterInfoFreeMembers(WGPUAdapterInfo info) {
  free((void *)info.vendor.data);
  free((void *)info.architecture.data);
  free((void *)info.device.data);
  free((void *)info.description.data);
}

static WGPUEnum host_wgpuAdapterGetLimits(WGPUAdapter a, WGPULimits *l) {
  return get_limits(ID(a), l);
}

static WGPUBool host_wgpuAdapterHasFeature(WGPUAdapter a, WGPUEnum f) {
  const char *name = feature_name(f);
  return name && js_has_feature(ID(a), name, (int32_t)strlen(name));
}

static void host_wgpuAdapterGetFeatures(WGPUAdapter a, WGPUSupportedFeatures *out) {
  WGPUEnum *list = malloc(N_FEATURES * sizeof *list);
  size_t n = 0;
  for (size_t i = 0; list && i < N_FEATURES; i++)
    if (host_wgpuAdapterHasFeature(a, features[i].id)) list[n++] = features[i].id;
  *out = (WGPUSupportedFeatures){n, list};
}

static void host_wgpuSupportedFeaturesFreeMembers(WGPUSupportedFeatures f) {
  free((void *)f.features);
}

static WGPUFuture host_wgpuAdapterRequestDevice(WGPUAdapter a, const WGPUDeviceDescriptor *d,
                                                WGPURequestDeviceCallbackInfo ci) {
  WGPUDeviceLostCallbackInfo lost = {0};
  WGPUUncapturedErrorCallbackInfo unc = {0};
  if (d) {
    lost = d->deviceLostCallbackInfo, unc = d->uncapturedErrorCallbackInfo;
    for (size_t i = 0; i < d->requiredFeatureCount; i++) {
      const char *name = feature_name(d->requiredFeatures[i]);
      /* Unknown here: asked under a name no host has, so the request fails and says so. */
      if (name)
        js_require_feature(name, (int32_t)strlen(name));
      else
        js_require_feature("unknown-feature", 15);
    }
    for (size_t i = 0; d->requiredLimits && i < N_LIMITS; i++) {
      const uint8_t *p = (const uint8_t *)d->requiredLimits + limit_fields[i].offset;
      uint64_t v = 0;
      if (limit_fields[i].size == 8) {
        memcpy(&v, p, 8);
        if (v == UINT64_MAX) continue;
      } else {
        uint32_t x;
        memcpy(&x, p, 4);
        if (x == UINT32_MAX) continue;
        v = x;
      }
      if (v) js_require_limit(limit_fields[i].name, limit_fields[i].len, (double)v);
    }
  }
  return (WGPUFuture){(uint64_t)js_request_device(
      ID(a), FN(ci.callback), FN(ci.userdata1), FN(ci.userdata2), ci.mode, FN(lost.callback),
      FN(lost.userdata1), FN(lost.userdata2), FN(unc.callback), FN(unc.userdata1),
      FN(unc.userdata2))};
}

static void host_wgpuAdapterRelease(WGPUAdapter a) {
  js_release(ID(a));
}

/* ---- device ------------------------------------------------------------------------------ */

static WGPUEnum host_wgpuDeviceGetLimits(WGPUDevice d, WGPULimits *l) {
  return get_limits(ID(d), l);
}

static WGPUQueue host_wgpuDeviceGetQueue(WGPUDevice d) {
  return PTR(js_device_queue(ID(d)));
}

static void host_wgpuDevicePushErrorScope(WGPUDevice d, WGPUEnum filter) {
  js_push_error_scope(ID(d), filter);
}

static WGPUFuture host_wgpuDevicePopErrorScope(WGPUDevice d, WGPUPopErrorScopeCallbackInfo ci) {
  return (WGPUFuture){(uint64_t)js_pop_error_scope(ID(d), FN(ci.callback), FN(ci.userdata1),
                                                   FN(ci.userdata2), ci.mode)};
}

static void host_wgpuDeviceDestroy(WGPUDevice d) {
  js_device_destroy(ID(d));
}

static void host_wgpuDeviceRelease(WGPUDevice d) {
  js_release(ID(d));
}

static WGPUBuffer host_wgpuDeviceCreateBuffer(WGPUDevice d, const WGPUBufferDescriptor *b) {
  return PTR(
      js_create_buffer(ID(d), (uint32_t)b->usage, (double)b->size, (int32_t)b->mappedAtCreation));
}

static WGPUShaderModule host_wgpuDeviceCreateShaderModule(WGPUDevice d,
                                                          const WGPUShaderModuleDescriptor *m) {
  for (const WGPUChainedStruct *c = m->nextInChain; c; c = c->next)
    if (c->sType == WGPU_STYPE_SHADER_SOURCE_WGSL) {
      WGPUStringView code = ((const WGPUShaderSourceWGSL *)c)->code;
      return PTR(js_create_shader_module(ID(d), code.data, (int32_t)view_len(code)));
    }
  return PTR(js_create_shader_module(ID(d), NULL, -1)); /* no WGSL: the host reports the error */
}

static WGPUComputePipeline host_wgpuDeviceCreateComputePipeline(
    WGPUDevice d, const WGPUComputePipelineDescriptor *p) {
  return PTR(js_create_compute_pipeline(ID(d), ID(p->layout), ID(p->compute.module),
                                        p->compute.entryPoint.data,
                                        (int32_t)view_len(p->compute.entryPoint)));
}

static WGPUBindGroupLayout host_wgpuComputePipelineGetBindGroupLayout(WGPUComputePipeline p,
                                                                      uint32_t group) {
  return PTR(js_bind_group_layout(ID(p), group));
}

static WGPUBindGroup host_wgpuDeviceCreateBindGroup(WGPUDevice d,
                                                    const WGPUBindGroupDescriptor *g) {
  for (size_t i = 0; i < g->entryCount; i++) {
    const WGPUBindGroupEntry *e = &g->entries[i];
    js_bind_group_entry(e->binding, ID(e->buffer), (double)e->offset,
                        e->size == UINT64_MAX ? -1.0 : (double)e->size);
  }
  return PTR(js_create_bind_group(ID(d), ID(g->layout)));
}

/* ---- encoding, queue --------------------------------------------------------------------- */

static WGPUCommandEncoder host_wgpuDeviceCreateCommandEncoder(WGPUDevice d, const void *desc) {
  (void)desc;
  return PTR(js_create_command_encoder(ID(d)));
}

static WGPUComputePassEncoder host_wgpuCommandEncoderBeginComputePass(WGPUCommandEncoder e,
                                                                      const void *desc) {
  (void)desc;
  return PTR(js_begin_compute_pass(ID(e)));
}

static void host_wgpuComputePassEncoderSetPipeline(WGPUComputePassEncoder p,
                                                   WGPUComputePipeline pipe) {
  js_set_pipeline(ID(p), ID(pipe));
}

static void host_wgpuComputePassEncoderSetBindGroup(WGPUComputePassEncoder p, uint32_t index,
                                                    WGPUBindGroup g, size_t n,
                                                    const uint32_t *offsets) {
  js_set_bind_group(ID(p), index, ID(g), offsets, (int32_t)n);
}

static void host_wgpuComputePassEncoderDispatchWorkgroups(WGPUComputePassEncoder p, uint32_t x,
                                                          uint32_t y, uint32_t z) {
  js_dispatch(ID(p), x, y, z);
}

static void host_wgpuComputePassEncoderEnd(WGPUComputePassEncoder p) {
  js_end_pass(ID(p));
}

static void host_wgpuComputePassEncoderRelease(WGPUComputePassEncoder p) {
  js_release(ID(p));
}

static void host_wgpuCommandEncoderCopyBufferToBuffer(WGPUCommandEncoder e, WGPUBuffer src,
                                                      uint64_t src_off, WGPUBuffer dst,
                                                      uint64_t dst_off, uint64_t size) {
  js_copy_buffer(ID(e), ID(src), (double)src_off, ID(dst), (double)dst_off, (double)size);
}

static WGPUCommandBuffer host_wgpuCommandEncoderFinish(WGPUCommandEncoder e, const void *desc) {
  (void)desc;
  return PTR(js_finish(ID(e)));
}

static void host_wgpuCommandEncoderRelease(WGPUCommandEncoder e) {
  js_release(ID(e));
}

static void host_wgpuCommandBufferRelease(WGPUCommandBuffer b) {
  js_release(ID(b));
}

static void host_wgpuQueueSubmit(WGPUQueue q, size_t n, const WGPUCommandBuffer *cbs) {
  /* Handles are host ids stored as pointers: 4 bytes each in wasm32. */
  _Static_assert(sizeof(WGPUCommandBuffer) == sizeof(hid), "wasm32 handles are 32-bit");
  js_submit(ID(q), (const hid *)(const void *)cbs, (int32_t)n);
}

static void host_wgpuQueueWriteBuffer(WGPUQueue q, WGPUBuffer b, uint64_t offset, const void *data,
                                      size_t size) {
  js_write_buffer(ID(q), ID(b), (double)offset, data, (int32_t)size);
}

static WGPUFuture host_wgpuQueueOnSubmittedWorkDone(WGPUQueue q, WGPUQueueWorkDoneCallbackInfo ci) {
  return (WGPUFuture){
      (uint64_t)js_work_done(ID(q), FN(ci.callback), FN(ci.userdata1), FN(ci.userdata2), ci.mode)};
}

static void host_wgpuQueueRelease(WGPUQueue q) {
  js_release(ID(q));
}

/* ---- buffers ----------------------------------------------------------------------------- */

static WGPUFuture host_wgpuBufferMapAsync(WGPUBuffer b, WGPUFlags mode, size_t offset, size_t size,
                                          WGPUBufferMapCallbackInfo ci) {
  return (WGPUFuture){(uint64_t)js_map_buffer(
      ID(b), (uint32_t)mode, (double)offset, size == SIZE_MAX ? -1.0 : (double)size,
      FN(ci.callback), FN(ci.userdata1), FN(ci.userdata2), ci.mode)};
}

/* A copy in wasm memory of the mapped range, freed by unmap, destroy or release. */
static const void *host_wgpuBufferGetConstMappedRange(WGPUBuffer b, size_t offset, size_t size) {
  void *p = malloc(size ? size : 1);
  if (p && js_read_mapped(ID(b), (double)offset, (int32_t)size, p)) return p;
  free(p);
  return NULL;
}

static void free_ranges(WGPUBuffer b) {
  for (void *p; (p = js_take_range(ID(b)));) free(p);
}

static void host_wgpuBufferUnmap(WGPUBuffer b) {
  free_ranges(b);
  js_unmap(ID(b));
}

static void host_wgpuBufferDestroy(WGPUBuffer b) {
  free_ranges(b);
  js_destroy_buffer(ID(b));
}

static void host_wgpuBufferRelease(WGPUBuffer b) {
  free_ranges(b);
  js_release(ID(b));
}

static void host_wgpuShaderModuleRelease(WGPUShaderModule m) {
  js_release(ID(m));
}

static void host_wgpuComputePipelineRelease(WGPUComputePipeline p) {
  js_release(ID(p));
}

static void host_wgpuBindGroupLayoutRelease(WGPUBindGroupLayout l) {
  js_release(ID(l));
}

static void host_wgpuBindGroupRelease(WGPUBindGroup g) {
  js_release(ID(g));
}

anyinfer_status ai_wgpu_host_load(struct ai_wgpu_api *api, char *where, size_t where_cap,
                                  struct ai_error *err) {
  char why[256];
  if (!js_host_status(why, sizeof why)) {
    why[sizeof why - 1] = '\0';
    return ai_error_set(err, ANYINFER_E_BACKEND, "webgpu: %s", why);
  }
  int32_t n = js_host_name(where, (int32_t)where_cap);
  if (where_cap) where[n < 0 ? 0 : (size_t)n < where_cap ? (size_t)n : where_cap - 1] = '\0';
    /* Every entry of the table, by name: a function missing here does not compile. */
#define AI_WGPU_HOST(ret, name, args) api->name = host_##name;
  AI_WGPU_FUNCTIONS(AI_WGPU_HOST)
#undef AI_WGPU_HOST
  return ANYINFER_OK;
}

#endif
