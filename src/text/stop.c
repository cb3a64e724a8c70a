/* Stop strings over streamed text. The matcher keeps the not-yet-emitted text in one buffer:
 * after each feed it searches the buffer for the earliest complete stop string; if none, it
 * holds back the longest suffix that is a proper prefix of some stop string and emits the rest.
 * Emitted text can never contain the start of a later match: a stop string starting in it would
 * either be complete (found) or make a longer held suffix. The buffer never holds more than the
 * longest stop string minus one byte between calls. */
#include "text/stop.h"

#include <string.h>

struct ai_stop_matcher {
  struct ai_alloc alloc;
  size_t n_stops;
  char **stops;      /* n_stops copies, NUL-terminated */
  size_t *lens;      /* n_stops byte lengths; 0 for an ignored empty string */
  size_t max_len;    /* longest stop string */
  char *buf;         /* held text, then the piece appended */
  size_t cap;        /* bytes at buf */
  size_t held_start; /* held text is buf[held_start .. held_start + held_len) */
  size_t held_len;
  bool stopped;
  size_t i_stop;
};

anyinfer_status ai_stop_create(const struct ai_alloc *a, const char *const *stops, size_t n_stops,
                               struct ai_stop_matcher **out, struct ai_error *err) {
  *out = NULL;
  if (n_stops > 0 && !stops)
    return ai_error_set(err, ANYINFER_E_INVAL, "stop: n_stops is %zu but the list is NULL",
                        n_stops);
  for (size_t i = 0; i < n_stops; i++)
    if (!stops[i]) return ai_error_set(err, ANYINFER_E_INVAL, "stop: stop string %zu is NULL", i);
  struct ai_stop_matcher *m = ai_calloc(a, 1, sizeof *m);
  if (!m) return ai_error_set(err, ANYINFER_E_NOMEM, "stop: out of memory");
  m->alloc = *a;
  if (n_stops) {
    m->stops = ai_calloc(a, n_stops, sizeof *m->stops);
    m->lens = ai_calloc(a, n_stops, sizeof *m->lens);
    if (!m->stops || !m->lens) goto nomem;
  }
  m->n_stops = n_stops;
  for (size_t i = 0; i < n_stops; i++) {
    m->lens[i] = strlen(stops[i]);
    m->stops[i] = ai_strndup(a, stops[i], m->lens[i]);
    if (!m->stops[i]) goto nomem;
    if (m->lens[i] > m->max_len) m->max_len = m->lens[i];
  }
  m->cap = m->max_len + 256; /* a held prefix plus a typical token piece */
  m->buf = ai_malloc(a, m->cap);
  if (!m->buf) goto nomem;
  *out = m;
  return ANYINFER_OK;
nomem:
  ai_stop_free(m);
  return ai_error_set(err, ANYINFER_E_NOMEM, "stop: out of memory for %zu stop strings", n_stops);
}

void ai_stop_free(struct ai_stop_matcher *m) {
  if (!m) return;
  for (size_t i = 0; m->stops && i < m->n_stops; i++) ai_free(&m->alloc, m->stops[i]);
  ai_free(&m->alloc, m->stops);
  ai_free(&m->alloc, m->lens);
  ai_free(&m->alloc, m->buf);
  ai_free(&m->alloc, m);
}

void ai_stop_reset(struct ai_stop_matcher *m) {
  m->held_start = 0;
  m->held_len = 0;
  m->stopped = false;
  m->i_stop = 0;
}

/* Earliest position in t[0..n) where a stop string occurs whole (shortest stop on a tie);
 * false if none. */
static bool find_stop(const struct ai_stop_matcher *m, const char *t, size_t n, size_t *pos,
                      size_t *which) {
  bool found = false;
  for (size_t i = 0; i < m->n_stops; i++) {
    size_t len = m->lens[i];
    if (len == 0 || len > n) continue;
    for (size_t at = 0; at + len <= n && (!found || at <= *pos); at++) {
      if (memcmp(t + at, m->stops[i], len) != 0) continue;
      if (!found || at < *pos || (at == *pos && len < m->lens[*which])) {
        *pos = at;
        *which = i;
        found = true;
      }
      break;
    }
  }
  return found;
}

/* Length of the longest suffix of t[0..n) that is a proper prefix of some stop string. */
static size_t held_suffix(const struct ai_stop_matcher *m, const char *t, size_t n) {
  size_t best = 0;
  for (size_t i = 0; i < m->n_stops; i++) {
    size_t len = m->lens[i];
    size_t k = len - (len > 0); /* proper prefix: at most len - 1 bytes */
    if (k > n) k = n;
    for (; k > best; k--) {
      if (memcmp(t + n - k, m->stops[i], k) == 0) {
        best = k;
        break;
      }
    }
  }
  return best;
}

anyinfer_status ai_stop_feed(struct ai_stop_matcher *m, const char *piece, size_t len,
                             struct ai_stop_result *out, struct ai_error *err) {
  *out =
      (struct ai_stop_result){.text = m->buf, .len = 0, .stopped = m->stopped, .i_stop = m->i_stop};
  if (m->stopped) return ANYINFER_OK;
  /* Move the held text to the front, then append the piece. */
  memmove(m->buf, m->buf + m->held_start, m->held_len);
  m->held_start = 0;
  size_t need;
  if (!ai_add_size(m->held_len, len, &need))
    return ai_error_set(err, ANYINFER_E_NOMEM, "stop: piece of %zu bytes too large", len);
  if (need > m->cap) {
    size_t cap = need + need / 2;
    char *nb = ai_realloc(&m->alloc, m->buf, cap);
    if (!nb)
      return ai_error_set(err, ANYINFER_E_NOMEM, "stop: out of memory for %zu bytes of text", need);
    m->buf = nb;
    m->cap = cap;
  }
  if (len) memcpy(m->buf + m->held_len, piece, len);
  size_t n = need;
  out->text = m->buf;

  size_t pos = 0, which = 0;
  if (find_stop(m, m->buf, n, &pos, &which)) {
    m->stopped = true;
    m->i_stop = which;
    m->held_len = 0;
    out->len = pos;
    out->stopped = true;
    out->i_stop = which;
    return ANYINFER_OK;
  }
  size_t hold = held_suffix(m, m->buf, n);
  out->len = n - hold;
  m->held_start = n - hold;
  m->held_len = hold;
  return ANYINFER_OK;
}

void ai_stop_flush(struct ai_stop_matcher *m, struct ai_stop_result *out) {
  *out = (struct ai_stop_result){.text = m->buf + m->held_start,
                                 .len = m->held_len,
                                 .stopped = m->stopped,
                                 .i_stop = m->i_stop};
  m->held_start = 0;
  m->held_len = 0;
}
