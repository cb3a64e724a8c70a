/* GET /v1/models and GET /v1/models/{id}: OpenAI's model objects for the loaded models. */
#include <jansson.h>

#include "server.h"

static json_t *model_json(const struct srv_model *m) {
  return json_pack("{s:s, s:s, s:I, s:s}", "id", m->id, "object", "model", "created",
                   (json_int_t)m->created, "owned_by", "anyinfer");
}

void srv_handle_models(struct srv_server *srv, const char *body, size_t len, const char *rest,
                       struct srv_reply *out) {
  json_t *j;
  if (rest && *rest == '/') {
    struct srv_error e;
    struct srv_model *m = rest[1] ? srv_registry_find(&srv->registry, rest + 1, &e) : NULL;
    if (!m) {
      if (!rest[1]) srv_fail(&e, 404, "model_not_found", "model", "no model id in the path");
      srv_reply_error(out, &e);
      return;
    }
    j = model_json(m);
  } else {
    json_t *data = json_array();
    for (size_t i = 0; i < srv->registry.n_models; i++)
      json_array_append_new(data, model_json(&srv->registry.models[i]));
    j = json_pack("{s:s, s:o}", "object", "list", "data", data);
  }
  out->http_status = 200;
  out->body = j ? json_dumps(j, JSON_COMPACT) : NULL;
  json_decref(j);
}
