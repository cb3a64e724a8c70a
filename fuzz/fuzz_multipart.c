/* libFuzzer target for the server's multipart/form-data splitter (server/multipart.c), the
 * front of the audio endpoints: parsing returns true with every part inside the body and in
 * order, or false with a 400 in OpenAI's error shape; never a crash, hang or leak. */
#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "server.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  struct srv_part parts[8];
  size_t n = 0;
  struct srv_error e;
  const char *body = (const char *)data;
  if (!srv_multipart_parse(body, size, parts, 8, &n, &e)) {
    assert(e.http_status == 400 && e.message[0] != '\0');
    char *json = srv_error_json(&e);
    assert(json && strncmp(json, "{\"error\":{", 10) == 0);
    free(json);
    return 0;
  }
  assert(n >= 1 && n <= 8);
  const char *last = body;
  for (size_t i = 0; i < n; i++) {
    assert(parts[i].data >= last && parts[i].data + parts[i].len <= body + size);
    assert(strlen(parts[i].name) < sizeof parts[i].name);
    last = parts[i].data + parts[i].len;
  }
  return 0;
}
