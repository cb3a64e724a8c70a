/* Instance, adapter and device: the start-up recipe of shared/notes/dawn-c.md §6 (timed WaitAny,
 * Core feature level on Vulkan, never the Null adapter, the adapter's own limits). */
#include <stdio.h>
#include <string.h>

#include "backend/webgpu/webgpu_internal.h"
#include "backend/webgpu/wgpu_load.h"

struct request {
  void *handle;
  char msg[200];
};

static void copy_view(char *dst, size_t cap, WGPUStringView v) {
  size_t n = v.data ? (v.length == WGPU_STRLEN ? strlen(v.data) : v.length) : 0;
  if (n >= cap) n = cap - 1;
  if (n) memcpy(dst, v.data, n);
  dst[n] = '\0';
}

static void on_adapter(WGPUEnum status, WGPUAdapter adapter, WGPUStringView msg, void *u1,
                       void *u2) {
  (void)u2;
  struct request *r = u1;
  if (status == WGPU_STATUS_SUCCESS)
    r->handle = adapter;
  else
    copy_view(r->msg, sizeof r->msg, msg);
}

static void on_device(WGPUEnum status, WGPUDevice device, WGPUStringView msg, void *u1, void *u2) {
  (void)u2;
  struct request *r = u1;
  if (status == WGPU_STATUS_SUCCESS)
    r->handle = device;
  else
    copy_view(r->msg, sizeof r->msg, msg);
}

/* Keeps the first error: later ones are usually its consequences. */
static void note_error(struct wg_device *d, const char *what, WGPUStringView msg) {
  if (d->error[0]) return;
  size_t n = (size_t)snprintf(d->error, sizeof d->error, "%s: ", what);
  if (n < sizeof d->error) copy_view(d->error + n, sizeof d->error - n, msg);
}

static void on_lost(WGPUDevice const *device, WGPUEnum reason, WGPUStringView msg, void *u1,
                    void *u2) {
  (void)device, (void)u2;
  if (reason != WGPU_DEVICE_LOST_DESTROYED) note_error(u1, "webgpu: device lost", msg);
}

static void on_uncaptured(WGPUDevice const *device, WGPUEnum type, WGPUStringView msg, void *u1,
                          void *u2) {
  (void)device, (void)type, (void)u2;
  note_error(u1, "webgpu", msg);
}

void wg_wait(struct wg_device *d, WGPUFuture f) {
  WGPUFutureWaitInfo w = {f, 0};
  d->api.wgpuInstanceWaitAny(d->instance, 1, &w, UINT64_MAX);
}

anyinfer_status wg_device_open(struct wg_device *d, bool make_device, struct ai_error *err) {
  anyinfer_status st = ai_wgpu_load(&d->api, d->lib, sizeof d->lib, err);
  if (st) return st;
  const struct ai_wgpu_api *w = &d->api;
  WGPUInstanceDescriptor idesc = {.capabilities = {.timedWaitAnyEnable = 1}};
  d->instance = w->wgpuCreateInstance(&idesc);
  if (!d->instance)
    return ai_error_set(err, ANYINFER_E_BACKEND, "webgpu: %s: cannot create an instance", d->lib);
  struct request r = {0};
  WGPURequestAdapterOptions ao = {.featureLevel = WGPU_FEATURE_LEVEL_CORE,
                                  .powerPreference = WGPU_POWER_HIGH_PERFORMANCE,
                                  .backendType = WGPU_BACKEND_VULKAN};
  WGPURequestAdapterCallbackInfo aci = {NULL, WGPU_CALLBACK_MODE_WAIT_ANY_ONLY, on_adapter, &r,
                                        NULL};
  wg_wait(d, w->wgpuInstanceRequestAdapter(d->instance, &ao, aci));
  d->adapter = r.handle;
  if (!d->adapter)
    return ai_error_set(err, ANYINFER_E_BACKEND, "webgpu: no Vulkan adapter (%s)",
                        r.msg[0] ? r.msg : "no reason given");
  WGPUAdapterInfo info = {0};
  w->wgpuAdapterGetInfo(d->adapter, &info);
  WGPUEnum backend = info.backendType;
  d->subgroup_min = info.subgroupMinSize, d->subgroup_max = info.subgroupMaxSize;
  w->wgpuAdapterInfoFreeMembers(info);
  if (backend == WGPU_BACKEND_NULL)
    return ai_error_set(err, ANYINFER_E_BACKEND,
                        "webgpu: only Dawn's Null adapter is available (it computes nothing)");
  d->limits = (WGPULimits){0};
  w->wgpuAdapterGetLimits(d->adapter, &d->limits);
  if (!make_device) return ANYINFER_OK;

  WGPULimits want = d->limits;
  WGPUEnum subgroups = WGPU_FEATURE_SUBGROUPS;
  d->has_subgroups = w->wgpuAdapterHasFeature(d->adapter, subgroups);
  WGPUDeviceDescriptor dd = {
      .label = {"anyinfer", WGPU_STRLEN},
      .requiredFeatureCount = d->has_subgroups ? 1 : 0,
      .requiredFeatures = &subgroups,
      .requiredLimits = &want,
      .deviceLostCallbackInfo = {NULL, WGPU_CALLBACK_MODE_ALLOW_SPONTANEOUS, on_lost, d, NULL},
      .uncapturedErrorCallbackInfo = {NULL, on_uncaptured, d, NULL}};
  r = (struct request){0};
  WGPURequestDeviceCallbackInfo dci = {NULL, WGPU_CALLBACK_MODE_WAIT_ANY_ONLY, on_device, &r, NULL};
  wg_wait(d, w->wgpuAdapterRequestDevice(d->adapter, &dd, dci));
  d->device = r.handle;
  if (!d->device)
    return ai_error_set(err, ANYINFER_E_BACKEND, "webgpu: the adapter refused a device (%s)",
                        r.msg[0] ? r.msg : "no reason given");
  d->queue = w->wgpuDeviceGetQueue(d->device);
  w->wgpuDeviceGetLimits(d->device, &d->limits);
  /* Self-check of the pinned ABI: the device must report the limits asked for (a layout
   * mismatch in WGPULimits shows here). */
  if (d->limits.maxStorageBufferBindingSize != want.maxStorageBufferBindingSize ||
      d->limits.maxComputeWorkgroupsPerDimension != want.maxComputeWorkgroupsPerDimension ||
      d->limits.maxComputeInvocationsPerWorkgroup < 256)
    return ai_error_set(err, ANYINFER_E_BACKEND,
                        "webgpu: %s: device limits (binding %llu, %u workgroups, %u invocations) "
                        "do not match the adapter's: not the Dawn build this backend expects",
                        d->lib, (unsigned long long)d->limits.maxStorageBufferBindingSize,
                        d->limits.maxComputeWorkgroupsPerDimension,
                        d->limits.maxComputeInvocationsPerWorkgroup);
  return ANYINFER_OK;
}

