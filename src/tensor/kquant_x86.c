/* AVX2 and AVX-512 (VNNI) kernels for the K-quants: Q4_K, Q5_K, Q6_K weights times Q8_K
 * activations (dot and register-tiled gemm; the Q8_K quantizers are in q8_k_x86.c). Weights are
 * read in the file's block layout (kquant_common.h), never repacked. One driver per ISA serves the
 * three weight types; `type` is a constant at every call, so each entry point compiles to its own
 * straight-line code. References and layouts: q4_k.c, q5_k.c, q6_k.c, q8_k.c.
 *
 * Arithmetic (as llama.cpp's x86 K-quant dots): weight levels are unsigned bytes (Q6_K's are
 * stored +32 and the 32 * sum(a) term is taken back through the Q8_K bsums), so vpmaddubsw
 * multiplies them with the int8 activations into int16 pairs; those are weighted by the
 * sub-block scales (vpmaddwd / vpdpwssd) into int32, exact over a block; one f32 fma per block
 * applies d_w * d_a. Q4_K/Q5_K's min term is dmin * sum_j m_j * (bsum of sub-block j). */
#if defined(__x86_64__) || defined(__i386__)

#include <immintrin.h>
#include <stddef.h>
#include <string.h>

#include "tensor/kquant_common.h"
#include "tensor/q4_k.h"
#include "tensor/q5_k.h"
#include "tensor/q6_k.h"
#include "tensor/q8_k.h"

#define TARGET_AVX2 __attribute__((target("avx2,fma,f16c")))
#define TARGET_AVX512 \
  __attribute__((target("avx2,fma,f16c,avx512f,avx512bw,avx512vl,avx512dq,avx512vnni")))
#define INLINE inline __attribute__((always_inline))

enum kq { KQ4, KQ5, KQ6 };

static const size_t kq_block_bytes[3] = {sizeof(struct ai_block_q4_k), sizeof(struct ai_block_q5_k),
                                         sizeof(struct ai_block_q6_k)};

/* Q8_K field offsets, for loads straight from a row of blocks. */
#define Q8_QS    offsetof(struct ai_block_q8_k, qs)
#define Q8_BSUMS offsetof(struct ai_block_q8_k, bsums)
#define Q8_BYTES sizeof(struct ai_block_q8_k)

/* 8 scales (bytes 0..7) and 8 mins (bytes 8..15) of a q4_K/q5_K block: ai_kquant_scale_min_k4
 * for all j at once with 32-bit masks (llama.cpp ggml-cpu/arch/x86/quants.c, utmp/kmask). */
static INLINE void unpack_k4_u32(const uint8_t *scales, uint32_t u[4]) {
  const uint32_t k1 = 0x3f3f3f3f, k2 = 0x0f0f0f0f, k3 = 0x03030303;
  memcpy(u, scales, 12);
  u[3] = ((u[2] >> 4) & k2) | (((u[1] >> 6) & k3) << 4);
  const uint32_t mins_lo = u[1] & k1;
  u[1] = (u[2] & k2) | (((u[0] >> 6) & k3) << 4);
  u[2] = mins_lo;
  u[0] &= k1;
}

/* ================================ AVX-512 ================================================
 * A block is 4 pairs of 64 elements; pair p covers elements 64p..64p+63, which are exactly the
 * 64 activation bytes qs[64p..]. Per pair: one u8 weight vector, one int16 scale vector lined
 * up with vpmaddubsw's 32 int16 outputs. */

/* unpack_k4_u32 in vector registers: bytes 0..7 the scales, 8..15 the mins of a q4_K/q5_K block.
 * Scalar shifts and masks on a row of 4 blocks' scales cost more than the dot itself, and
 * their 32-bit stores read back as one vector stall store forwarding. Reads 16 bytes at scales
 * (the 12 scale bytes and 4 of qs, inside the block). With s = the 12 bytes, as
 * ai_kquant_scale_min_k4: j < 4: s[j] & 63 and s[j+4] & 63; j >= 4: low (resp. high) nibble of
 * s[j+4] with the top 2 bits of s[j-4] (resp. s[j]) above it. */
