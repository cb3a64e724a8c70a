/* GET /metrics: Prometheus text exposition format 0.0.4 (prometheus.io/docs/instrumenting/
 * exposition_formats): requests by status class, tokens, generation speed, queue depth and slot
 * use per model. */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "server.h"

struct text {
  char *s;
  size_t len, cap;
};

static void put(struct text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(struct text *t, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(NULL, 0, fmt, ap);
  va_end(ap);
  if (n < 0) return;
  if (t->len + (size_t)n + 1 > t->cap) {
    size_t cap = (t->len + (size_t)n + 1) * 2;
    char *grown = realloc(t->s, cap);
    if (!grown) return;
    t->s = grown;
    t->cap = cap;
  }
  va_start(ap, fmt);
  vsnprintf(t->s + t->len, t->cap - t->len, fmt, ap);
  va_end(ap);
  t->len += (size_t)n;
}

void srv_handle_metrics(struct srv_server *srv, const char *body, size_t len, const char *rest,
                        struct srv_reply *out) {
  struct text t = {0};
  static const char *const classes[] = {"2xx", "4xx", "401", "404", "429", "5xx"};
  int64_t counts[6];
  pthread_mutex_lock(&srv->mu);
  memcpy(counts, srv->n_requests, sizeof counts);
  int32_t n_streams = srv->n_streams;
  pthread_mutex_unlock(&srv->mu);
  put(&t,
      "# HELP anyinfer_requests_total HTTP requests answered, by status.\n"
      "# TYPE anyinfer_requests_total counter\n");
  for (int i = 0; i < 6; i++)
    put(&t, "anyinfer_requests_total{status=\"%s\"} %lld\n", classes[i], (long long)counts[i]);
  put(&t,
      "# HELP anyinfer_streams Streaming responses being sent.\n# TYPE anyinfer_streams gauge\n"
      "anyinfer_streams %d\n",
      n_streams);
  const char *names[] = {"prompt_tokens_total",
                         "generated_tokens_total",
                         "forward_passes_total",
                         "busy_seconds_total",
                         "generation_tokens_per_second",
                         "queue_depth",
                         "slots_busy",
                         "slots_total"};
  const char *help[] = {"Prompt tokens evaluated.",
                        "Tokens generated.",
                        "Batched forward passes run.",
                        "Wall time spent in forward passes.",
                        "Generated tokens per busy second.",
                        "Sequences waiting for a slot.",
                        "Slots generating.",
                        "Slots (--parallel)."};
  const char *types[] = {"counter", "counter", "counter", "counter",
                         "gauge",   "gauge",   "gauge",   "gauge"};
  for (int k = 0; k < 8; k++) {
    put(&t, "# HELP anyinfer_%s %s\n# TYPE anyinfer_%s %s\n", names[k], help[k], names[k],
        types[k]);
    for (size_t i = 0; i < srv->registry.n_models; i++) {
      struct srv_sched_stats st;
      srv_sched_stats(srv->registry.models[i].sched, &st);
      double v[8] = {(double)st.prompt_tokens,
                     (double)st.generated_tokens,
                     (double)st.steps,
                     st.busy_seconds,
                     st.busy_seconds > 0 ? (double)st.generated_tokens / st.busy_seconds : 0,
                     st.queued,
                     st.active,
                     st.n_slots};
      put(&t, "anyinfer_%s{model=\"%s\"} %.6g\n", names[k], srv->registry.models[i].id, v[k]);
    }
  }
  out->http_status = 200;
  out->body = t.s;
}
