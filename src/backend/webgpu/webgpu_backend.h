/* The WebGPU backend: every op as a WGSL compute kernel, driven through Dawn's webgpu.h C API.
 * Ops are recorded into one command buffer and submitted at sync or read (one submit per forward
 * pass); only read copies data back. Weights are uploaded once by buffer_from_host. */
#ifndef AI_BACKEND_WEBGPU_WEBGPU_BACKEND_H
#define AI_BACKEND_WEBGPU_WEBGPU_BACKEND_H

#include "backend/backend.h"
#include "base/alloc.h"

struct ai_webgpu_params {
  /* Largest storage binding to use; 0: the device's maxStorageBufferBindingSize. Tests set a
   * small value to exercise the paths that split a tensor across bindings. */
  uint64_t max_binding;
  /* Use the reductions without subgroups even where the device has them (tests run both). */
  bool no_subgroups;
};

/* Loads Dawn, takes the high-performance Vulkan adapter (never the Null one) and makes a device
 * with the adapter's own limits. ANYINFER_E_BACKEND with the reason (no library, no adapter,
 * device refused), ANYINFER_E_NOMEM. */
anyinfer_status ai_webgpu_backend_create(const struct ai_alloc *alloc,
                                         const struct ai_webgpu_params *params,
                                         struct ai_backend *out, struct ai_error *err);

/* The adapter the backend would use, as text: name, backend, type, limits and features
 * ("library: ...", "adapter: ...", one item a line). ANYINFER_E_BACKEND as above. */
anyinfer_status ai_webgpu_describe(char *buf, size_t cap, struct ai_error *err);

/* "" or the first error the device reported (validation, device lost) since creation. */
const char *ai_webgpu_backend_error(const struct ai_backend *b);

#endif