static INLINE TARGET_AVX512 __m128i unpack_k4_512(const uint8_t *scales) {
  const __m128i s = _mm_loadu_si128((const __m128i *)scales);
  const __m128i a = _mm_shuffle_epi8(s, _mm_setr_epi8(0, 1, 2, 3, 8, 9, 10, 11, 4, 5, 6, 7, 8, 9,
                                                      10, 11)); /* the 6- or 4-bit part */
  const __m128i top = _mm_shuffle_epi8(s, _mm_setr_epi8(-1, -1, -1, -1, 0, 1, 2, 3, -1, -1, -1, -1,
                                                        4, 5, 6, 7)); /* 2 bits in 7..6 */
  /* High nibbles for mins 4..7 (bytes 12..15); the 16-bit shift's carry-in is masked off. */
  const __m128i lo =
      _mm_and_si128(_mm_mask_blend_epi8(0xF000, a, _mm_srli_epi16(a, 4)),
                    _mm_setr_epi8(63, 63, 63, 63, 15, 15, 15, 15, 63, 63, 63, 63, 15, 15, 15, 15));
  const __m128i hi = _mm_and_si128(
      _mm_srli_epi16(top, 2), /* bits 7..6 -> 5..4 */
      _mm_setr_epi8(0, 0, 0, 0, 0x30, 0x30, 0x30, 0x30, 0, 0, 0, 0, 0x30, 0x30, 0x30, 0x30));
  return _mm_or_si128(lo, hi);
}

/* Per-row, per-block values: the scale source for vpermw, the correction operand, d, dmin. */
struct meta512 {
  __m512i sc;     /* int16 lanes: Q4/Q5 scales 0..7 then mins 8..15; Q6 the 16 scales */
  __m256i aux;    /* Q4/Q5: min of sub-block g/2 in lane g; Q6: the 16 scales */
  __m512 d, dmin; /* broadcast; dmin is subtracted */
};

static INLINE TARGET_AVX512 struct meta512 meta512_load(enum kq type, const uint8_t *blk) {
  struct meta512 m;
  if (type == KQ6) {
    const struct ai_block_q6_k *x = (const void *)blk;
    const __m256i sc16 = _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)x->scales));
    m.sc = _mm512_castsi256_si512(sc16);
    m.aux = sc16;
    m.d = _mm512_set1_ps(_cvtsh_ss(x->d));
    m.dmin = _mm512_setzero_ps();
  } else {
    /* d, dmin and scales sit at the same offsets in q4_K and q5_K. */
    const struct ai_block_q4_k *x = (const void *)blk;
    const __m256i sm16 = _mm256_cvtepu8_epi16(unpack_k4_512(x->scales));
    m.sc = _mm512_castsi256_si512(sm16);
    m.aux = _mm256_permutexvar_epi16(
        _mm256_setr_epi16(8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13, 14, 14, 15, 15), sm16);
    /* d and dmin are adjacent fp16: one 32-bit broadcast, one conversion, two in-lane shuffles
     * (scalar conversions and broadcasts cost ~15% of a gemv block). */
    uint32_t dd;
    memcpy(&dd, blk, sizeof dd);
    const __m512 ddv = _mm512_cvtph_ps(_mm256_set1_epi32((int)dd)); /* d, dmin, d, dmin, ... */
    m.d = _mm512_shuffle_ps(ddv, ddv, 0x00);
    m.dmin = _mm512_shuffle_ps(ddv, ddv, 0x55);
  }
  return m;
}

static INLINE TARGET_AVX512 __m512i halves16(int lo, int hi) {
  return _mm512_inserti64x4(_mm512_castsi256_si512(_mm256_set1_epi16((short)lo)),
                            _mm256_set1_epi16((short)hi), 1);
}

