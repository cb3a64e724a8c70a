/* The engine's private view of the public handles: what model.c, session.c and generate.c
 * share. Not included outside src/engine/. */
#ifndef AI_ENGINE_ENGINE_H
#define AI_ENGINE_ENGINE_H

#include "anyinfer.h"
#include "base/alloc.h"
#include "base/error.h"
#include "base/file.h"
#include "base/log.h"
#include "format/gguf.h"
#include "models/llama.h"
#include "models/whisper.h"
#include "text/tokenizer.h"

struct anyinfer_model {
  struct ai_alloc alloc;
  struct ai_log log;
  struct ai_file file;
  struct ai_gguf *gguf;
  const void *weights; /* the data section: mapped, or read into weights_owned */
  size_t weights_bytes;
  void *weights_owned; /* non-NULL when the file could not be mapped */
  struct ai_tokenizer *tokenizer;
  bool has_weights;
  struct ai_llama llama;
  bool is_whisper; /* general.architecture "whisper": whisper is loaded, llama is not */
  struct ai_whisper whisper;
  anyinfer_model_info info;
  char file_type[24];
};

struct ai_backend;
struct ai_cpu_backend_params;

/* Builds a model's state (weights uploaded, caches allocated) on a backend; drop undoes a
 * failed or partial build before the backend is freed. */
struct ai_state_builder {
  anyinfer_status (*build)(void *ctx, struct ai_backend *b, struct ai_error *err);
  void (*drop)(void *ctx);
  void *ctx;
};

/* Opens *b as name asks, "cpu" (also NULL), "webgpu" or "auto", and builds the state on it.
 * webgpu and auto try the GPU first; when it or the build on it fails, one warning says why and
 * the CPU backend (bp) is used. Any other name: ANYINFER_E_UNSUPPORTED, naming who. */
anyinfer_status ai_engine_open_backend(const anyinfer_model *model, const struct ai_alloc *alloc,
                                       const char *who, const char *name,
                                       const struct ai_cpu_backend_params *bp,
                                       const struct ai_state_builder *sb, struct ai_backend *b,
                                       struct ai_error *err);

#endif
