/* The transcriber handle, shared by transcriber.c (creation, low-level encode/decode) and
 * transcribe.c (the decoding loop). */
#ifndef AI_ENGINE_TRANSCRIBER_H
#define AI_ENGINE_TRANSCRIBER_H

#include "backend/backend.h"
#include "engine/engine.h"
#include "text/whisper_vocab.h"

struct anyinfer_transcriber {
  const anyinfer_model *model;
  struct ai_alloc alloc;
  struct ai_backend backend;
  struct ai_whisper_state state;
  struct ai_whisper_vocab vocab;
  int32_t max_beams;
  int n_threads;
  bool has_window; /* a window is encoded: the cross-attention K/V are valid */
  float *logits;   /* max_beams x n_vocab */
  struct ai_error err;
};

#endif
