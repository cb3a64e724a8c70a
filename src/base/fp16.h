/* IEEE 754 binary16 and bfloat16 conversions, round-to-nearest-even, matching the hardware
 * conversions (F16C vcvtps2ph with imm 0) that llama.cpp uses, so files we write are bit-exact
 * with files it writes. */
#ifndef AI_BASE_FP16_H
#define AI_BASE_FP16_H

#include <stdint.h>
#include <string.h>

static inline float ai_bits_to_f32(uint32_t u) {
  float f;
  memcpy(&f, &u, sizeof f);
  return f;
}

static inline uint32_t ai_f32_to_bits(float f) {
  uint32_t u;
  memcpy(&u, &f, sizeof u);
  return u;
}

static inline float ai_fp16_to_fp32(uint16_t h) {
  uint32_t sign = (uint32_t)(h & 0x8000u) << 16;
  uint32_t exp = (h >> 10) & 0x1fu;
  uint32_t mant = h & 0x3ffu;
  if (exp == 0) { /* zero or subnormal: mant * 2^-24 */
    float f = (float)mant * 0x1p-24f;
    return sign ? -f : f;
  }
  if (exp == 31) return ai_bits_to_f32(sign | 0x7f800000u | (mant << 13));
  return ai_bits_to_f32(sign | ((exp + 112u) << 23) | (mant << 13));
}

static inline uint16_t ai_fp32_to_fp16(float f) {
  uint32_t x = ai_f32_to_bits(f);
  uint16_t sign = (uint16_t)((x >> 16) & 0x8000u);
  uint32_t ax = x & 0x7fffffffu;
  if (ax >= 0x7f800000u) return sign | 0x7c00u | (ax > 0x7f800000u ? 0x200u : 0u);
  if (ax >= 0x477ff000u) return sign | 0x7c00u; /* >= 65520 rounds to infinity */
  uint32_t e = ax >> 23;
  if (ax < 0x38800000u) { /* below 2^-14: a subnormal half, unit 2^-24 */
    if (e < 102) return sign;
    uint32_t mant = (ax & 0x7fffffu) | 0x800000u;
    uint32_t shift = 126 - e;
    uint32_t m = mant >> shift, rem = mant & ((1u << shift) - 1), half = 1u << (shift - 1);
    if (rem > half || (rem == half && (m & 1))) m++;
    return (uint16_t)(sign | m);
  }
  uint32_t v = ((e - 112) << 10) | ((ax >> 13) & 0x3ffu);
  uint32_t rem = ax & 0x1fffu;
  if (rem > 0x1000u || (rem == 0x1000u && (v & 1))) v++;
  return (uint16_t)(sign | v);
}

static inline float ai_bf16_to_fp32(uint16_t h) {
  return ai_bits_to_f32((uint32_t)h << 16);
}

/* As ggml_compute_fp32_to_bf16: quiet NaNs, round to nearest even. */
static inline uint16_t ai_fp32_to_bf16(float f) {
  uint32_t x = ai_f32_to_bits(f);
  if ((x & 0x7fffffffu) > 0x7f800000u) return (uint16_t)((x >> 16) | 64);
  return (uint16_t)((x + (0x7fffu + ((x >> 16) & 1))) >> 16);
}

#endif