/* Scale vector of pair p: int16 lane i weights activation elements 64p + 2i, 2i + 1. */
static INLINE TARGET_AVX512 __m512i scales512(enum kq type, const struct meta512 *m, int p) {
  if (type == KQ6) {
    const __m256i lo =
        _mm256_set_m128i(_mm_set1_epi16((short)(4 * p + 1)), _mm_set1_epi16((short)(4 * p)));
    const __m256i hi =
        _mm256_set_m128i(_mm_set1_epi16((short)(4 * p + 3)), _mm_set1_epi16((short)(4 * p + 2)));
    const __m512i idx = _mm512_inserti64x4(_mm512_castsi256_si512(lo), hi, 1);
    return _mm512_permutexvar_epi16(idx, m->sc);
  }
  return _mm512_permutexvar_epi16(halves16(2 * p, 2 * p + 1), m->sc);
}

/* Unsigned weight levels of pair p (Q4: 0..15, Q5: 0..31, Q6: 0..63). */
static INLINE TARGET_AVX512 __m512i weights512(enum kq type, const uint8_t *blk, int p) {
  const __m512i m4 = _mm512_set1_epi8(0x0F);
  if (type == KQ6) {
    const struct ai_block_q6_k *x = (const void *)blk;
    const int h = p / 2, upper = p % 2; /* upper: elements 64..127 of the half, high nibbles */
    const __m512i ql = _mm512_loadu_si512(x->ql + 64 * h);
    const __m512i lo =
        upper ? _mm512_and_si512(_mm512_srli_epi16(ql, 4), m4) : _mm512_and_si512(ql, m4);
    const __m512i qh =
        _mm512_broadcast_i64x4(_mm256_loadu_si256((const __m256i *)(x->qh + 32 * h)));
    const __m512i hb = _mm512_and_si512(_mm512_srlv_epi16(qh, halves16(4 * upper, 4 * upper + 2)),
                                        _mm512_set1_epi8(3));
    return _mm512_or_si512(lo, _mm512_slli_epi16(hb, 4));
  }
  /* Q4_K/Q5_K: 32 bytes qs[32p..] hold pair p: low nibbles elements 0..31, high ones 32..63. */
  const uint8_t *qs = type == KQ4 ? ((const struct ai_block_q4_k *)(const void *)blk)->qs
                                  : ((const struct ai_block_q5_k *)(const void *)blk)->qs;
  const __m512i c = _mm512_broadcast_i64x4(_mm256_loadu_si256((const __m256i *)(qs + 32 * p)));
  __m512i w = _mm512_and_si512(_mm512_srlv_epi16(c, halves16(0, 4)), m4);
  if (type == KQ5) {
    const struct ai_block_q5_k *x = (const void *)blk;
    const __m512i qh = _mm512_broadcast_i64x4(_mm256_loadu_si256((const __m256i *)x->qh));
    /* Bit 2p of qh[l] tops element l, bit 2p+1 element 32 + l. */
    const __m512i bit =
        _mm512_inserti64x4(_mm512_castsi256_si512(_mm256_set1_epi8((char)(1 << (2 * p)))),
                           _mm256_set1_epi8((char)(1 << (2 * p + 1))), 1);
    w = _mm512_mask_add_epi8(w, _mm512_test_epi8_mask(qh, bit), w, _mm512_set1_epi8(16));
  }
  return w;
}

/* Gemv order for Q4_K/Q5_K: vector q (0..3) of a block is the low (q even) or high (q odd)
 * nibbles of the 64 bytes qs[64 (q/2)..], that is sub-block s0 = 4 (q/2) + q % 2 in its lower 256
 * bits and sub-block s0 + 2 in its upper ones. One plain load and a mask per vector, where pairs
 * take a broadcast and a variable shift (a fifth of a gemv block's time on Zen 5); the activations
 * are permuted to match instead, once per block for all rows of a tile. The gemm keeps pairs:
 * there the permute would be paid per (row, token). */
static INLINE TARGET_AVX512 int split_s0(int q) {
  return 4 * (q / 2) + q % 2;
}

