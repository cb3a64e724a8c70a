/* POST /v1/chat/completions: a chat.completion, or chat.completion.chunk events, with
 * OpenAI's choice shape (message/delta, logprobs.content[] with top_logprobs, finish_reason). */
#include <jansson.h>

#include "server.h"

/* logprobs.content: one entry per token with its alternatives. */
static json_t *logprobs_json(const anyinfer_model *m, const struct srv_logprob *lp, size_t n) {
  json_t *content = json_array();
  for (size_t i = 0; i < n; i++) {
    json_t *top = json_array();
    for (int32_t k = 0; k < lp[i].n_top; k++)
      json_array_append_new(
          top, json_pack("{s:o, s:f, s:o}", "token", srv_token_json(m, lp[i].top[k].token, false),
                         "logprob", (double)lp[i].top[k].logprob, "bytes",
                         srv_token_json(m, lp[i].top[k].token, true)));
    json_array_append_new(
        content, json_pack("{s:o, s:f, s:o, s:o}", "token", srv_token_json(m, lp[i].token, false),
                           "logprob", (double)lp[i].logprob, "bytes",
                           srv_token_json(m, lp[i].token, true), "top_logprobs", top));
  }
  return json_pack("{s:o, s:n}", "content", content, "refusal");
}

static json_t *chat_choice(const struct srv_stream_fmt *f, int32_t index, bool is_first,
                           const char *text, size_t len, const struct srv_logprob *lp, size_t n_lp,
                           const char *finish_reason, bool is_chunk) {
  json_t *logprobs = lp ? logprobs_json(srv_stream_model(f), lp, n_lp) : json_null();
  json_t *finish = finish_reason ? json_string(finish_reason) : json_null();
  if (!is_chunk)
    return json_pack("{s:i, s:{s:s, s:o, s:n}, s:o, s:o}", "index", index, "message", "role",
                     "assistant", "content", srv_text_json(text, len), "refusal", "logprobs",
                     logprobs, "finish_reason", finish);
  json_t *delta = json_object();
  if (is_first) json_object_set_new(delta, "role", json_string("assistant"));
  if (len > 0 || (is_first && !finish_reason))
    json_object_set_new(delta, "content", srv_text_json(text, len));
  return json_pack("{s:i, s:o, s:o, s:o}", "index", index, "delta", delta, "logprobs", logprobs,
                   "finish_reason", finish);
}

const struct srv_endpoint_def srv_chat_def = {
    .object = "chat.completion",
    .chunk_object = "chat.completion.chunk",
    .id_prefix = "chatcmpl-",
    .choice = chat_choice,
};

void srv_handle_chat(struct srv_server *srv, const char *body, size_t len, const char *rest,
                     struct srv_reply *out) {
  srv_generate(srv, &srv_chat_def, SRV_CHAT, body, len, out);
}
