/* The backend choice of sessions and transcribers: "cpu", "webgpu" or "auto", with the GPU's
 * fallback to the CPU in one place. */
#include <string.h>

#include "backend/cpu/cpu_backend.h"
#include "backend/webgpu/webgpu_backend.h"
#include "engine/engine.h"

anyinfer_status ai_engine_open_backend(const anyinfer_model *model, const struct ai_alloc *alloc,
                                       const char *who, const char *name,
                                       const struct ai_cpu_backend_params *bp,
                                       const struct ai_state_builder *sb, struct ai_backend *b,
                                       struct ai_error *err) {
  if (!name) name = "cpu";
  if (strcmp(name, "cpu") != 0 && strcmp(name, "webgpu") != 0 && strcmp(name, "auto") != 0)
    return ai_error_set(err, ANYINFER_E_UNSUPPORTED,
                        "%s: backend '%s' is not available (cpu, webgpu, auto)", who, name);
  if (strcmp(name, "cpu") != 0) {
    struct ai_error gpu_err;
    if (ai_webgpu_backend_create(alloc, NULL, b, &gpu_err) == ANYINFER_OK) {
      if (sb->build(sb->ctx, b, &gpu_err) == ANYINFER_OK) return ANYINFER_OK;
      sb->drop(sb->ctx);
      ai_backend_free(b);
    }
    ai_log(&model->log, ANYINFER_LOG_WARN, "%s; using the CPU backend", gpu_err.msg);
  }
  anyinfer_status st = ai_cpu_backend_create(alloc, bp, b, err);
  return st ? st : sb->build(sb->ctx, b, err);
}
