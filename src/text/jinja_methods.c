/* Jinja methods and global functions. Strings: upper, lower, title, capitalize, strip, lstrip,
 * rstrip (optional characters argument, as Python), startswith, endswith, split, replace.
 * Dicts: items, keys, values, get. Globals: range, namespace, raise_exception, strftime_now.
 * Behaviour follows @huggingface/jinja runtime.ts; strip(chars) follows Python, which HF ignores.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "text/jinja_internal.h"

static struct jv arg(const struct jargs *a, size_t i, const char *kw) {
  if (i < a->n_pos) return a->pos[i];
  struct jv *v = a->kw && kw ? ai_jinja_dict_get(a->kw, kw, strlen(kw)) : NULL;
  return v ? *v : ai_jinja_v_undef();
}

static bool in_set(const struct jv *set, const char *s, size_t k) {
  for (size_t i = 0; i + k <= set->n; i++)
    if (memcmp(set->s + i, s, k) == 0) return true;
  return false;
}

/* Length of the character at s: 1..4 bytes of UTF-8 (1 for a stray byte). */
static size_t char_len(const char *s, size_t n) {
  unsigned char c = (unsigned char)s[0];
  size_t k = c < 0xC0 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
  return k <= n ? k : 1;
}
static size_t char_len_before(const char *s, size_t n) {
  size_t k = 1;
  while (k < 4 && k < n && ((unsigned char)s[n - k] & 0xC0) == 0x80) k++;
  return k;
}

static anyinfer_status strip(struct jctx *cx, uint32_t at, const struct jv *s, bool left,
                             bool right, const struct jargs *args, struct jv *out) {
  struct jv chars = arg(args, 0, "chars");
  bool ws = chars.kind == JV_UNDEF || chars.kind == JV_NONE;
  if (!ws && chars.kind != JV_STR) return ai_jinja_err(cx, at, "strip: chars must be a string");
  size_t b = 0, e = s->n;
  while (left && b < e) {
    size_t k = ws ? ai_jinja_space_at(s->s + b, e - b) : char_len(s->s + b, e - b);
    if (k == 0 || (!ws && !in_set(&chars, s->s + b, k))) break;
    b += k;
  }
  while (right && e > b) {
    size_t k = ws ? ai_jinja_space_before(s->s + b, e - b) : char_len_before(s->s + b, e - b);
    if (k == 0 || (!ws && !in_set(&chars, s->s + e - k, k))) break;
    e -= k;
  }
  *out = ai_jinja_v_str(s->s + b, e - b);
  return ANYINFER_OK;
}

static anyinfer_status affix(struct jctx *cx, uint32_t at, const struct jv *s, bool start,
                             const struct jargs *args, struct jv *out) {
  struct jv p = arg(args, 0, NULL);
  const struct jv *pats = p.kind == JV_LIST ? p.l->v : &p;
  size_t n = p.kind == JV_LIST ? p.l->n : 1;
  bool hit = false;
  for (size_t i = 0; i < n; i++) {
    if (pats[i].kind != JV_STR)
      return ai_jinja_err(cx, at, "%s: argument must be a string or a list of strings",
                          start ? "startswith" : "endswith");
    size_t k = pats[i].n;
    if (k <= s->n && memcmp(start ? s->s : s->s + s->n - k, pats[i].s, k) == 0) hit = true;
  }
  *out = ai_jinja_v_bool(hit);
  return ANYINFER_OK;
}

static anyinfer_status split(struct jctx *cx, uint32_t at, const struct jv *s,
                             const struct jargs *args, struct jv *out) {
  struct jv sep = arg(args, 0, "sep"), maxv = arg(args, 1, "maxsplit");
  int64_t max = maxv.kind == JV_INT ? maxv.i : -1;
  struct jlist *l = ai_jinja_list_new(cx->ar);
  if (!l) return ai_jinja_err_nomem(cx, at);
  if (sep.kind == JV_UNDEF || sep.kind == JV_NONE) { /* runs of whitespace */
    size_t i = 0, k;
    for (;;) {
      while ((k = ai_jinja_space_at(s->s + i, s->n - i)) > 0) i += k;
      if (i >= s->n) break;
      size_t j = i;
      if (max >= 0 && (int64_t)l->n >= max) {
        j = s->n;
      } else {
        while (j < s->n && ai_jinja_space_at(s->s + j, s->n - j) == 0) j++;
      }
      if (!ai_jinja_list_push(cx->ar, l, ai_jinja_v_str(s->s + i, j - i)))
        return ai_jinja_err_nomem(cx, at);
      i = j;
    }
  } else {
    if (sep.kind != JV_STR) return ai_jinja_err(cx, at, "split: separator must be a string");
    if (sep.n == 0) return ai_jinja_err(cx, at, "split: empty separator");
    size_t i = 0;
    for (;;) {
      size_t j = i;
      bool found = false;
      if (max < 0 || (int64_t)l->n < max) {
        for (; j + sep.n <= s->n; j++)
          if (memcmp(s->s + j, sep.s, sep.n) == 0) {
            found = true;
            break;
          }
      }
      if (!found) j = s->n;
      if (!ai_jinja_list_push(cx->ar, l, ai_jinja_v_str(s->s + i, j - i)))
        return ai_jinja_err_nomem(cx, at);
      if (!found) break;
      i = j + sep.n;
    }
  }
  *out = (struct jv){.kind = JV_LIST, .l = l};
  return ANYINFER_OK;
}