static INLINE TARGET_AVX512 __m512i weights512_split(enum kq type, const uint8_t *blk, int q) {
  const __m512i m4 = _mm512_set1_epi8(0x0F);
  const uint8_t *qs = type == KQ4 ? ((const struct ai_block_q4_k *)(const void *)blk)->qs
                                  : ((const struct ai_block_q5_k *)(const void *)blk)->qs;
  const __m512i v = _mm512_loadu_si512(qs + 64 * (q / 2));
  __m512i w = _mm512_and_si512(q % 2 ? _mm512_srli_epi16(v, 4) : v, m4);
  if (type == KQ5) {
    const struct ai_block_q5_k *x = (const void *)blk;
    const __m512i qh = _mm512_broadcast_i64x4(_mm256_loadu_si256((const __m256i *)x->qh));
    const int s0 = split_s0(q); /* bit j of qh[l] tops element l of sub-block j */
    const __m512i bit =
        _mm512_inserti64x4(_mm512_castsi256_si512(_mm256_set1_epi8((char)(1 << s0))),
                           _mm256_set1_epi8((char)(1 << (s0 + 2))), 1);
    w = _mm512_mask_add_epi8(w, _mm512_test_epi8_mask(qh, bit), w, _mm512_set1_epi8(16));
  }
  return w;
}

static INLINE TARGET_AVX512 __m512i scales512_split(const struct meta512 *m, int q) {
  return _mm512_permutexvar_epi16(halves16(split_s0(q), split_s0(q) + 2), m->sc);
}

/* Activations of vector q from a Q8_K block's qs: elements 128 (q/2) + 32 (q%2) + 0..31 and the
 * 32 from 64 on. */
static INLINE TARGET_AVX512 __m512i acts512_split(const uint8_t *qs, int q) {
  const __m512i a0 = _mm512_loadu_si512(qs + 128 * (q / 2));
  const __m512i a1 = _mm512_loadu_si512(qs + 128 * (q / 2) + 64);
  return q % 2 ? _mm512_shuffle_i64x2(a0, a1, 0xEE) : _mm512_shuffle_i64x2(a0, a1, 0x44);
}

static INLINE TARGET_AVX512 float hsum512(__m512 v) {
  return _mm512_reduce_add_ps(v);
}

/* y[t * ys + r] = dot(row r, token t) for RT rows x TT tokens over nb blocks. w, xq point at the
 * first row / token. RT, TT are constants at every call so the accumulators live in registers.
 *
 * Prefetch: rows are contiguous, so the RT rows of this tile and of the next one are two adjacent
 * spans of RT * wrb bytes. Reading RT rows side by side breaks the span into RT short streams
 * (one row, ~1-2 KB each), too short for the hardware prefetchers to lock on: streaming Q6_K ran
 * at ~12 GB/s on one Zen 5 core, ~30 GB/s with this. So every block step also prefetches the next
 * RT * bb bytes of a following span, in order; it is resident by the time that tile starts.
 * Spans under 8 KB (Q4_K at k = 2048: 4.6 KB) are too close to cover the memory latency at this
 * rate, so those prefetch the span after next (+10% measured). Prefetches past the band or the
 * tensor are harmless (they never fault) and cost at most two tiles of bandwidth per call. */
