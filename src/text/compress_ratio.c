/* The size of a fixed-Huffman deflate stream (see compress_ratio.h). O(n^2) in the worst case
 * over at most one window of text (a few hundred bytes), so no hash chains. */
#include "text/compress_ratio.h"

/* Bits of literal/length code c in the fixed table (RFC 1951 3.2.6). */
static unsigned litlen_bits(unsigned c) {
  return c < 144 ? 8 : c < 256 ? 9 : c < 280 ? 7 : 8;
}

/* Code and extra bits of a match length 3..258 (RFC 1951 3.2.5). */
static unsigned length_cost(unsigned len) {
  static const unsigned short base[29] = {3,  4,  5,  6,   7,   8,   9,   10,  11, 13,
                                          15, 17, 19, 23,  27,  31,  35,  43,  51, 59,
                                          67, 83, 99, 115, 131, 163, 195, 227, 258};
  static const unsigned char extra[29] = {0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2,
                                          2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0};
  unsigned i = 28;
  while (base[i] > len) i--;
  return litlen_bits(257 + i) + extra[i];
}

/* Distance 1..32768: a 5-bit code plus extra bits (codes 0-3 have none, then 1, 1, 2, 2, ...). */
static unsigned distance_cost(unsigned dist) {
  unsigned extra = 0;
  for (unsigned d = dist - 1; d >= 4; d >>= 1) extra++;
  return 5 + extra;
}

size_t ai_deflate_size(const char *text, size_t len) {
  const unsigned char *s = (const unsigned char *)text;
  size_t bits = 3 + 7; /* block header, end-of-block code */
  for (size_t i = 0; i < len;) {
    size_t best = 0, best_dist = 0;
    size_t start = i > 32768 ? i - 32768 : 0;
    for (size_t j = start; j < i; j++) {
      size_t n = 0;
      while (n < 258 && i + n < len && s[j + n] == s[i + n]) n++;
      if (n > best || (n == best && n > 0 && i - j < best_dist)) best = n, best_dist = i - j;
    }
    if (best >= 3) {
      bits += length_cost((unsigned)best) + distance_cost((unsigned)best_dist);
      i += best;
    } else {
      bits += litlen_bits(s[i]);
      i++;
    }
  }
  return 2 + (bits + 7) / 8 + 4; /* zlib header, the deflate block, Adler-32 */
}

float ai_compression_ratio(const char *text, size_t len) {
  return len ? (float)len / (float)ai_deflate_size(text, len) : 0.0f;
}