static anyinfer_status replace(struct jctx *cx, uint32_t at, const struct jv *s,
                               const struct jargs *args, struct jv *out) {
  struct jv old = arg(args, 0, NULL), rep = arg(args, 1, NULL), cnt = arg(args, 2, "count");
  if (old.kind != JV_STR || rep.kind != JV_STR)
    return ai_jinja_err(cx, at, "replace: arguments must be strings");
  int64_t left = cnt.kind == JV_INT && cnt.i >= 0 ? cnt.i : INT64_MAX;
  struct jbuf b = {0};
  size_t i = 0, run = 0;
  while (i <= s->n && left > 0) {
    bool match = old.n == 0 || (i + old.n <= s->n && memcmp(s->s + i, old.s, old.n) == 0);
    if (!match) {
      i++;
      continue;
    }
    if (!ai_jinja_buf_put(cx->ar, &b, s->s + run, i - run) ||
        !ai_jinja_buf_put(cx->ar, &b, rep.s, rep.n))
      return ai_jinja_err_nomem(cx, at);
    left--;
    if (old.n == 0) { /* empty pattern matches between characters */
      if (i >= s->n) {
        run = i;
        break;
      }
      size_t k = char_len(s->s + i, s->n - i);
      if (!ai_jinja_buf_put(cx->ar, &b, s->s + i, k)) return ai_jinja_err_nomem(cx, at);
      i += k;
      run = i;
    } else {
      i += old.n;
      run = i;
    }
  }
  if (run < s->n && !ai_jinja_buf_put(cx->ar, &b, s->s + run, s->n - run))
    return ai_jinja_err_nomem(cx, at);
  *out = ai_jinja_v_str(b.p, b.n);
  return ANYINFER_OK;
}

static anyinfer_status dict_view(struct jctx *cx, uint32_t at, const struct jv *d, int which,
                                 struct jv *out) {
  struct jlist *l = ai_jinja_list_new(cx->ar);
  if (!l) return ai_jinja_err_nomem(cx, at);
  for (size_t i = 0; i < d->d->n; i++) {
    struct jv v = which == 'k' ? d->d->keys[i] : d->d->vals[i];
    if (which == 'i') {
      struct jlist *pair = ai_jinja_list_new(cx->ar);
      if (!pair || !ai_jinja_list_push(cx->ar, pair, d->d->keys[i]) ||
          !ai_jinja_list_push(cx->ar, pair, d->d->vals[i]))
        return ai_jinja_err_nomem(cx, at);
      v = (struct jv){.kind = JV_LIST, .l = pair};
    }
    if (!ai_jinja_list_push(cx->ar, l, v)) return ai_jinja_err_nomem(cx, at);
  }
  *out = (struct jv){.kind = JV_LIST, .l = l};
  return ANYINFER_OK;
}

static anyinfer_status char_at(struct jctx *cx, uint32_t at, const struct jv *s, int64_t i,
                               struct jv *out) {
  int64_t n = 0;
  for (size_t k = 0; k < s->n; k++) n += ((unsigned char)s->s[k] & 0xC0) != 0x80;
  if (i < 0) i += n;
  *out = ai_jinja_v_undef();
  for (size_t k = 0, c = 0; k < s->n; c++) {
    size_t len = char_len(s->s + k, s->n - k);
    if ((int64_t)c == i) {
      *out = ai_jinja_v_str(s->s + k, len);
      break;
    }
    k += len;
  }
  (void)cx;
  (void)at;
  return ANYINFER_OK;
}