static INLINE TARGET_AVX512 void tile512(enum kq type, const int RT, const int TT, int64_t nb,
                                         const uint8_t *w, size_t wrb, const uint8_t *xq,
                                         size_t xrb, float *y, int64_t ys) {
  const size_t bb = kq_block_bytes[type];
  const int split = TT == 1 && type != KQ6; /* see weights512_split */
  const size_t span = (size_t)RT * wrb;
  const char *pf = (const char *)w + (span < 8192 ? 2 * span : span);
  __m512 facc[4][8];
#pragma GCC unroll 8
  for (int r = 0; r < RT; r++) {
#pragma GCC unroll 8
    for (int t = 0; t < TT; t++) facc[r][t] = _mm512_setzero_ps();
  }
  for (int64_t b = 0; b < nb; b++) {
    struct meta512 m[4];
    __m512i iacc[4][8];
    for (size_t o = 0; o < RT * bb; o += 64) _mm_prefetch(pf + o, _MM_HINT_T0);
    pf += RT * bb;
#pragma GCC unroll 8
    for (int r = 0; r < RT; r++) {
      m[r] = meta512_load(type, w + (size_t)r * wrb + (size_t)b * bb);
#pragma GCC unroll 8
      for (int t = 0; t < TT; t++) iacc[r][t] = _mm512_setzero_si512();
    }
#pragma GCC unroll 8
    for (int p = 0; p < 4; p++) {
      const __m512i a_split =
          split ? acts512_split(xq + (size_t)b * Q8_BYTES + Q8_QS, p) : _mm512_setzero_si512();
#pragma GCC unroll 8
      for (int r = 0; r < RT; r++) {
        const uint8_t *blk = w + (size_t)r * wrb + (size_t)b * bb;
        const __m512i wv = split ? weights512_split(type, blk, p) : weights512(type, blk, p);
        const __m512i sv = split ? scales512_split(&m[r], p) : scales512(type, &m[r], p);
#pragma GCC unroll 8
        for (int t = 0; t < TT; t++) {
          const __m512i a = split ? a_split
                                  : _mm512_loadu_si512(xq + (size_t)t * xrb + (size_t)b * Q8_BYTES +
                                                       Q8_QS + 64 * p);
          iacc[r][t] = _mm512_dpwssd_epi32(iacc[r][t], _mm512_maddubs_epi16(wv, a), sv);
        }
      }
    }
#pragma GCC unroll 8
    for (int t = 0; t < TT; t++) {
      const uint8_t *ab = xq + (size_t)t * xrb + (size_t)b * Q8_BYTES;
      float ad;
      memcpy(&ad, ab, sizeof ad);
      const __m512 adv = _mm512_set1_ps(ad);
      const __m256i bsums = _mm256_loadu_si256((const __m256i *)(ab + Q8_BSUMS));
#pragma GCC unroll 8
      for (int r = 0; r < RT; r++) {
        const __m256i corr = _mm256_madd_epi16(bsums, m[r].aux);
        if (type == KQ6) { /* levels are stored +32: take back 32 * sum_g sc_g * bsum_g */
          iacc[r][t] =
              _mm512_sub_epi32(iacc[r][t], _mm512_zextsi256_si512(_mm256_slli_epi32(corr, 5)));
        }
        facc[r][t] =
            _mm512_fmadd_ps(_mm512_cvtepi32_ps(iacc[r][t]), _mm512_mul_ps(m[r].d, adv), facc[r][t]);
        if (type != KQ6) {
          facc[r][t] = _mm512_fnmadd_ps(_mm512_zextps256_ps512(_mm256_cvtepi32_ps(corr)),
                                        _mm512_mul_ps(m[r].dmin, adv), facc[r][t]);
        }
      }
    }
  }
#pragma GCC unroll 8
  for (int r = 0; r < RT; r++) {
#pragma GCC unroll 8
    for (int t = 0; t < TT; t++) y[t * ys + r] = hsum512(facc[r][t]);
  }
}

/* Rows [r0, r1) of one token: tiles of 4 rows (memory-bound decode; the tile512 prefetch keeps
 * the stream whole), then single rows. */
static INLINE TARGET_AVX512 void gemv512(enum kq type, int64_t nb, const uint8_t *w, size_t wrb,
                                         int64_t r0, int64_t r1, const uint8_t *xt, float *yt) {
  int64_t r = r0;
  for (; r + 4 <= r1; r += 4) tile512(type, 4, 1, nb, w + r * wrb, wrb, xt, 0, yt + r, 0);
  for (; r < r1; r++) tile512(type, 1, 1, nb, w + r * wrb, wrb, xt, 0, yt + r, 0);
}

/* Several tokens: 1 row x 8 tokens per tile. A row's per-block work (scale unpack, weight
 * nibbles, scale vectors: ~32 ops) is shared by all tokens of the tile, the per-(row, token) work
 * is 8 multiply ops and a ~7-op float tail per block; 1 x 8 beat 2 x 4, 2 x 6, 3 x 4 and 4 x 2 by
 * 5-8% on Zen 5 (one core, 128 tokens). Leftover tokens take 1 x 4, 1 x 2 and the gemv. */
