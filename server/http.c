/* HTTP: libmicrohttpd with a thread per connection (streams block on their job while the
 * scheduler works), one routing table, API-key auth, CORS, the body limit, an access log line per
 * request, and graceful shutdown on SIGINT/SIGTERM: stop accepting, let running work finish for
 * a grace period, then end what is left ("stop" + [DONE]) and free everything. */
#include <arpa/inet.h>
#include <jansson.h>
#include <microhttpd.h>
#include <netdb.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "server.h"

/* ---- routes ---------------------------------------------------------------------------- */

struct route {
  const char *method;
  const char *path; /* exact, or a prefix followed by "/..." when has_rest */
  bool has_rest;
  bool needs_auth;
  srv_handler_fn handler;
};

/* The one table. */
static const struct route routes[] = {
    {"POST", "/v1/chat/completions", false, true, srv_handle_chat},
    {"POST", "/v1/completions", false, true, srv_handle_completions},
    {"POST", "/v1/audio/transcriptions", false, true, srv_handle_transcriptions},
    {"POST", "/v1/audio/translations", false, true, srv_handle_translations},
    {"GET", "/v1/models", true, true, srv_handle_models},
    {"GET", "/health", false, false, srv_handle_health},
    {"GET", "/metrics", false, false, srv_handle_metrics},
};

/* The route for path; *rest gets what follows its prefix; *is_method_ok whether method fits. */
static const struct route *find_route(const char *method, const char *path, const char **rest,
                                      bool *is_method_ok) {
  const struct route *found = NULL;
  for (size_t i = 0; i < sizeof routes / sizeof *routes; i++) {
    size_t n = strlen(routes[i].path);
    if (strncmp(path, routes[i].path, n) != 0) continue;
    if (path[n] != '\0' && !(routes[i].has_rest && path[n] == '/')) continue;
    *rest = path + n;
    found = &routes[i];
    if (strcmp(method, routes[i].method) == 0) break;
  }
  *is_method_ok = found && strcmp(method, found->method) == 0;
  return found;
}

/* ---- connections ----------------------------------------------------------------------- */

struct conn {
  struct srv_server *srv;
  struct timespec t0;
  char method[8];
  char *path;
  char *body;
  size_t len, cap;
  bool is_too_big;
  int status;
  int32_t prompt_tokens, completion_tokens;
  struct srv_job *stream_job; /* a reference while streaming, for the log's token count */
};

static double ms_since(const struct timespec *t0) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)(t.tv_sec - t0->tv_sec) * 1e3 + (double)(t.tv_nsec - t0->tv_nsec) * 1e-6;
}

static void count_status(struct srv_server *srv, int status) {
  int k = status == 401   ? 2
          : status == 404 ? 3
          : status == 429 ? 4
          : status >= 500 ? 5
          : status >= 400 ? 1
                          : 0;
  pthread_mutex_lock(&srv->mu);
  srv->n_requests[k]++;
  pthread_mutex_unlock(&srv->mu);
}

/* One structured line per request on the access log. */
static void completed(void *cls, struct MHD_Connection *c, void **con_cls,
                      enum MHD_RequestTerminationCode toe) {
  struct srv_server *srv = cls;
  struct conn *k = *con_cls;
  if (!k) return;
  if (k->stream_job) {
    k->completion_tokens = srv_job_completion_tokens(k->stream_job);
    srv_job_release(k->stream_job);
    pthread_mutex_lock(&srv->mu);
    srv->n_streams--;
    pthread_mutex_unlock(&srv->mu);
  }
  if (k->status) {
    count_status(srv, k->status);
    json_t *line = json_pack("{s:s, s:s?, s:i, s:i, s:i, s:f, s:b}", "method", k->method, "path",
                             k->path, "status", k->status, "prompt_tokens", k->prompt_tokens,
                             "completion_tokens", k->completion_tokens, "ms", ms_since(&k->t0),
                             "completed", toe == MHD_REQUEST_TERMINATED_COMPLETED_OK);
    char *text = line ? json_dumps(line, JSON_COMPACT | JSON_REAL_PRECISION(6)) : NULL;
    if (text) {
      fprintf(srv->access_log, "%s\n", text);
      fflush(srv->access_log);
    }
    free(text);
    json_decref(line);
  }
  free(k->path);
  free(k->body);
  free(k);
  *con_cls = NULL;
  pthread_mutex_lock(&srv->mu);
  srv->n_in_flight--;
  pthread_mutex_unlock(&srv->mu);
}

static ssize_t read_stream(void *cls, uint64_t pos, char *buf, size_t max) {
  size_t n = srv_stream_read(cls, buf, max);
  return n == 0 ? MHD_CONTENT_READER_END_OF_STREAM : (ssize_t)n;
}

static void free_stream(void *cls) {
  srv_stream_free(cls);
}

