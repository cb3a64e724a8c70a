/* Request bodies of /v1/chat/completions and /v1/completions: JSON → checked parameters, with
 * OpenAI's ranges (platform.openai.com API reference, "Create chat completion" and "Create
 * completion"). Unknown fields are ignored; a known field of the wrong type or out of range is a
 * 400 naming it. Bytes in, struct out: no model, no I/O (fuzz/fuzz_request_json.c). */
#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "server.h"

static bool fail_type(struct srv_error *e, const char *param, const char *want) {
  return srv_fail(e, 400, "invalid_type", param, "'%s' must be %s", param, want);
}

/* Reads an optional number in [lo, hi] into *out. */
static bool get_number(json_t *root, const char *key, double lo, double hi, float *out,
                       struct srv_error *e) {
  json_t *v = json_object_get(root, key);
  if (!v || json_is_null(v)) return true;
  if (!json_is_number(v)) return fail_type(e, key, "a number");
  double x = json_number_value(v);
  if (!(x >= lo && x <= hi))
    return srv_fail(e, 400, "invalid_value", key, "'%s' is %g, must be in [%g, %g]", key, x, lo,
                    hi);
  *out = (float)x;
  return true;
}

static bool get_int(json_t *root, const char *key, long long lo, long long hi, int32_t *out,
                    struct srv_error *e) {
  json_t *v = json_object_get(root, key);
  if (!v || json_is_null(v)) return true;
  if (!json_is_integer(v)) return fail_type(e, key, "an integer");
  long long x = json_integer_value(v);
  if (x < lo || x > hi)
    return srv_fail(e, 400, "invalid_value", key, "'%s' is %lld, must be in [%lld, %lld]", key, x,
                    lo, hi);
  *out = (int32_t)x;
  return true;
}

static bool get_bool(json_t *root, const char *key, bool *out, struct srv_error *e) {
  json_t *v = json_object_get(root, key);
  if (!v || json_is_null(v)) return true;
  if (!json_is_boolean(v)) return fail_type(e, key, "a boolean");
  *out = json_is_true(v);
  return true;
}

static bool parse_stop(json_t *root, struct srv_request *r, struct srv_error *e) {
  json_t *v = json_object_get(root, "stop");
  if (!v || json_is_null(v)) return true;
  if (json_is_string(v)) {
    r->stop[r->n_stop++] = json_string_value(v);
    return true;
  }
  if (!json_is_array(v) || json_array_size(v) > SRV_MAX_STOP)
    return fail_type(e, "stop", "a string or an array of at most 4 strings");
  size_t i;
  json_t *s;
  json_array_foreach(v, i, s) {
    if (!json_is_string(s)) return fail_type(e, "stop", "a string or an array of strings");
    r->stop[r->n_stop++] = json_string_value(s);
  }
  return true;
}

static bool parse_logit_bias(json_t *root, struct srv_request *r, struct srv_error *e) {
  json_t *v = json_object_get(root, "logit_bias");
  if (!v || json_is_null(v)) return true;
  if (!json_is_object(v)) return fail_type(e, "logit_bias", "an object of token id -> bias");
  if (json_object_size(v) > 1024)
    return srv_fail(e, 400, "invalid_value", "logit_bias",
                    "'logit_bias' has %zu entries, at most 1024", json_object_size(v));
  r->bias = calloc(json_object_size(v) + 1, sizeof *r->bias);
  if (!r->bias) return srv_fail(e, 500, NULL, NULL, "out of memory");
  const char *key;
  json_t *b;
  json_object_foreach(v, key, b) {
    char *end;
    errno = 0;
    long id = strtol(key, &end, 10);
    if (*key == '\0' || *end != '\0' || errno || id < 0 || id > INT32_MAX)
      return srv_fail(e, 400, "invalid_value", "logit_bias",
                      "'logit_bias' key '%.40s' is not a token id", key);
    if (!json_is_number(b) || !(json_number_value(b) >= -100 && json_number_value(b) <= 100))
      return srv_fail(e, 400, "invalid_value", "logit_bias",
                      "'logit_bias' of token %ld must be a number in [-100, 100]", id);
    r->bias[r->n_bias++] = (anyinfer_logit_bias){(int32_t)id, (float)json_number_value(b)};
  }
  return true;
}