anyinfer_status ai_jinja_method(struct jctx *cx, uint32_t at, const struct jv *obj,
                                const char *name, const struct jargs *args, struct jv *out,
                                bool *found) {
  *found = true;
  if (obj->kind == JV_STR) {
    if (strcmp(name, "upper") == 0) return ai_jinja_case(cx, at, obj, 'U', out);
    if (strcmp(name, "lower") == 0) return ai_jinja_case(cx, at, obj, 'L', out);
    if (strcmp(name, "title") == 0) return ai_jinja_case(cx, at, obj, 'T', out);
    if (strcmp(name, "capitalize") == 0) return ai_jinja_case(cx, at, obj, 'C', out);
    if (strcmp(name, "strip") == 0) return strip(cx, at, obj, true, true, args, out);
    if (strcmp(name, "lstrip") == 0) return strip(cx, at, obj, true, false, args, out);
    if (strcmp(name, "rstrip") == 0) return strip(cx, at, obj, false, true, args, out);
    if (strcmp(name, "startswith") == 0) return affix(cx, at, obj, true, args, out);
    if (strcmp(name, "endswith") == 0) return affix(cx, at, obj, false, args, out);
    if (strcmp(name, "split") == 0) return split(cx, at, obj, args, out);
    if (strcmp(name, "replace") == 0) return replace(cx, at, obj, args, out);
    if (strcmp(name, "__getitem__") == 0) return char_at(cx, at, obj, args->pos[0].i, out);
  } else if (obj->kind == JV_DICT) {
    if (strcmp(name, "items") == 0) return dict_view(cx, at, obj, 'i', out);
    if (strcmp(name, "keys") == 0) return dict_view(cx, at, obj, 'k', out);
    if (strcmp(name, "values") == 0) return dict_view(cx, at, obj, 'v', out);
    if (strcmp(name, "get") == 0) {
      struct jv key = arg(args, 0, NULL), def = arg(args, 1, NULL);
      if (key.kind != JV_STR) return ai_jinja_err(cx, at, "get: key must be a string");
      struct jv *v = ai_jinja_dict_get(obj->d, key.s, key.n);
      *out = v ? *v : def.kind == JV_UNDEF ? ai_jinja_v_none() : def;
      return ANYINFER_OK;
    }
  }
  *found = false;
  return ANYINFER_OK;
}

static anyinfer_status range(struct jctx *cx, uint32_t at, const struct jargs *args,
                             struct jv *out) {
  int64_t v[3] = {0, 0, 1};
  if (args->n_pos < 1 || args->n_pos > 3)
    return ai_jinja_err(cx, at, "range: takes 1 to 3 arguments");
  for (size_t i = 0; i < args->n_pos; i++) {
    if (args->pos[i].kind != JV_INT)
      return ai_jinja_err(cx, at, "range: arguments must be integers");
    v[args->n_pos == 1 ? 1 : i] = args->pos[i].i;
  }
  if (v[2] == 0) return ai_jinja_err(cx, at, "range: step must not be zero");
  struct jlist *l = ai_jinja_list_new(cx->ar);
  if (!l) return ai_jinja_err_nomem(cx, at);
  for (int64_t i = v[0]; v[2] > 0 ? i < v[1] : i > v[1]; i += v[2]) {
    if (l->n >= cx->lim.max_range)
      return ai_jinja_err(cx, at, "range: more than %zu items", cx->lim.max_range);
    if (!ai_jinja_list_push(cx->ar, l, ai_jinja_v_int(i))) return ai_jinja_err_nomem(cx, at);
    if ((v[2] > 0 && i > INT64_MAX - v[2]) || (v[2] < 0 && i < INT64_MIN - v[2])) break;
  }
  *out = (struct jv){.kind = JV_LIST, .l = l};
  return ANYINFER_OK;
}

/* strftime_now: the current UTC time (the engine keeps no time-zone state), formatted with the
 * directives Hugging Face templates use: %Y %y %m %d %e %H %M %S %B %b %A %a %j %p %%. */
