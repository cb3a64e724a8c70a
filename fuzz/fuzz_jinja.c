/* libFuzzer target: the input is a chat template, rendered over a fixed conversation. The
 * interpreter must return OK or an error status with a message, within its step, depth, range,
 * output and memory limits (no crash, hang or leak; the replay build checks leaks with the
 * fault-counting allocator). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "base/error.h"
#include "text/chat.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static const struct ai_chat_msg msgs[] = {
      {"system", "You are helpful."}, {"user", "Hi {{ x }} é"}, {"assistant", NULL}, {"user", ""}};
  char *src = malloc(size + 1);
  if (!src) return 0;
  memcpy(src, data, size);
  src[size] = '\0';
  struct ai_alloc_fault f = {0};
  struct ai_alloc a = ai_alloc_make(ai_alloc_fault_fn, &f);
  struct ai_error err = {0};
  char *out = NULL;
  size_t len = 0;
  anyinfer_status st = ai_chat_render(&a, src, msgs, 4, true, "<s>", "</s>", &out, &len, &err);
  if (st == ANYINFER_OK) {
    if (!out || strlen(out) > len) abort();
  } else if (out || err.msg[0] == '\0') {
    abort();
  }
  ai_free(&a, out);
  if (f.n_live != 0) abort();
  free(src);
  return 0;
}