/* The sampling fields both endpoints share. */
static bool parse_common(json_t *root, struct srv_request *r, struct srv_error *e) {
  anyinfer_sampler_params *sp = &r->sampler;
  /* OpenAI's defaults: temperature 1, nucleus off, no other filters. */
  anyinfer_sampler_default_params(sp);
  sp->temperature = 1.0f;
  sp->top_k = 0;
  sp->top_p = 1.0f;
  sp->min_p = 0.0f;
  r->n = 1;
  r->max_tokens = -1;
  json_t *model = json_object_get(root, "model");
  if (model && !json_is_string(model)) return fail_type(e, "model", "a string");
  r->model = model ? json_string_value(model) : NULL;
  json_t *seed = json_object_get(root, "seed");
  if (seed && !json_is_null(seed)) {
    if (!json_is_integer(seed)) return fail_type(e, "seed", "an integer");
    sp->seed = (uint64_t)json_integer_value(seed);
    r->has_seed = true;
  }
  json_t *so = json_object_get(root, "stream_options");
  if (so && !json_is_null(so)) {
    if (!json_is_object(so)) return fail_type(e, "stream_options", "an object");
    if (!get_bool(so, "include_usage", &r->has_include_usage, e)) return false;
  }
  return get_number(root, "temperature", 0, 2, &sp->temperature, e) &&
         get_number(root, "top_p", 0, 1, &sp->top_p, e) &&
         get_number(root, "presence_penalty", -2, 2, &sp->presence_penalty, e) &&
         get_number(root, "frequency_penalty", -2, 2, &sp->frequency_penalty, e) &&
         get_int(root, "n", 1, SRV_MAX_N, &r->n, e) &&
         get_int(root, "max_tokens", 1, INT32_MAX, &r->max_tokens, e) &&
         get_bool(root, "stream", &r->is_stream, e) && parse_stop(root, r, e) &&
         parse_logit_bias(root, r, e);
}

/* Joins the text parts of an array-of-parts content into one malloc'd string. */
static bool join_parts(json_t *parts, char **out, struct srv_error *e) {
  size_t total = 1, i;
  json_t *p;
  json_array_foreach(parts, i, p) {
    json_t *type = json_object_get(p, "type"), *text = json_object_get(p, "text");
    if (!json_is_string(type) || strcmp(json_string_value(type), "text") != 0)
      return srv_fail(e, 400, "invalid_value", "messages",
                      "content part %zu: only {\"type\": \"text\"} parts are supported", i);
    if (!json_is_string(text)) return fail_type(e, "messages", "text parts with a string 'text'");
    total += json_string_length(text);
  }
  char *s = malloc(total);
  if (!s) return srv_fail(e, 500, NULL, NULL, "out of memory");
  size_t len = 0;
  json_array_foreach(parts, i, p) {
    json_t *text = json_object_get(p, "text");
    memcpy(s + len, json_string_value(text), json_string_length(text));
    len += json_string_length(text);
  }
  s[len] = '\0';
  *out = s;
  return true;
}

static bool parse_messages(json_t *root, struct srv_request *r, struct srv_error *e) {
  json_t *msgs = json_object_get(root, "messages");
  if (!json_is_array(msgs) || json_array_size(msgs) == 0)
    return srv_fail(e, 400, "invalid_value", "messages",
                    "'messages' must be a non-empty array of messages");
  size_t n = json_array_size(msgs);
  r->messages = calloc(n, sizeof *r->messages);
  r->owned = calloc(n, sizeof *r->owned);
  if (!r->messages || !r->owned) return srv_fail(e, 500, NULL, NULL, "out of memory");
  r->n_messages = n;
  size_t i;
  json_t *m;
  json_array_foreach(msgs, i, m) {
    json_t *role = json_object_get(m, "role"), *content = json_object_get(m, "content");
    if (!json_is_object(m) || !json_is_string(role))
      return srv_fail(e, 400, "invalid_value", "messages",
                      "messages[%zu] must be an object with a string 'role'", i);
    r->messages[i].role = json_string_value(role);
    if (json_is_string(content)) {
      if (strlen(json_string_value(content)) != json_string_length(content))
        return srv_fail(e, 400, "invalid_value", "messages",
                        "messages[%zu].content holds a NUL character", i);
      r->messages[i].content = json_string_value(content);
    } else if (json_is_array(content)) {
      if (!join_parts(content, &r->owned[i], e)) return false;
      r->messages[i].content = r->owned[i];
    } else if (!content || json_is_null(content)) {
      r->messages[i].content = "";
    } else {
      return srv_fail(e, 400, "invalid_type", "messages",
                      "messages[%zu].content must be a string or an array of parts", i);
    }
  }
  return true;
}

