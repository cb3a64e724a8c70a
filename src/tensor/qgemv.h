/* The two x86 kernels behind each 32-element block type's AVX-512 and AVX2 gemm, callable on their
 * own so tests and bench/kernels/bench_matmul.c can check and time each: the gemv (few tokens:
 * decode) and the R x T tiled gemm (prompts). ai_gemm_<types>_<isa> (quants.h) picks between them
 * by n_tok. Both follow the ai_gemm_fn contract (types.h) for any n_tok. */
#ifndef AI_TENSOR_QGEMV_H
#define AI_TENSOR_QGEMV_H

#include <stddef.h>
#include <stdint.h>

/* ai_gemm_<types>_<isa> runs the gemv when n_tok <= this, the tile otherwise: one gemv pass
 * holds 4 tokens, and at 4 tokens the gemv is about 2x the tile for k <= 2048 (the attention and
 * FFN-up matrices and the output projection of the small models) and within ~10% of it at
 * k = 5632 (bench_matmul --ab: k = 896, 2048, 5632). Batched decoding of 4 server slots lands
 * here. */
#define AI_QGEMV_MAX_TOK 4
/* Q4_0's gemv (passes of up to 4 tokens) beats its tile up to 8 tokens at every k measured, on
 * AVX-512 and AVX2 (bench_matmul --ab Q4_0). */
#define AI_QGEMV_MAX_TOK_Q4_0 8

#if defined(__x86_64__)
void ai_gemv_q4_0_q8_0_avx512(int64_t k, const void *w, size_t w_row_bytes, int64_t r0, int64_t r1,
                              const void *xq, size_t xq_row_bytes, int64_t n_tok, float *y,
                              int64_t y_stride);
void ai_gemm_tiled_q4_0_q8_0_avx512(int64_t k, const void *w, size_t w_row_bytes, int64_t r0,
                                    int64_t r1, const void *xq, size_t xq_row_bytes, int64_t n_tok,
                                    float *y, int64_t y_stride);
void ai_gemv_q8_0_q8_0_avx512(int64_t k, const void *w, size_t w_row_bytes, int64_t r0, int64_t r1,
                              const void *xq, size_t xq_row_bytes, int64_t n_tok, float *y,
                              int64_t y_stride);
void ai_gemm_tiled_q8_0_q8_0_avx512(int64_t k, const void *w, size_t w_row_bytes, int64_t r0,
                                    int64_t r1, const void *xq, size_t xq_row_bytes, int64_t n_tok,
                                    float *y, int64_t y_stride);
void ai_gemv_q4_1_q8_1_avx512(int64_t k, const void *w, size_t w_row_bytes, int64_t r0, int64_t r1,
                              const void *xq, size_t xq_row_bytes, int64_t n_tok, float *y,
                              int64_t y_stride);
void ai_gemm_tiled_q4_1_q8_1_avx512(int64_t k, const void *w, size_t w_row_bytes, int64_t r0,
                                    int64_t r1, const void *xq, size_t xq_row_bytes, int64_t n_tok,
                                    float *y, int64_t y_stride);
void ai_gemv_q5_0_q8_0_avx512(int64_t k, const void *w, size_t w_row_bytes, int64_t r0, int64_t r1,
                              const void *xq, size_t xq_row_bytes, int64_t n_tok, float *y,
                              int64_t y_stride);
void ai_gemm_tiled_q5_0_q8_0_avx512(int64_t k, const void *w, size_t w_row_bytes, int64_t r0,
                                    int64_t r1, const void *xq, size_t xq_row_bytes, int64_t n_tok,
                                    float *y, int64_t y_stride);
void ai_gemv_q5_1_q8_1_avx512(int64_t k, const void *w, size_t w_row_bytes, int64_t r0, int64_t r1,
                              const void *xq, size_t xq_row_bytes, int64_t n_tok, float *y,
                              int64_t y_stride);
void ai_gemm_tiled_q5_1_q8_1_avx512(int64_t k, const void *w, size_t w_row_bytes, int64_t r0,
                                    int64_t r1, const void *xq, size_t xq_row_bytes, int64_t n_tok,
                                    float *y, int64_t y_stride);
void ai_gemv_q4_0_q8_0_avx2(int64_t k, const void *w, size_t w_row_bytes, int64_t r0, int64_t r1,
                            const void *xq, size_t xq_row_bytes, int64_t n_tok, float *y,
                            int64_t y_stride);
void ai_gemm_tiled_q4_0_q8_0_avx2(int64_t k, const void *w, size_t w_row_bytes, int64_t r0,
                                  int64_t r1, const void *xq, size_t xq_row_bytes, int64_t n_tok,
                                  float *y, int64_t y_stride);
void ai_gemv_q4_1_q8_1_avx2(int64_t k, const void *w, size_t w_row_bytes, int64_t r0, int64_t r1,
                            const void *xq, size_t xq_row_bytes, int64_t n_tok, float *y,
                            int64_t y_stride);
void ai_gemm_tiled_q4_1_q8_1_avx2(int64_t k, const void *w, size_t w_row_bytes, int64_t r0,
                                  int64_t r1, const void *xq, size_t xq_row_bytes, int64_t n_tok,
                                  float *y, int64_t y_stride);
void ai_gemv_q5_0_q8_0_avx2(int64_t k, const void *w, size_t w_row_bytes, int64_t r0, int64_t r1,
                            const void *xq, size_t xq_row_bytes, int64_t n_tok, float *y,
                            int64_t y_stride);
void ai_gemm_tiled_q5_0_q8_0_avx2(int64_t k, const void *w, size_t w_row_bytes, int64_t r0,
                                  int64_t r1, const void *xq, size_t xq_row_bytes, int64_t n_tok,
                                  float *y, int64_t y_stride);
void ai_gemv_q5_1_q8_1_avx2(int64_t k, const void *w, size_t w_row_bytes, int64_t r0, int64_t r1,
                            const void *xq, size_t xq_row_bytes, int64_t n_tok, float *y,
                            int64_t y_stride);
void ai_gemm_tiled_q5_1_q8_1_avx2(int64_t k, const void *w, size_t w_row_bytes, int64_t r0,
                                  int64_t r1, const void *xq, size_t xq_row_bytes, int64_t n_tok,
                                  float *y, int64_t y_stride);
void ai_gemv_q8_0_q8_0_avx2(int64_t k, const void *w, size_t w_row_bytes, int64_t r0, int64_t r1,
                            const void *xq, size_t xq_row_bytes, int64_t n_tok, float *y,
                            int64_t y_stride);
void ai_gemm_tiled_q8_0_q8_0_avx2(int64_t k, const void *w, size_t w_row_bytes, int64_t r0,
                                  int64_t r1, const void *xq, size_t xq_row_bytes, int64_t n_tok,
                                  float *y, int64_t y_stride);
#endif

#endif
