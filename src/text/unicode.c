/* UTF-8 coding, code point classes and the GPT-2 byte map (see unicode.h). */
#include "text/unicode.h"

uint32_t ai_ucp_flags(uint32_t cpt) {
  if (cpt >= 0x110000) return 0;
  size_t lo = 0, hi = ai_ucp_n_ranges;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (ai_ucp_ranges[mid].hi < cpt) {
      lo = mid + 1;
    } else if (ai_ucp_ranges[mid].lo > cpt) {
      hi = mid;
    } else {
      return ai_ucp_ranges[mid].flags | AI_UCP_VALID;
    }
  }
  return AI_UCP_VALID;
}

size_t ai_utf8_len(uint8_t b) {
  static const uint8_t lookup[16] = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 3, 4};
  return lookup[b >> 4];
}

/* llama.cpp unicode.cpp unicode_cpt_from_utf8: checks the lead byte's pattern and that each
 * continuation byte is 10xxxxxx; overlong forms and surrogates are accepted as it accepts them. */
uint32_t ai_utf8_decode(const uint8_t *s, size_t n, size_t *pos) {
  size_t i = *pos;
  uint8_t b = s[i];
  size_t len;
  uint32_t cpt;
  if (!(b & 0x80)) {
    *pos = i + 1;
    return b;
  }
  if (!(b & 0x40)) goto bad;
  if (!(b & 0x20)) {
    len = 2;
    cpt = b & 0x1f;
  } else if (!(b & 0x10)) {
    len = 3;
    cpt = b & 0x0f;
  } else if (!(b & 0x08)) {
    len = 4;
    cpt = b & 0x07;
  } else {
    goto bad;
  }
  if (n - i < len) goto bad;
  for (size_t k = 1; k < len; k++) {
    if ((s[i + k] & 0xc0) != 0x80) goto bad;
    cpt = (cpt << 6) | (s[i + k] & 0x3f);
  }
  *pos = i + len;
  return cpt;
bad:
  *pos = i + 1;
  return AI_UCP_REPLACEMENT;
}

size_t ai_utf8_encode(uint32_t cpt, uint8_t out[4]) {
  if (cpt < 0x80) {
    out[0] = (uint8_t)cpt;
    return 1;
  }
  if (cpt < 0x800) {
    out[0] = (uint8_t)(0xc0 | (cpt >> 6));
    out[1] = (uint8_t)(0x80 | (cpt & 0x3f));
    return 2;
  }
  if (cpt < 0x10000) {
    out[0] = (uint8_t)(0xe0 | (cpt >> 12));
    out[1] = (uint8_t)(0x80 | ((cpt >> 6) & 0x3f));
    out[2] = (uint8_t)(0x80 | (cpt & 0x3f));
    return 3;
  }
  out[0] = (uint8_t)(0xf0 | ((cpt >> 18) & 0x07));
  out[1] = (uint8_t)(0x80 | ((cpt >> 12) & 0x3f));
  out[2] = (uint8_t)(0x80 | ((cpt >> 6) & 0x3f));
  out[3] = (uint8_t)(0x80 | (cpt & 0x3f));
  return 4;
}

/* GPT-2 encoder.py bytes_to_unicode(): printable bytes '!'..'~', 0xA1..0xAC and 0xAE..0xFF stand
 * for themselves; the other 68 bytes map, in increasing order, to U+0100, U+0101, ... */
static int is_self_byte(unsigned b) {
  return (b >= 0x21 && b <= 0x7e) || (b >= 0xa1 && b <= 0xac) || (b >= 0xae && b <= 0xff);
}

uint32_t ai_byte_to_ucp(uint8_t b) {
  if (is_self_byte(b)) return b;
  uint32_t n = 0;
  for (unsigned k = 0; k < b; k++) n += !is_self_byte(k);
  return 0x100 + n;
}

int ai_ucp_to_byte(uint32_t cpt) {
  if (cpt < 0x100) return is_self_byte(cpt) ? (int)cpt : -1;
  if (cpt >= 0x100 + 68) return -1;
  uint32_t n = cpt - 0x100;
  for (unsigned k = 0; k < 256; k++) {
    if (!is_self_byte(k) && n-- == 0) return (int)k;
  }
  return -1;
}
