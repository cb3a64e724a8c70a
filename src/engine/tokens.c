/* Public token and chat-template calls: thin wrappers over src/text on a loaded model. */
#include <string.h>

#include "engine/engine.h"
#include "text/chat.h"

anyinfer_status anyinfer_tokenize(const anyinfer_model *m, const char *text, size_t len,
                                  bool add_special, bool parse_special, int32_t *tokens, size_t cap,
                                  size_t *n_tokens) {
  return ai_tokenizer_encode(m->tokenizer, text, len, add_special, parse_special, tokens, cap,
                             n_tokens, NULL);
}

anyinfer_status anyinfer_token_to_piece(const anyinfer_model *m, int32_t token, char *buf,
                                        size_t cap, size_t *len) {
  return ai_tokenizer_piece(m->tokenizer, token, buf, cap, len);
}

anyinfer_status anyinfer_detokenize(const anyinfer_model *m, const int32_t *tokens, size_t n_tokens,
                                    char *buf, size_t cap, size_t *len) {
  return ai_tokenizer_decode(m->tokenizer, tokens, n_tokens, buf, cap, len);
}

bool anyinfer_token_is_eog(const anyinfer_model *m, int32_t token) {
  return ai_tokenizer_is_eog(m->tokenizer, token);
}

void anyinfer_chat_default_params(anyinfer_chat_params *p) {
  *p = (anyinfer_chat_params){0};
}

/* The text of a special token by id, or "" when the vocabulary has none. */
static const char *special_text(const anyinfer_model *m, int32_t id, char *buf, size_t cap) {
  size_t len = 0;
  if (id < 0 || ai_tokenizer_piece(m->tokenizer, id, buf, cap, &len) != ANYINFER_OK) len = 0;
  buf[len < cap ? len : cap - 1] = '\0';
  return buf;
}

anyinfer_status anyinfer_chat_apply(const anyinfer_model *m, const anyinfer_chat_message *msgs,
                                    size_t n_msgs, const anyinfer_chat_params *params, char *buf,
                                    size_t cap, size_t *len) {
  anyinfer_chat_params defaults;
  anyinfer_chat_default_params(&defaults);
  const anyinfer_chat_params *p = params ? params : &defaults;
  struct ai_error err;
  ai_error_clear(&err);
  const char *src = p->template_override;
  if (!src) src = anyinfer_model_meta_str(m, "tokenizer.chat_template");
  if (!src) src = ai_chat_chatml_template();
  char bos[128], eos[128];
  char *out = NULL;
  size_t out_len = 0;
  struct ai_chat_msg *cm = n_msgs ? ai_calloc(&m->alloc, n_msgs, sizeof *cm) : NULL;
  if (n_msgs && !cm) return ANYINFER_E_NOMEM;
  for (size_t i = 0; i < n_msgs; i++) cm[i] = (struct ai_chat_msg){msgs[i].role, msgs[i].content};
  anyinfer_status st = ai_chat_render(
      &m->alloc, src, cm, n_msgs, p->add_generation_prompt,
      special_text(m, ai_tokenizer_bos(m->tokenizer), bos, sizeof bos),
      special_text(m, ai_tokenizer_eos(m->tokenizer), eos, sizeof eos), &out, &out_len, &err);
  ai_free(&m->alloc, cm);
  if (st) {
    ai_error_copy_out(&err, p->error_buf, p->error_cap);
    return st;
  }
  if (len) *len = out_len;
  if (buf && cap) {
    size_t n = out_len < cap ? out_len : cap - 1;
    memcpy(buf, out, n);
    buf[n] = '\0';
  }
  ai_free(&m->alloc, out);
  return out_len < cap ? ANYINFER_OK : ANYINFER_E_RANGE;
}
