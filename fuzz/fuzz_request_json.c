/* libFuzzer target for the server's request-body handling (server/request.c): the input's first
 * byte picks the endpoint (chat or completions), the rest is the body. Parsing must return true
 * with every documented invariant holding, or false with a 400 error in OpenAI's shape whose JSON
 * renders; it must never crash, hang or leak. */
#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "server.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size == 0) return 0;
  enum srv_endpoint endpoint = data[0] & 1 ? SRV_COMPLETIONS : SRV_CHAT;
  struct srv_request r;
  struct srv_error e;
  if (!srv_request_parse((const char *)data + 1, size - 1, endpoint, &r, &e)) {
    assert(e.http_status == 400 || e.http_status == 500);
    assert(e.message[0] != '\0' && e.type != NULL);
    char *json = srv_error_json(&e);
    assert(json && strncmp(json, "{\"error\":{", 10) == 0);
    free(json);
    srv_request_free(&r);
    return 0;
  }
  volatile size_t sum = 0;
  assert(r.n >= 1 && r.n <= SRV_MAX_N && r.n_stop <= SRV_MAX_STOP);
  assert(r.top_logprobs >= 0 && r.top_logprobs <= ANYINFER_MAX_TOP_LOGPROBS);
  assert(r.sampler.temperature >= 0 && r.sampler.temperature <= 2);
  assert(r.sampler.top_p >= 0 && r.sampler.top_p <= 1);
  if (endpoint == SRV_CHAT) {
    assert(r.n_messages >= 1);
    for (size_t i = 0; i < r.n_messages; i++)
      sum += strlen(r.messages[i].role) + strlen(r.messages[i].content);
  } else {
    assert(r.n_prompts >= 1 && r.n_prompts * (size_t)r.n <= SRV_MAX_N && r.max_tokens >= 1);
    for (size_t i = 0; i < r.n_prompts; i++) sum += strlen(r.prompts[i]);
  }
  for (size_t i = 0; i < r.n_stop; i++) sum += strlen(r.stop[i]);
  for (size_t i = 0; i < r.n_bias; i++) {
    assert(r.bias[i].token >= 0 && r.bias[i].bias >= -100 && r.bias[i].bias <= 100);
    sum += (size_t)r.bias[i].token;
  }
  (void)sum;
  srv_request_free(&r);
  return 0;
}