static anyinfer_status strftime_now(struct jctx *cx, uint32_t at, const struct jargs *args,
                                    struct jv *out) {
  static const char *const months[] = {"January",   "February", "March",    "April",
                                       "May",       "June",     "July",     "August",
                                       "September", "October",  "November", "December"};
  static const char *const days[] = {"Sunday",   "Monday", "Tuesday", "Wednesday",
                                     "Thursday", "Friday", "Saturday"};
  struct jv fmt = arg(args, 0, NULL);
  if (fmt.kind != JV_STR) return ai_jinja_err(cx, at, "strftime_now: format must be a string");
  int64_t t = (int64_t)time(NULL), day = t / 86400, secs = t % 86400;
  int wday = (int)((day + 4) % 7);
  /* civil_from_days (H. Hinnant, chrono-Compatible Low-Level Date Algorithms) */
  int64_t z = day + 719468, era = z / 146097, doe = z - era * 146097;
  int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100), mp = (5 * doy + 2) / 153;
  int mday = (int)(doy - (153 * mp + 2) / 5 + 1), mon = (int)(mp < 10 ? mp + 3 : mp - 9);
  int64_t year = yoe + era * 400 + (mon <= 2);
  bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  static const int cum[] = {0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334};
  int yday = cum[mon - 1] + mday + (leap && mon > 2);
  struct jbuf b = {0};
  for (size_t i = 0; i < fmt.n; i++) {
    char tmp[32];
    const char *piece = tmp;
    int hour = (int)(secs / 3600);
    if (fmt.s[i] != '%' || i + 1 >= fmt.n) {
      tmp[0] = fmt.s[i];
      tmp[1] = '\0';
    } else {
      switch (fmt.s[++i]) {
        case 'Y':
          snprintf(tmp, sizeof tmp, "%lld", (long long)year);
          break;
        case 'y':
          snprintf(tmp, sizeof tmp, "%02d", (int)(year % 100));
          break;
        case 'm':
          snprintf(tmp, sizeof tmp, "%02d", mon);
          break;
        case 'd':
          snprintf(tmp, sizeof tmp, "%02d", mday);
          break;
        case 'e':
          snprintf(tmp, sizeof tmp, "%2d", mday);
          break;
        case 'H':
          snprintf(tmp, sizeof tmp, "%02d", hour);
          break;
        case 'M':
          snprintf(tmp, sizeof tmp, "%02d", (int)(secs / 60 % 60));
          break;
        case 'S':
          snprintf(tmp, sizeof tmp, "%02d", (int)(secs % 60));
          break;
        case 'j':
          snprintf(tmp, sizeof tmp, "%03d", yday);
          break;
        case 'p':
          piece = hour < 12 ? "AM" : "PM";
          break;
        case 'B':
          piece = months[mon - 1];
          break;
        case 'b':
          snprintf(tmp, sizeof tmp, "%.3s", months[mon - 1]);
          break;
        case 'A':
          piece = days[wday];
          break;
        case 'a':
          snprintf(tmp, sizeof tmp, "%.3s", days[wday]);
          break;
        case '%':
          piece = "%";
          break;
        default:
          snprintf(tmp, sizeof tmp, "%%%c", fmt.s[i]);
          break;
      }
    }
    if (!ai_jinja_buf_put(cx->ar, &b, piece, strlen(piece))) return ai_jinja_err_nomem(cx, at);
  }
  *out = ai_jinja_v_str(b.p, b.n);
  return ANYINFER_OK;
}

anyinfer_status ai_jinja_call_builtin(struct jctx *cx, uint32_t at, int fn,
                                      const struct jargs *args, struct jv *out) {
  switch (fn) {
    case FN_RANGE:
      return range(cx, at, args, out);
    case FN_STRFTIME:
      return strftime_now(cx, at, args, out);
    case FN_RAISE: {
      struct jbuf b = {0};
      if (args->n_pos > 0 && !ai_jinja_v_to_text(cx->ar, &b, &args->pos[0]))
        return ai_jinja_err_nomem(cx, at);
      return ai_jinja_err(cx, at, "raise_exception: %s", b.p ? b.p : "");
    }
    case FN_NAMESPACE: {
      struct jdict *d = ai_jinja_dict_new(cx->ar);
      if (!d) return ai_jinja_err_nomem(cx, at);
      if (args->n_pos > 1)
        return ai_jinja_err(cx, at, "namespace: takes at most 1 positional argument");
      if (args->n_pos == 1 && args->pos[0].kind != JV_DICT)
        return ai_jinja_err(cx, at, "namespace: positional argument must be a dict");
      for (size_t i = 0; args->n_pos == 1 && i < args->pos[0].d->n; i++)
        if (!ai_jinja_dict_set(cx->ar, d, args->pos[0].d->keys[i].s, args->pos[0].d->keys[i].n,
                               args->pos[0].d->vals[i]))
          return ai_jinja_err_nomem(cx, at);
      for (size_t i = 0; args->kw && i < args->kw->n; i++)
        if (!ai_jinja_dict_set(cx->ar, d, args->kw->keys[i].s, args->kw->keys[i].n,
                               args->kw->vals[i]))
          return ai_jinja_err_nomem(cx, at);
      *out = (struct jv){.kind = JV_NS, .d = d};
      return ANYINFER_OK;
    }
    default:
      return ai_jinja_err(cx, at, "unknown function");
  }
}
