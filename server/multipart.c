/* multipart/form-data bodies (RFC 7578 over RFC 2046 5.1): the boundary is the delimiter line
 * the body starts with (the SDKs' form encoders write no preamble, and the handler API passes the
 * body alone), each part's name and whether it carries a filename come from its
 * Content-Disposition, and its bytes run to the next CRLF + delimiter. */
#include <string.h>

#include "server.h"

static const char *find_bytes(const char *hay, size_t n, const char *needle, size_t m) {
  for (size_t i = 0; m <= n && i <= n - m; i++)
    if (hay[i] == needle[0] && memcmp(hay + i, needle, m) == 0) return hay + i;
  return NULL;
}

bool srv_multipart_parse(const char *body, size_t len, struct srv_part *parts, size_t max_parts,
                         size_t *n_parts, struct srv_error *e) {
  *n_parts = 0;
  const char *eol =
      len > 2 && body[0] == '-' && body[1] == '-' ? find_bytes(body, len, "\r\n", 2) : NULL;
  if (!eol || eol - body < 3 || eol - body > 200)
    return srv_fail(e, 400, NULL, NULL,
                    "The request must be multipart/form-data with a 'file' part (no boundary "
                    "line at the start of the body)");
  char delim[208];
  size_t dlen = (size_t)snprintf(delim, sizeof delim, "\r\n%.*s", (int)(eol - body), body);
  const char *p = eol + 2, *end = body + len;
  for (;;) {
    const char *hdr_end = find_bytes(p, (size_t)(end - p), "\r\n\r\n", 4);
    if (!hdr_end) return srv_fail(e, 400, NULL, NULL, "multipart body: a part has no header end");
    if (*n_parts == max_parts)
      return srv_fail(e, 400, NULL, NULL, "multipart body: more than %zu parts", max_parts);
    struct srv_part *pt = &parts[*n_parts];
    memset(pt, 0, sizeof *pt);
    const char *name = find_bytes(p, (size_t)(hdr_end - p), "name=\"", 6);
    if (!name) return srv_fail(e, 400, NULL, NULL, "multipart body: a part has no name");
    name += 6;
    const char *q = memchr(name, '"', (size_t)(hdr_end - name));
    if (!q || (size_t)(q - name) >= sizeof pt->name)
      return srv_fail(e, 400, NULL, NULL, "multipart body: a part name is malformed or too long");
    memcpy(pt->name, name, (size_t)(q - name));
    pt->has_filename = find_bytes(p, (size_t)(hdr_end - p), "filename=", 9) != NULL;
    pt->data = hdr_end + 4;
    const char *next = find_bytes(pt->data, (size_t)(end - pt->data), delim, dlen);
    if (!next) return srv_fail(e, 400, NULL, NULL, "multipart body: the last part is not closed");
    pt->len = (size_t)(next - pt->data);
    (*n_parts)++;
    p = next + dlen;
    if (end - p >= 2 && p[0] == '-' && p[1] == '-') return true; /* the closing delimiter */
    if (end - p < 2 || p[0] != '\r' || p[1] != '\n')
      return srv_fail(e, 400, NULL, NULL, "multipart body: a delimiter is not followed by CRLF");
    p += 2;
  }
}
