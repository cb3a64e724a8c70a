/* libFuzzer target for the whisper.cpp ggml-*.bin reader: parses the input from memory; on
 * success re-checks what the reader promises (tokens and tensors inside the file, in order,
 * sizes from type and shape). Every call must return OK or an error status with a message;
 * never crash, hang or leak. */
#include <assert.h>
#include <string.h>

#include "format/ggml_whisper.h"
#include "tensor/types.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  struct ai_reader r = ai_mem_reader(data, size);
  struct ai_error err;
  ai_error_clear(&err);
  struct ai_ggml_whisper g;
  anyinfer_status st = ai_ggml_whisper_read(&r, NULL, &g, &err);
  assert(st == ANYINFER_OK || (err.status == st && err.msg[0] != '\0'));
  if (st != ANYINFER_OK) return 0;
  assert(g.n_tokens >= 1 && g.n_tokens < g.hp.n_vocab);
  assert(g.filters_offset + (uint64_t)g.hp.n_mels * 201 * 4 <= size);
  for (int32_t i = 0; i < g.n_tokens; i++) assert(g.token_offset[i] + g.token_len[i] <= size);
  uint64_t end = 0;
  for (int32_t i = 0; i < g.n_tensors; i++) {
    const struct ai_ggml_tensor *t = &g.tensors[i];
    const struct ai_type_traits *tr = ai_type_traits_get(t->type);
    assert(tr && t->offset >= end && t->offset + t->bytes <= size);
    assert(t->bytes ==
           (uint64_t)(t->ne[0] * t->ne[1] * t->ne[2]) / (uint64_t)tr->block_size * tr->block_bytes);
    assert(strlen(t->name) > 0);
    end = t->offset + t->bytes;
  }
  ai_ggml_whisper_free(&g);
  return 0;
}
