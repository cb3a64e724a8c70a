/* GET /health: 200 {"status":"ok"} while serving, 503 once shutting down (load balancers stop
 * sending). Needs no API key. */
#include <stdlib.h>
#include <string.h>

#include "server.h"

void srv_handle_health(struct srv_server *srv, const char *body, size_t len, const char *rest,
                       struct srv_reply *out) {
  pthread_mutex_lock(&srv->mu);
  bool is_stopping = srv->is_stopping;
  pthread_mutex_unlock(&srv->mu);
  out->http_status = is_stopping ? 503 : 200;
  out->body = strdup(is_stopping ? "{\"status\":\"shutting_down\"}" : "{\"status\":\"ok\"}");
}
