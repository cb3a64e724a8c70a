/* dlopen/dlsym of Dawn's C API (native builds only; see wgpu_load.h). */
#define _GNU_SOURCE /* dlopen and readlink under -std=c11 */
#include "backend/webgpu/wgpu_load.h"

#include <stdio.h>
#include <string.h>

#define WGPU_LIB_NAME "libwebgpu_wrapper.so"

#ifdef __wasi__

/* Weak: defined by wgpu_wasm.c only in the modules linked with it (see there). */
__attribute__((weak)) anyinfer_status ai_wgpu_host_load(struct ai_wgpu_api *api, char *where,
                                                        size_t where_cap, struct ai_error *err);

anyinfer_status ai_wgpu_load(struct ai_wgpu_api *api, char *where, size_t where_cap,
                             struct ai_error *err) {
  if (where_cap) where[0] = '\0';
  if (ai_wgpu_host_load) return ai_wgpu_host_load(api, where, where_cap, err);
  return ai_error_set(err, ANYINFER_E_BACKEND,
                      "webgpu: this module has no WebGPU (anyinfer-webgpu.wasm and "
                      "anyinfer-web.wasm have it, on a host with WebGPU)");
}

#else

#include <dlfcn.h>
#include <stdlib.h>
#include <unistd.h>

/* Opens path and resolves every function; on failure appends "path: reason" to why. */
static bool try_open(const char *path, struct ai_wgpu_api *api, char *why, size_t why_cap) {
  size_t used = strlen(why);
  void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
  if (!h) {
    const char *e = dlerror();
    snprintf(why + used, why_cap - used, "%s%s", used ? "; " : "", e ? e : path);
    return false;
  }
  struct ai_wgpu_api t;
#define AI_WGPU_RESOLVE(ret, name, args)                                                       \
  *(void **)&t.name = dlsym(h, #name);                                                         \
  if (!t.name) {                                                                               \
    snprintf(why + used, why_cap - used, "%s%s: no symbol %s", used ? "; " : "", path, #name); \
    return false; /* the handle stays open: never dlclose Dawn */                              \
  }
  AI_WGPU_FUNCTIONS(AI_WGPU_RESOLVE)
#undef AI_WGPU_RESOLVE
  *api = t;
  return true;
}

anyinfer_status ai_wgpu_load(struct ai_wgpu_api *api, char *where, size_t where_cap,
                             struct ai_error *err) {
  char why[AI_ERROR_CAP - 64] = "";
  char next_to_exe[4096] = "";
  ssize_t n = readlink("/proc/self/exe", next_to_exe, sizeof next_to_exe - sizeof WGPU_LIB_NAME);
  if (n > 0) {
    next_to_exe[n] = '\0';
    char *slash = strrchr(next_to_exe, '/');
    if (slash) memcpy(slash + 1, WGPU_LIB_NAME, sizeof WGPU_LIB_NAME);
  }
  const char *env = getenv("ANYINFER_WEBGPU_LIB");
  const char *candidates[3] = {env && env[0] ? env : NULL,
#ifdef AI_WEBGPU_LIB_PATH
                               AI_WEBGPU_LIB_PATH,
#else
                               NULL,
#endif
                               n > 0 ? next_to_exe : NULL};
  for (int i = 0; i < 3; i++) {
    if (!candidates[i]) continue;
    if (try_open(candidates[i], api, why, sizeof why)) {
      snprintf(where, where_cap, "%s", candidates[i]);
      return ANYINFER_OK;
    }
    /* An explicit ANYINFER_WEBGPU_LIB that fails is final: do not silently use another. */
    if (i == 0) break;
  }
  return ai_error_set(err, ANYINFER_E_BACKEND, "webgpu: cannot load Dawn (%s)",
                      why[0] ? why : "no candidate path");
}

#endif
