/* Finding Dawn: the one platform-specific piece of the WebGPU backend. Natively it dlopen()s
 * libwebgpu_wrapper.so (RTLD_NOW | RTLD_LOCAL, never closed: Dawn keeps threads and static
 * state) and fills the function table with dlsym; on wasm32-wasip1 there is no library and the
 * host fills the same table from JS imports instead (issue 6). */
#ifndef AI_BACKEND_WEBGPU_WGPU_LOAD_H
#define AI_BACKEND_WEBGPU_WGPU_LOAD_H

#include "backend/webgpu/wgpu_abi.h"
#include "base/error.h"

/* Natively it tries, in order: $ANYINFER_WEBGPU_LIB, the path the build recorded
 * (AI_WEBGPU_LIB_PATH), and libwebgpu_wrapper.so next to the executable. Fills *api and writes the
 * path loaded into where (cap bytes). ANYINFER_E_BACKEND, naming every path tried and why it
 * failed. */
anyinfer_status ai_wgpu_load(struct ai_wgpu_api *api, char *where, size_t where_cap,
                             struct ai_error *err);

#ifdef __wasi__
/* wasm32-wasip1: the table over the JS host's WebGPU imports (wgpu_wasm.c); where gets the
 * host's name. ANYINFER_E_BACKEND when the host has no WebGPU, saying why. */
anyinfer_status ai_wgpu_host_load(struct ai_wgpu_api *api, char *where, size_t where_cap,
                                  struct ai_error *err);
#endif

#endif
