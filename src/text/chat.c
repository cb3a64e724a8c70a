/* Chat template rendering: builds the variables Hugging Face's apply_chat_template passes
 * (messages as a list of {role, content} dicts, add_generation_prompt, bos_token, eos_token) and
 * runs the Jinja interpreter in one arena that is freed before returning. */
#include "text/chat.h"

#include <string.h>

#include "text/jinja.h"
#include "text/jinja_internal.h"

const char *ai_chat_chatml_template(void) {
  return "{% for message in messages %}"
         "{{ '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n' "
         "}}"
         "{% endfor %}"
         "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";
}

static bool set_str(struct jarena *ar, struct jscope *sc, const char *name, const char *value) {
  if (!value) return true;
  return ai_jinja_scope_set(ar, sc, name, strlen(name), ai_jinja_v_str(value, strlen(value)));
}

static bool bind(struct jarena *ar, struct jscope *sc, const struct ai_chat_msg *msgs, size_t n,
                 bool add_generation_prompt, const char *bos, const char *eos) {
  struct jlist *list = ai_jinja_list_new(ar);
  if (!list) return false;
  for (size_t i = 0; i < n; i++) {
    struct jdict *d = ai_jinja_dict_new(ar);
    const char *role = msgs[i].role ? msgs[i].role : "";
    struct jv content =
        msgs[i].content ? ai_jinja_v_str(msgs[i].content, strlen(msgs[i].content)) : ai_jinja_v_none();
    if (!d || !ai_jinja_dict_set(ar, d, "role", 4, ai_jinja_v_str(role, strlen(role))) ||
        !ai_jinja_dict_set(ar, d, "content", 7, content) ||
        !ai_jinja_list_push(ar, list, (struct jv){.kind = JV_DICT, .d = d}))
      return false;
  }
  return ai_jinja_scope_set(ar, sc, "messages", 8, (struct jv){.kind = JV_LIST, .l = list}) &&
         ai_jinja_scope_set(ar, sc, "add_generation_prompt", 21, ai_jinja_v_bool(add_generation_prompt)) &&
         set_str(ar, sc, "bos_token", bos) && set_str(ar, sc, "eos_token", eos);
}

anyinfer_status ai_chat_render(const struct ai_alloc *a, const char *template_src,
                               const struct ai_chat_msg *msgs, size_t n_msgs,
                               bool add_generation_prompt, const char *bos_token,
                               const char *eos_token, char **out, size_t *out_len,
                               struct ai_error *err) {
  if (out) *out = NULL;
  if (out_len) *out_len = 0;
  if (!a || !template_src || (!msgs && n_msgs) || !out || !out_len)
    return ai_error_set(err, ANYINFER_E_INVAL, "chat: NULL argument to ai_chat_render");
  struct ai_jinja_limits lim;
  ai_jinja_default_limits(&lim);
  struct jarena ar = {.a = a, .max_bytes = lim.max_memory_bytes};
  struct jscope *vars = ai_jinja_arena_alloc(&ar, sizeof *vars);
  struct jbuf text = {0};
  anyinfer_status st;
  if (!vars || !bind(&ar, vars, msgs, n_msgs, add_generation_prompt, bos_token, eos_token)) {
    st = ar.over_limit
             ? ai_error_set(err, ANYINFER_E_TEMPLATE, "chat: %zu messages need more than %zu bytes",
                            n_msgs, lim.max_memory_bytes)
             : ai_error_set(err, ANYINFER_E_NOMEM, "chat: out of memory");
    goto fail;
  }
  st = ai_jinja_render(&ar, template_src, strlen(template_src), vars, &lim, &text, err);
  if (st != ANYINFER_OK) goto fail;
  *out = ai_strndup(a, text.p ? text.p : "", text.n);
  if (!*out) {
    st = ai_error_set(err, ANYINFER_E_NOMEM, "chat: out of memory for %zu bytes of output", text.n);
    goto fail;
  }
  *out_len = text.n;
fail:
  ai_jinja_arena_free_all(&ar);
  return st;
}