static INLINE TARGET_AVX512 void gemm512(enum kq type, int64_t k, const void *vw, size_t wrb,
                                         int64_t r0, int64_t r1, const void *vxq, size_t xrb,
                                         int64_t n_tok, float *y, int64_t ys) {
  const int64_t nb = k / AI_QK_K;
  const uint8_t *w = vw, *xq = vxq;
  int64_t t0 = 0;
  for (; t0 + 8 <= n_tok; t0 += 8) {
    for (int64_t r = r0; r < r1; r++)
      tile512(type, 1, 8, nb, w + r * wrb, wrb, xq + t0 * xrb, xrb, y + t0 * ys + r, ys);
  }
  if (n_tok - t0 >= 4) {
    for (int64_t r = r0; r < r1; r++)
      tile512(type, 1, 4, nb, w + r * wrb, wrb, xq + t0 * xrb, xrb, y + t0 * ys + r, ys);
    t0 += 4;
  }
  if (n_tok - t0 >= 2) {
    for (int64_t r = r0; r < r1; r++)
      tile512(type, 1, 2, nb, w + r * wrb, wrb, xq + t0 * xrb, xrb, y + t0 * ys + r, ys);
    t0 += 2;
  }
  if (n_tok - t0 == 1) gemv512(type, nb, w, wrb, r0, r1, xq + t0 * xrb, y + t0 * ys);
}

/* ================================ AVX2 ===================================================
 * 32 elements per step: Q4/Q5 one sub-block (one scale), Q6 two groups of 16 (two scales). */

struct meta256 {
  uint8_t sc[16];  /* Q4/Q5: scales 0..7, mins 8..15 */
  int16_t sc6[16]; /* Q6 scales */
  __m256i aux;     /* as meta512.aux */
  __m256 d, dmin;
};

static INLINE TARGET_AVX2 void meta256_load(enum kq type, const uint8_t *blk, struct meta256 *m) {
  if (type == KQ6) {
    const struct ai_block_q6_k *x = (const void *)blk;
    m->aux = _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)x->scales));
    _mm256_storeu_si256((__m256i *)m->sc6, m->aux);
    m->d = _mm256_set1_ps(_cvtsh_ss(x->d));
    m->dmin = _mm256_setzero_ps();
  } else {
    const struct ai_block_q4_k *x = (const void *)blk;
    uint32_t u[4];
    unpack_k4_u32(x->scales, u);
    memcpy(m->sc, u, 16);
    const __m128i mins2 =
        _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)u),
                         _mm_setr_epi8(8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13, 14, 14, 15, 15));
    m->aux = _mm256_cvtepu8_epi16(mins2);
    m->d = _mm256_set1_ps(_cvtsh_ss(x->d));
    m->dmin = _mm256_set1_ps(-_cvtsh_ss(x->dmin));
  }
}

/* Weights and int16 scales of elements 32s..32s+31. */
static INLINE TARGET_AVX2 __m256i weights256(enum kq type, const uint8_t *blk, int s) {
  const __m256i m4 = _mm256_set1_epi8(0x0F);
  if (type == KQ6) {
    const struct ai_block_q6_k *x = (const void *)blk;
    const int h = s / 4, quarter = s % 4;
    const __m256i ql = _mm256_loadu_si256((const __m256i *)(x->ql + 64 * h + 32 * (quarter & 1)));
    const __m256i lo = _mm256_and_si256(quarter >= 2 ? _mm256_srli_epi16(ql, 4) : ql, m4);
    const __m256i qh = _mm256_loadu_si256((const __m256i *)(x->qh + 32 * h));
    const __m256i hb = _mm256_and_si256(_mm256_srli_epi16(qh, 2 * quarter), _mm256_set1_epi8(3));
    return _mm256_or_si256(lo, _mm256_slli_epi16(hb, 4));
  }
  const uint8_t *qs = type == KQ4 ? ((const struct ai_block_q4_k *)(const void *)blk)->qs
                                  : ((const struct ai_block_q5_k *)(const void *)blk)->qs;
  const __m256i c = _mm256_loadu_si256((const __m256i *)(qs + 32 * (s / 2)));
  __m256i w = _mm256_and_si256(s % 2 ? _mm256_srli_epi16(c, 4) : c, m4);
  if (type == KQ5) {
    const struct ai_block_q5_k *x = (const void *)blk;
    const __m256i qh = _mm256_loadu_si256((const __m256i *)x->qh);
    const __m256i bit = _mm256_set1_epi8((char)(1 << s));
    const __m256i set = _mm256_cmpeq_epi8(_mm256_and_si256(qh, bit), bit);
    w = _mm256_or_si256(w, _mm256_and_si256(set, _mm256_set1_epi8(16)));
  }
  return w;
}

