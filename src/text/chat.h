/* Chat templates: renders a conversation with a model's Jinja chat template (jinja_*.c), as
 * Hugging Face's apply_chat_template does (trim_blocks and lstrip_blocks on, variables
 * messages, add_generation_prompt, bos_token, eos_token). */
#ifndef AI_TEXT_CHAT_H
#define AI_TEXT_CHAT_H

#include <stdbool.h>
#include <stddef.h>

#include "anyinfer.h"
#include "base/alloc.h"
#include "base/error.h"

struct ai_chat_msg {
  const char *role;    /* NUL-terminated */
  const char *content; /* NUL-terminated; NULL renders as none */
};

/* Renders template_src with msgs. bos_token/eos_token may be NULL (then undefined in the
 * template). On success *out is a NUL-terminated string allocated with a (caller frees with
 * ai_free) and *out_len its length without the NUL. On failure *out is NULL.
 * Returns ANYINFER_E_TEMPLATE (syntax or runtime error, raise_exception, a limit exceeded; the
 * message names line and column), ANYINFER_E_INVAL (NULL arguments), ANYINFER_E_NOMEM. */
anyinfer_status ai_chat_render(const struct ai_alloc *a, const char *template_src,
                               const struct ai_chat_msg *msgs, size_t n_msgs,
                               bool add_generation_prompt, const char *bos_token,
                               const char *eos_token, char **out, size_t *out_len,
                               struct ai_error *err);

/* The ChatML template, used only for a model that ships no template. Static storage. */
const char *ai_chat_chatml_template(void);

#endif
