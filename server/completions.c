/* POST /v1/completions: text_completion objects (also as stream events), with echo and the
 * legacy logprobs shape {tokens, token_logprobs, top_logprobs, text_offset}. */
#include <jansson.h>
#include <string.h>

#include "server.h"

static json_t *legacy_logprobs(const anyinfer_model *m, const struct srv_logprob *lp, size_t n) {
  json_t *tokens = json_array(), *lps = json_array(), *tops = json_array(), *offs = json_array();
  size_t offset = 0;
  for (size_t i = 0; i < n; i++) {
    json_t *tok = srv_token_json(m, lp[i].token, false);
    json_array_append_new(offs, json_integer((json_int_t)offset));
    offset += json_string_length(tok);
    json_array_append_new(tokens, tok);
    json_array_append_new(lps, json_real(lp[i].logprob));
    json_t *top = json_object();
    for (int32_t k = 0; k < lp[i].n_top; k++) {
      json_t *t = srv_token_json(m, lp[i].top[k].token, false);
      json_object_set_new(top, json_string_value(t), json_real(lp[i].top[k].logprob));
      json_decref(t);
    }
    json_array_append_new(tops, top);
  }
  return json_pack("{s:o, s:o, s:o, s:o}", "tokens", tokens, "token_logprobs", lps, "top_logprobs",
                   tops, "text_offset", offs);
}

static json_t *completion_choice(const struct srv_stream_fmt *f, int32_t index, bool is_first,
                                 const char *text, size_t len, const struct srv_logprob *lp,
                                 size_t n_lp, const char *finish_reason, bool is_chunk) {
  const char *echo = is_first ? srv_stream_echo(f, index) : NULL;
  json_t *t;
  if (echo) {
    size_t n_echo = strlen(echo);
    char *joined = malloc(n_echo + len + 1);
    if (joined) {
      memcpy(joined, echo, n_echo);
      if (len) memcpy(joined + n_echo, text, len);
    }
    t = joined ? srv_text_json(joined, n_echo + len) : NULL;
    free(joined);
  } else {
    t = srv_text_json(text, len);
  }
  return json_pack("{s:o, s:i, s:o, s:o}", "text", t, "index", index, "logprobs",
                   lp ? legacy_logprobs(srv_stream_model(f), lp, n_lp) : json_null(),
                   "finish_reason", finish_reason ? json_string(finish_reason) : json_null());
}

const struct srv_endpoint_def srv_completions_def = {
    .object = "text_completion",
    .chunk_object = "text_completion",
    .id_prefix = "cmpl-",
    .choice = completion_choice,
};

void srv_handle_completions(struct srv_server *srv, const char *body, size_t len, const char *rest,
                            struct srv_reply *out) {
  srv_generate(srv, &srv_completions_def, SRV_COMPLETIONS, body, len, out);
}