static INLINE TARGET_AVX2 __m256i scales256(enum kq type, const struct meta256 *m, int s) {
  if (type == KQ6) {
    return _mm256_set_m128i(_mm_set1_epi16(m->sc6[2 * s + 1]), _mm_set1_epi16(m->sc6[2 * s]));
  }
  return _mm256_set1_epi16(m->sc[s]);
}

static INLINE TARGET_AVX2 float hsum256(__m256 v) {
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}

/* One row x TT tokens (AVX2 has 16 registers). */
static INLINE TARGET_AVX2 void tile256(enum kq type, const int TT, int64_t nb, const uint8_t *w,
                                       const uint8_t *xq, size_t xrb, float *y, int64_t ys) {
  const size_t bb = kq_block_bytes[type];
  __m256 facc[4];
#pragma GCC unroll 8
  for (int t = 0; t < TT; t++) facc[t] = _mm256_setzero_ps();
  for (int64_t b = 0; b < nb; b++) {
    const uint8_t *blk = w + (size_t)b * bb;
    struct meta256 m;
    meta256_load(type, blk, &m);
    __m256i iacc[4];
#pragma GCC unroll 8
    for (int t = 0; t < TT; t++) iacc[t] = _mm256_setzero_si256();
#pragma GCC unroll 8
    for (int s = 0; s < 8; s++) {
      const __m256i wv = weights256(type, blk, s);
      const __m256i sv = scales256(type, &m, s);
#pragma GCC unroll 8
      for (int t = 0; t < TT; t++) {
        const __m256i a = _mm256_loadu_si256(
            (const __m256i *)(xq + (size_t)t * xrb + (size_t)b * Q8_BYTES + Q8_QS + 32 * s));
        iacc[t] = _mm256_add_epi32(iacc[t], _mm256_madd_epi16(_mm256_maddubs_epi16(wv, a), sv));
      }
    }
#pragma GCC unroll 8
    for (int t = 0; t < TT; t++) {
      const uint8_t *ab = xq + (size_t)t * xrb + (size_t)b * Q8_BYTES;
      float ad;
      memcpy(&ad, ab, sizeof ad);
      const __m256 adv = _mm256_set1_ps(ad);
      const __m256i corr =
          _mm256_madd_epi16(_mm256_loadu_si256((const __m256i *)(ab + Q8_BSUMS)), m.aux);
      if (type == KQ6) iacc[t] = _mm256_sub_epi32(iacc[t], _mm256_slli_epi32(corr, 5));
      facc[t] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(iacc[t]), _mm256_mul_ps(m.d, adv), facc[t]);
      if (type != KQ6) {
        facc[t] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(corr), _mm256_mul_ps(m.dmin, adv), facc[t]);
      }
    }
  }
#pragma GCC unroll 8
  for (int t = 0; t < TT; t++) y[t * ys] = hsum256(facc[t]);
}

static INLINE TARGET_AVX2 void gemm256(enum kq type, int64_t k, const void *vw, size_t wrb,
                                       int64_t r0, int64_t r1, const void *vxq, size_t xrb,
                                       int64_t n_tok, float *y, int64_t ys) {
  const int64_t nb = k / AI_QK_K;
  const uint8_t *w = vw, *xq = vxq;
  for (int64_t t0 = 0; t0 < n_tok; t0 += 4) {
    const int64_t tt = n_tok - t0 < 4 ? n_tok - t0 : 4;
    const uint8_t *xt = xq + (size_t)t0 * xrb;
    for (int64_t r = r0; r < r1; r++) {
      float *yr = y + t0 * ys + r;
      if (tt == 4) tile256(type, 4, nb, w + r * wrb, xt, xrb, yr, ys);
      if (tt == 3) tile256(type, 3, nb, w + r * wrb, xt, xrb, yr, ys);
      if (tt == 2) tile256(type, 2, nb, w + r * wrb, xt, xrb, yr, ys);
      if (tt == 1) tile256(type, 1, nb, w + r * wrb, xt, xrb, yr, ys);
    }
  }
}