static void add_cors(struct srv_server *srv, struct MHD_Response *r) {
  if (!srv->opt.cors_origin) return;
  MHD_add_response_header(r, "Access-Control-Allow-Origin", srv->opt.cors_origin);
  MHD_add_response_header(r, "Access-Control-Allow-Methods", "GET, POST, OPTIONS");
  MHD_add_response_header(r, "Access-Control-Allow-Headers",
                          "Authorization, Content-Type, OpenAI-Organization, OpenAI-Project");
  MHD_add_response_header(r, "Access-Control-Max-Age", "86400");
}

static enum MHD_Result send_reply(struct conn *k, struct MHD_Connection *c, struct srv_reply *rp) {
  struct srv_server *srv = k->srv;
  struct MHD_Response *r;
  if (rp->stream) {
    k->stream_job = srv_stream_job(rp->stream);
    srv_job_retain(k->stream_job);
    r = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 16 * 1024, read_stream, rp->stream,
                                          free_stream);
    if (!r) {
      srv_stream_free(rp->stream);
      return MHD_NO;
    }
    MHD_add_response_header(r, "Content-Type", "text/event-stream");
    MHD_add_response_header(r, "Cache-Control", "no-cache");
  } else {
    if (!rp->body) {
      struct srv_error e;
      srv_fail(&e, 500, NULL, NULL, "out of memory");
      srv_reply_error(rp, &e);
      if (!rp->body) return MHD_NO;
    }
    r = MHD_create_response_from_buffer(strlen(rp->body), rp->body, MHD_RESPMEM_MUST_FREE);
    if (!r) {
      free(rp->body);
      return MHD_NO;
    }
    MHD_add_response_header(r, "Content-Type",
                            rp->content_type ? rp->content_type : "application/json");
  }
  if (rp->retry_after) MHD_add_response_header(r, "Retry-After", rp->retry_after);
  add_cors(srv, r);
  k->status = rp->http_status;
  k->prompt_tokens = rp->prompt_tokens;
  k->completion_tokens = rp->completion_tokens;
  enum MHD_Result ret = MHD_queue_response(c, (unsigned)rp->http_status, r);
  MHD_destroy_response(r);
  return ret;
}

static enum MHD_Result send_error(struct conn *k, struct MHD_Connection *c, int status,
                                  const char *code, const char *fmt, const char *arg) {
  struct srv_reply rp = {0};
  struct srv_error e;
  srv_fail(&e, status, code, NULL, fmt, arg);
  srv_reply_error(&rp, &e);
  return send_reply(k, c, &rp);
}

static bool is_authorized(struct srv_server *srv, struct MHD_Connection *c) {
  if (!srv->opt.api_key) return true;
  const char *h = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Authorization");
  return h && strncmp(h, "Bearer ", 7) == 0 && strcmp(h + 7, srv->opt.api_key) == 0;
}

static enum MHD_Result dispatch(struct conn *k, struct MHD_Connection *c) {
  struct srv_server *srv = k->srv;
  if (strcmp(k->method, "OPTIONS") == 0 && srv->opt.cors_origin) {
    struct srv_reply rp = {.http_status = 204, .body = strdup("")};
    return send_reply(k, c, &rp);
  }
  if (k->is_too_big) {
    char limit[32];
    snprintf(limit, sizeof limit, "%zu", srv->opt.max_body_bytes);
    return send_error(k, c, 413, NULL, "The request body is larger than %s bytes", limit);
  }
  const char *rest = "";
  bool is_method_ok = false;
  const struct route *route = find_route(k->method, k->path, &rest, &is_method_ok);
  if (!route) return send_error(k, c, 404, "unknown_url", "Unknown request URL: %.200s", k->path);
  if (!is_method_ok) return send_error(k, c, 405, NULL, "Method not allowed for %.200s", k->path);
  if (route->needs_auth && !is_authorized(srv, c))
    return send_error(k, c, 401, NULL, "%s",
                      "Incorrect API key provided. Send it as 'Authorization: Bearer <key>'.");
  struct srv_reply rp = {0};
  route->handler(srv, k->body ? k->body : "", k->len, rest, &rp);
  if (rp.stream) {
    pthread_mutex_lock(&srv->mu);
    srv->n_streams++;
    pthread_mutex_unlock(&srv->mu);
  }
  if (route->handler == srv_handle_metrics) rp.content_type = "text/plain; version=0.0.4";
  return send_reply(k, c, &rp);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **con_cls) {
  struct srv_server *srv = cls;
  struct conn *k = *con_cls;
  if (!k) {
    k = calloc(1, sizeof *k);
    if (!k) return MHD_NO;
    pthread_mutex_lock(&srv->mu);
    srv->n_in_flight++;
    pthread_mutex_unlock(&srv->mu);
    k->srv = srv;
    clock_gettime(CLOCK_MONOTONIC, &k->t0);
    snprintf(k->method, sizeof k->method, "%s", method);
    k->path = strdup(url);
    *con_cls = k;
    if (!k->path) return MHD_NO;
    const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Length");
    if (cl && strtoull(cl, NULL, 10) > srv->opt.max_body_bytes) {
      k->is_too_big = true;
      return dispatch(k, c);
    }
    return MHD_YES;
  }
  if (*upload_data_size > 0) {
    if (!k->is_too_big && k->len + *upload_data_size > srv->opt.max_body_bytes) {
      k->is_too_big = true;
      free(k->body);
      k->body = NULL;
      k->len = 0;
    }
    if (!k->is_too_big) {
      if (k->len + *upload_data_size + 1 > k->cap) {
        size_t cap = (k->len + *upload_data_size + 1) * 2;
        char *grown = realloc(k->body, cap);
        if (!grown) return MHD_NO;
        k->body = grown;
        k->cap = cap;
      }
      memcpy(k->body + k->len, upload_data, *upload_data_size);
      k->len += *upload_data_size;
      k->body[k->len] = '\0';
    }
    *upload_data_size = 0;
    return MHD_YES;
  }
  if (k->status) return MHD_YES; /* answered already (an oversize Content-Length) */
  return dispatch(k, c);
}

