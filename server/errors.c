/* Failures as OpenAI reports them: one table from HTTP status to error type and default code,
 * one from engine status to HTTP status, and the {"error": {...}} body. */
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>

#include "server.h"

static const struct {
  int http_status;
  const char *type;
  const char *code;
} kinds[] = {
    {400, "invalid_request_error", NULL},
    {401, "invalid_request_error", "invalid_api_key"},
    {404, "invalid_request_error", "not_found"},
    {405, "invalid_request_error", "method_not_allowed"},
    {413, "invalid_request_error", "request_too_large"},
    {429, "rate_limit_exceeded", "rate_limit_exceeded"},
    {500, "server_error", NULL},
    {503, "server_error", "service_unavailable"},
};

static bool vfail(struct srv_error *e, int http_status, const char *code, const char *param,
                  const char *fmt, va_list ap) {
  *e = (struct srv_error){.http_status = 500, .type = "server_error", .param = param};
  for (size_t i = 0; i < sizeof kinds / sizeof *kinds; i++)
    if (kinds[i].http_status == http_status) {
      e->http_status = http_status;
      e->type = kinds[i].type;
      e->code = kinds[i].code;
    }
  if (code) e->code = code;
  vsnprintf(e->message, sizeof e->message, fmt, ap);
  return false;
}

bool srv_fail(struct srv_error *e, int http_status, const char *code, const char *param,
              const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vfail(e, http_status, code, param, fmt, ap);
  va_end(ap);
  return false;
}

void srv_fail_status(struct srv_error *e, anyinfer_status status, const char *message) {
  int http_status = 500;
  const char *code = NULL;
  switch (status) {
    case ANYINFER_E_INVAL:
    case ANYINFER_E_TEMPLATE:
    case ANYINFER_E_RANGE:
    case ANYINFER_E_UNSUPPORTED:
      http_status = 400;
      break;
    case ANYINFER_E_CONTEXT_FULL:
      http_status = 400;
      code = "context_length_exceeded";
      break;
    case ANYINFER_E_NOT_FOUND:
      http_status = 404;
      break;
    default:
      break;
  }
  srv_fail(e, http_status, code, NULL, "%s (%s)", message && *message ? message : "error",
           anyinfer_status_name(status));
}

char *srv_error_json(const struct srv_error *e) {
  json_t *j = json_pack("{s:{s:s, s:s, s:s?, s:s?}}", "error", "message", e->message, "type",
                        e->type, "param", e->param, "code", e->code);
  char *text = j ? json_dumps(j, JSON_COMPACT) : NULL;
  json_decref(j);
  return text;
}

void srv_reply_error(struct srv_reply *out, const struct srv_error *e) {
  out->http_status = e->http_status;
  out->body = srv_error_json(e);
  if (e->http_status == 429) out->retry_after = "1";
}
