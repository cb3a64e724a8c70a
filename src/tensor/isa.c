/* Which kernel variants this CPU and build can run. x86 levels are detected once from CPUID
 * (through the compiler's __builtin_cpu_supports, which also checks that the OS saves the vector
 * state); NEON and SIMD128 are compile-time facts of the build. */
#include "tensor/types.h"

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>

/* F16C is CPUID leaf 1, ECX bit 29 (Intel SDM vol. 2A, table 3-10); __builtin_cpu_supports has no
 * name for it in every compiler we build with. */
static bool has_f16c(void) {
  unsigned a, b, c, d;
  if (!__get_cpuid(1, &a, &b, &c, &d)) return false;
  return (c >> 29) & 1u;
}

/* AI_ISA_AVX512 means AVX-512 F+BW+VL with VNNI (Ice Lake, Zen 4 and later): the kernels use
 * vpdpbusd. A CPU with AVX-512 but no VNNI (Skylake-X) runs the AVX2 kernels. */
enum ai_isa ai_isa_detect(void) {
  __builtin_cpu_init();
  const bool avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") && has_f16c();
  if (!avx2) return AI_ISA_REF;
  if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
      __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512vnni")) {
    return AI_ISA_AVX512;
  }
  return AI_ISA_AVX2;
}
#elif defined(__wasm_simd128__)
enum ai_isa ai_isa_detect(void) {
  return AI_ISA_SIMD128;
}
#elif defined(__ARM_NEON)
enum ai_isa ai_isa_detect(void) {
  return AI_ISA_NEON;
}
#else
enum ai_isa ai_isa_detect(void) {
  return AI_ISA_REF;
}
#endif

const char *ai_isa_name(enum ai_isa isa) {
  switch (isa) {
    case AI_ISA_REF:
      return "ref";
    case AI_ISA_AVX2:
      return "avx2";
    case AI_ISA_AVX512:
      return "avx512";
    case AI_ISA_NEON:
      return "neon";
    case AI_ISA_SIMD128:
      return "simd128";
  }
  return "unknown";
}