/* ---- run ------------------------------------------------------------------------------- */

static bool idle(struct srv_server *srv) {
  for (size_t i = 0; i < srv->registry.n_models; i++) {
    struct srv_sched_stats st;
    srv_sched_stats(srv->registry.models[i].sched, &st);
    if (st.active || st.queued) return false;
  }
  return true;
}

static int32_t in_flight(struct srv_server *srv) {
  pthread_mutex_lock(&srv->mu);
  int32_t n = srv->n_in_flight;
  pthread_mutex_unlock(&srv->mu);
  return n;
}

int srv_run(const struct srv_options *o) {
  struct srv_server srv = {.opt = *o, .access_log = stderr, .started = (int64_t)time(NULL)};
  pthread_mutex_init(&srv.mu, NULL);
  /* Signals are taken by sigwait below, so every thread (schedulers, MHD) blocks them. */
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, NULL);
  signal(SIGPIPE, SIG_IGN);
  int status = 1;
  struct MHD_Daemon *d = NULL;
  struct addrinfo *ai = NULL, hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM};
  char port[16];
  snprintf(port, sizeof port, "%d", o->port);
  if (getaddrinfo(o->host, port, &hints, &ai) != 0 || !ai) {
    fprintf(stderr, "anyinfer serve: cannot resolve host '%s'\n", o->host);
    goto done;
  }
  if (!srv_registry_load(&srv.registry, o->model_paths, o->n_model_paths, o->aliases, o->n_aliases,
                         &o->sched, o->verbose))
    goto done;
  unsigned flags = MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ITC |
                   MHD_USE_ERROR_LOG | (ai->ai_family == AF_INET6 ? MHD_USE_IPv6 : 0);
  d = MHD_start_daemon(flags, (uint16_t)o->port, NULL, NULL, on_request, &srv, MHD_OPTION_SOCK_ADDR,
                       ai->ai_addr, MHD_OPTION_NOTIFY_COMPLETED, completed, &srv,
                       MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)64 * 1024,
                       MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)600, MHD_OPTION_END);
  if (!d) {
    fprintf(stderr, "anyinfer serve: cannot listen on %s:%d (in use?)\n", o->host, o->port);
    goto done;
  }
  const union MHD_DaemonInfo *info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
  int bound = info ? info->port : o->port;
  printf("anyinfer serve: listening on http://%s%s%s:%d (", ai->ai_family == AF_INET6 ? "[" : "",
         o->host, ai->ai_family == AF_INET6 ? "]" : "", bound);
  for (size_t i = 0; i < srv.registry.n_models; i++)
    printf("%s%s", i ? ", " : "models: ", srv.registry.models[i].id);
  printf(")\n");
  fflush(stdout);
  int sig = 0;
  sigwait(&set, &sig);
  fprintf(stderr, "anyinfer serve: %s: shutting down\n", sig == SIGINT ? "SIGINT" : "SIGTERM");
  pthread_mutex_lock(&srv.mu);
  srv.is_stopping = true;
  pthread_mutex_unlock(&srv.mu);
  MHD_socket listen = MHD_quiesce_daemon(d);
  /* Running work gets a grace period to finish; a second signal cuts it short. */
  struct timespec tick = {0, 50 * 1000 * 1000}, zero = {0, 0};
  for (int i = 0; i < 100 && !idle(&srv); i++) {
    if (sigtimedwait(&set, NULL, &zero) > 0) break;
    nanosleep(&tick, NULL);
  }
  for (size_t i = 0; i < srv.registry.n_models; i++) srv_sched_stop(srv.registry.models[i].sched);
  /* The stopped work's responses ("stop" + [DONE], answers to queued requests) are still being
   * written: let them go out before the daemon closes every connection. */
  for (int i = 0; i < 60 && in_flight(&srv) > 0; i++) nanosleep(&tick, NULL);
  MHD_stop_daemon(d);
  if (listen != MHD_INVALID_SOCKET) close(listen);
  status = 0;
done:
  srv_registry_free(&srv.registry);
  if (ai) freeaddrinfo(ai);
  pthread_mutex_destroy(&srv.mu);
  return status;
}