/* ================================ entry points =========================================== */

TARGET_AVX512 void ai_q4_k_gemm_avx512(int64_t k, const void *w, size_t w_row_bytes, int64_t r0,
                                       int64_t r1, const void *xq, size_t xq_row_bytes,
                                       int64_t n_tok, float *y, int64_t y_stride) {
  gemm512(KQ4, k, w, w_row_bytes, r0, r1, xq, xq_row_bytes, n_tok, y, y_stride);
}
TARGET_AVX512 void ai_q5_k_gemm_avx512(int64_t k, const void *w, size_t w_row_bytes, int64_t r0,
                                       int64_t r1, const void *xq, size_t xq_row_bytes,
                                       int64_t n_tok, float *y, int64_t y_stride) {
  gemm512(KQ5, k, w, w_row_bytes, r0, r1, xq, xq_row_bytes, n_tok, y, y_stride);
}
TARGET_AVX512 void ai_q6_k_gemm_avx512(int64_t k, const void *w, size_t w_row_bytes, int64_t r0,
                                       int64_t r1, const void *xq, size_t xq_row_bytes,
                                       int64_t n_tok, float *y, int64_t y_stride) {
  gemm512(KQ6, k, w, w_row_bytes, r0, r1, xq, xq_row_bytes, n_tok, y, y_stride);
}
TARGET_AVX2 void ai_q4_k_gemm_avx2(int64_t k, const void *w, size_t w_row_bytes, int64_t r0,
                                   int64_t r1, const void *xq, size_t xq_row_bytes, int64_t n_tok,
                                   float *y, int64_t y_stride) {
  gemm256(KQ4, k, w, w_row_bytes, r0, r1, xq, xq_row_bytes, n_tok, y, y_stride);
}
TARGET_AVX2 void ai_q5_k_gemm_avx2(int64_t k, const void *w, size_t w_row_bytes, int64_t r0,
                                   int64_t r1, const void *xq, size_t xq_row_bytes, int64_t n_tok,
                                   float *y, int64_t y_stride) {
  gemm256(KQ5, k, w, w_row_bytes, r0, r1, xq, xq_row_bytes, n_tok, y, y_stride);
}
TARGET_AVX2 void ai_q6_k_gemm_avx2(int64_t k, const void *w, size_t w_row_bytes, int64_t r0,
                                   int64_t r1, const void *xq, size_t xq_row_bytes, int64_t n_tok,
                                   float *y, int64_t y_stride) {
  gemm256(KQ6, k, w, w_row_bytes, r0, r1, xq, xq_row_bytes, n_tok, y, y_stride);
}

TARGET_AVX512 void ai_q4_k_vec_dot_avx512(int64_t n, float *s, const void *x, const void *y) {
  tile512(KQ4, 1, 1, n / AI_QK_K, x, 0, y, 0, s, 0);
}
TARGET_AVX512 void ai_q5_k_vec_dot_avx512(int64_t n, float *s, const void *x, const void *y) {
  tile512(KQ5, 1, 1, n / AI_QK_K, x, 0, y, 0, s, 0);
}
TARGET_AVX512 void ai_q6_k_vec_dot_avx512(int64_t n, float *s, const void *x, const void *y) {
  tile512(KQ6, 1, 1, n / AI_QK_K, x, 0, y, 0, s, 0);
}
TARGET_AVX2 void ai_q4_k_vec_dot_avx2(int64_t n, float *s, const void *x, const void *y) {
  tile256(KQ4, 1, n / AI_QK_K, x, y, 0, s, 0);
}
TARGET_AVX2 void ai_q5_k_vec_dot_avx2(int64_t n, float *s, const void *x, const void *y) {
  tile256(KQ5, 1, n / AI_QK_K, x, y, 0, s, 0);
}
TARGET_AVX2 void ai_q6_k_vec_dot_avx2(int64_t n, float *s, const void *x, const void *y) {
  tile256(KQ6, 1, n / AI_QK_K, x, y, 0, s, 0);
}

#endif
