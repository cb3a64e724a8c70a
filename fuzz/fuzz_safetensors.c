/* libFuzzer target for the safetensors header reader: parses the input from memory and, on
 * success, walks every tensor and metadata entry and re-checks the invariants the reader
 * promises (offsets inside the data, byte size = elements x dtype size). The reader must return
 * OK or an error with a message; it must never crash, hang or leak. */
#include <assert.h>
#include <stdint.h>
#include <string.h>

#include "format/safetensors.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  struct ai_reader r = ai_mem_reader(data, size);
  struct ai_safetensors *s = NULL;
  struct ai_error err;
  ai_error_clear(&err);
  anyinfer_status st = ai_safetensors_read(&r, NULL, &s, &err);
  if (st != ANYINFER_OK) {
    assert(s == NULL && err.msg[0] != '\0' && err.status == st);
    return 0;
  }
  volatile size_t sum = 0;
  assert(s->data_offset == 8 + s->header_bytes && s->data_offset + s->data_bytes == size);
  for (size_t i = 0; i < s->n_tensors; i++) {
    const struct ai_st_tensor *t = &s->tensors[i];
    assert(t->name[0] != '\0' && ai_safetensors_find(s, t->name) == t);
    assert(t->n_dims <= AI_ST_MAX_DIMS && t->begin <= t->end && t->end <= s->data_bytes);
    assert(t->end - t->begin == (uint64_t)t->n_elements * ai_st_dtype_size(t->dtype));
    sum += strlen(t->name);
    if (t->end > t->begin) sum += data[s->data_offset + t->end - 1];
  }
  for (size_t i = 0; i < s->n_meta; i++) {
    sum += strlen(s->meta[i].key) + strlen(s->meta[i].value);
    assert(ai_safetensors_meta(s, s->meta[i].key) != NULL);
  }
  (void)sum;
  ai_safetensors_free(s);
  return 0;
}