static bool parse_chat(json_t *root, struct srv_request *r, struct srv_error *e) {
  if (!parse_messages(root, r, e) || !get_bool(root, "logprobs", &r->has_logprobs, e) ||
      !get_int(root, "top_logprobs", 0, ANYINFER_MAX_TOP_LOGPROBS, &r->top_logprobs, e) ||
      !get_int(root, "max_completion_tokens", 1, INT32_MAX, &r->max_tokens, e))
    return false;
  if (r->top_logprobs > 0 && !r->has_logprobs)
    return srv_fail(e, 400, "invalid_value", "top_logprobs",
                    "'top_logprobs' needs 'logprobs' set to true");
  json_t *rf = json_object_get(root, "response_format");
  if (rf && !json_is_null(rf)) {
    json_t *type = json_object_get(rf, "type");
    if (!json_is_object(rf) || !json_is_string(type))
      return fail_type(e, "response_format", "an object with a string 'type'");
    if (strcmp(json_string_value(type), "json_object") == 0)
      r->is_json_object = true;
    else if (strcmp(json_string_value(type), "text") != 0)
      return srv_fail(e, 400, "invalid_value", "response_format",
                      "response_format type '%.40s' is not supported (text, json_object)",
                      json_string_value(type));
  }
  return true;
}

static bool parse_completions(json_t *root, struct srv_request *r, struct srv_error *e) {
  json_t *suffix = json_object_get(root, "suffix");
  if (suffix && !json_is_null(suffix) &&
      !(json_is_string(suffix) && json_string_length(suffix) == 0))
    return srv_fail(e, 400, "unsupported_parameter", "suffix",
                    "'suffix' (fill-in-the-middle) is not supported by this server");
  json_t *prompt = json_object_get(root, "prompt");
  if (json_is_string(prompt)) {
    r->prompts = calloc(1, sizeof *r->prompts);
    if (!r->prompts) return srv_fail(e, 500, NULL, NULL, "out of memory");
    r->prompts[r->n_prompts++] = json_string_value(prompt);
  } else if (json_is_array(prompt) && json_array_size(prompt) > 0 &&
             json_array_size(prompt) <= SRV_MAX_N) {
    r->prompts = calloc(json_array_size(prompt), sizeof *r->prompts);
    if (!r->prompts) return srv_fail(e, 500, NULL, NULL, "out of memory");
    size_t i;
    json_t *p;
    json_array_foreach(prompt, i, p) {
      if (!json_is_string(p)) return fail_type(e, "prompt", "a string or an array of strings");
      r->prompts[r->n_prompts++] = json_string_value(p);
    }
  } else {
    return fail_type(e, "prompt", "a string or an array of 1 to 16 strings");
  }
  if (r->max_tokens < 0) r->max_tokens = 16; /* the completions API's documented default */
  if ((size_t)r->n * r->n_prompts > SRV_MAX_N)
    return srv_fail(e, 400, "invalid_value", "n", "%zu prompts x n %d choices, at most %d",
                    r->n_prompts, r->n, SRV_MAX_N);
  return get_bool(root, "echo", &r->is_echo, e) &&
         get_int(root, "logprobs", 0, 5, &r->top_logprobs, e) &&
         (r->has_logprobs = json_is_integer(json_object_get(root, "logprobs")), true);
}

bool srv_request_parse(const char *body, size_t len, enum srv_endpoint endpoint,
                       struct srv_request *r, struct srv_error *e) {
  *r = (struct srv_request){.endpoint = endpoint};
  json_error_t jerr;
  json_t *root = json_loadb(body, len, JSON_REJECT_DUPLICATES, &jerr);
  if (!root)
    return srv_fail(e, 400, "invalid_json", NULL,
                    "the body is not valid JSON: %s (line %d, column %d)", jerr.text, jerr.line,
                    jerr.column);
  r->root = root;
  if (!json_is_object(root))
    return srv_fail(e, 400, "invalid_json", NULL, "the body must be a JSON object");
  if (!parse_common(root, r, e)) return false;
  return endpoint == SRV_CHAT ? parse_chat(root, r, e) : parse_completions(root, r, e);
}

void srv_request_free(struct srv_request *r) {
  for (size_t i = 0; r->owned && i < r->n_messages; i++) free(r->owned[i]);
  free(r->owned);
  free(r->messages);
  free(r->prompts);
  free(r->bias);
  json_decref(r->root);
  *r = (struct srv_request){0};
}