void wg_device_close(struct wg_device *d) {
  const struct ai_wgpu_api *w = &d->api;
  if (d->queue) w->wgpuQueueRelease(d->queue);
  if (d->device) {
    w->wgpuDeviceDestroy(d->device);
    w->wgpuDeviceRelease(d->device);
  }
  if (d->adapter) w->wgpuAdapterRelease(d->adapter);
  if (d->instance) w->wgpuInstanceRelease(d->instance);
  d->queue = NULL, d->device = NULL, d->adapter = NULL, d->instance = NULL;
}

static const char *adapter_type_name(WGPUEnum t) {
  static const char *const names[] = {"?", "discrete GPU", "integrated GPU", "CPU", "unknown"};
  return t < 5 ? names[t] : "?";
}

static const char *feature_name(WGPUEnum f) {
  static const char *const names[] = {"?",
                                      "depth-clip-control",
                                      "depth32float-stencil8",
                                      "timestamp-query",
                                      "texture-compression-bc",
                                      "texture-compression-bc-sliced-3d",
                                      "texture-compression-etc2",
                                      "texture-compression-astc",
                                      "texture-compression-astc-sliced-3d",
                                      "indirect-first-instance",
                                      "shader-f16",
                                      "rg11b10ufloat-renderable",
                                      "bgra8unorm-storage",
                                      "float32-filterable",
                                      "float32-blendable",
                                      "clip-distances",
                                      "dual-source-blending",
                                      "subgroups",
                                      "core-features-and-limits"};
  return f < sizeof names / sizeof *names ? names[f] : NULL;
}

anyinfer_status ai_webgpu_describe(char *buf, size_t cap, struct ai_error *err) {
  struct wg_device d = {0};
  anyinfer_status st = wg_device_open(&d, false, err);
  size_t n = 0;
#define OUT(...)                                                       \
  do {                                                                 \
    if (n < cap) n += (size_t)snprintf(buf + n, cap - n, __VA_ARGS__); \
  } while (0)
  if (cap) buf[0] = '\0';
  if (st) goto done;
  const struct ai_wgpu_api *w = &d.api;
  WGPUAdapterInfo info = {0};
  w->wgpuAdapterGetInfo(d.adapter, &info);
  char vendor[64], device[128], desc[128];
  copy_view(vendor, sizeof vendor, info.vendor);
  copy_view(device, sizeof device, info.device);
  copy_view(desc, sizeof desc, info.description);
  OUT("library:  %s\n", d.lib);
  OUT("adapter:  %s (%s), %s, Vulkan, vendor %s 0x%04x, device 0x%04x, subgroups %u..%u\n", device,
      desc, adapter_type_name(info.adapterType), vendor, info.vendorID, info.deviceID,
      info.subgroupMinSize, info.subgroupMaxSize);
  w->wgpuAdapterInfoFreeMembers(info);
  const WGPULimits *l = &d.limits;
  OUT("limits:   maxStorageBufferBindingSize %llu, maxBufferSize %llu, "
      "maxComputeWorkgroupStorageSize %u, maxComputeInvocationsPerWorkgroup %u, "
      "maxComputeWorkgroupSizeX %u, maxComputeWorkgroupsPerDimension %u, "
      "minStorageBufferOffsetAlignment %u, maxStorageBuffersPerShaderStage %u\n",
      (unsigned long long)l->maxStorageBufferBindingSize, (unsigned long long)l->maxBufferSize,
      l->maxComputeWorkgroupStorageSize, l->maxComputeInvocationsPerWorkgroup,
      l->maxComputeWorkgroupSizeX, l->maxComputeWorkgroupsPerDimension,
      l->minStorageBufferOffsetAlignment, l->maxStorageBuffersPerShaderStage);
  WGPUSupportedFeatures feats = {0};
  w->wgpuAdapterGetFeatures(d.adapter, &feats);
  OUT("features:");
  for (size_t i = 0; i < feats.featureCount; i++) {
    const char *name = feature_name(feats.features[i]);
    if (name)
      OUT(" %s", name);
    else
      OUT(" 0x%x", feats.features[i]);
  }
  OUT("\n");
  w->wgpuSupportedFeaturesFreeMembers(feats);
#undef OUT
done:
  wg_device_close(&d);
  return st;
}
