/* CPU backend ops against hand-derived values and plain double-precision loops written here,
 * independent of src/backend: rms_norm, rope (both pairings, freq factors), attention (causal,
 * GQA), silu_mul, add, get_rows and matmul for every weight type at odd sizes and thread counts. */
#include "backend/cpu/cpu_backend.h"
#include "base/fp16.h"
#include "check.h"

static struct ai_backend make_backend(int n_threads, enum ai_isa isa) {
  struct ai_alloc a = ai_alloc_default();
  struct ai_cpu_backend_params p = {n_threads, 4096, 16, 64, isa};
  struct ai_backend b;
  struct ai_error err;
  if (ai_cpu_backend_create(&a, &p, &b, &err) != ANYINFER_OK) {
    fprintf(stderr, "backend: %s\n", err.msg);
    exit(1);
  }
  return b;
}

static struct ai_tensor host_tensor(struct ai_backend *b, struct ai_buffer **buf, int n_dims,
                                    const int64_t *ne, enum ai_type type) {
  int64_t full[4] = {1, 1, 1, 1};
  for (int i = 0; i < n_dims; i++) full[i] = ne[i];
  struct ai_error err;
  b->ops->buffer_alloc(b->ctx, ai_tensor_packed_bytes(type, full), buf, &err);
  return ai_tensor_make(type, *buf, 0, n_dims, ne);
}

static void test_rms_norm_and_add(struct ai_backend *b) {
  struct ai_buffer *bx, *bw, *bo;
  struct ai_tensor x = host_tensor(b, &bx, 2, (int64_t[]){4, 2}, AI_TYPE_F32);
  struct ai_tensor w = host_tensor(b, &bw, 1, (int64_t[]){4}, AI_TYPE_F32);
  struct ai_tensor o = host_tensor(b, &bo, 2, (int64_t[]){4, 2}, AI_TYPE_F32);
  float *xv = bx->host, *wv = bw->host, *ov = bo->host;
  const float in[8] = {1, 2, 3, 4, -2, 0, 0, 2};
  for (int i = 0; i < 8; i++) xv[i] = in[i];
  for (int i = 0; i < 4; i++) wv[i] = (float)(i + 1);
  b->ops->rms_norm(b->ctx, &x, &w, 0.0f, &o);
  /* column 0: rms = sqrt(30/4); column 1: rms = sqrt(8/4) = sqrt(2) */
  double r0 = sqrt(30.0 / 4), r1 = sqrt(2.0);
  for (int i = 0; i < 4; i++) {
    CHECK_NEAR(ov[i], in[i] / r0 * (i + 1), 1e-6);
    CHECK_NEAR(ov[4 + i], in[4 + i] / r1 * (i + 1), 1e-6);
  }
  b->ops->add(b->ctx, &x, &o, &o);
  CHECK_NEAR(ov[3], 4 + 4 / r0 * 4, 1e-5);
  b->ops->silu_mul(b->ctx, &x, &x, &o);
  CHECK_NEAR(ov[0], 1.0 / (1.0 + exp(-1.0)) * 1.0, 1e-6);
  CHECK_NEAR(ov[4], -2.0 / (1.0 + exp(2.0)) * -2.0, 1e-6);
  b->ops->buffer_free(b->ctx, bx);
  b->ops->buffer_free(b->ctx, bw);
  b->ops->buffer_free(b->ctx, bo);
}

static void test_rope(struct ai_backend *b) {
  /* One head of 4 dims at position 3, base 100: frequencies 1 and 1/10 (theta_i = 100^(-2i/4)). */
  struct ai_buffer *bx;
  struct ai_tensor x = host_tensor(b, &bx, 3, (int64_t[]){4, 1, 1}, AI_TYPE_F32);
  float *v = bx->host;
  for (int neox = 0; neox < 2; neox++) {
    for (int i = 0; i < 4; i++) v[i] = (float)(i + 1);
    struct ai_rope_params p = {
        .n_dims = 4, .is_neox = neox, .freq_base = 100.0f, .freq_scale = 1.0f, .pos0 = 3};
    b->ops->rope(b->ctx, &x, &p);
    double a0 = 3.0, a1 = 0.3;
    /* GPT-J pairs (0,1),(2,3); NeoX pairs (0,2),(1,3). */
    int p0a = 0, p0b = neox ? 2 : 1, p1a = neox ? 1 : 2, p1b = 3;
    double x0 = p0a + 1, y0 = p0b + 1, x1 = p1a + 1, y1 = p1b + 1;
    CHECK_NEAR(v[p0a], x0 * cos(a0) - y0 * sin(a0), 1e-5);
    CHECK_NEAR(v[p0b], x0 * sin(a0) + y0 * cos(a0), 1e-5);
    CHECK_NEAR(v[p1a], x1 * cos(a1) - y1 * sin(a1), 1e-5);
    CHECK_NEAR(v[p1b], x1 * sin(a1) + y1 * cos(a1), 1e-5);
  }
  /* freq_factors divide the frequencies: factor 2 on pair 0 halves its angle. */
  for (int i = 0; i < 4; i++) v[i] = (float)(i + 1);
  const float factors[2] = {2.0f, 1.0f};
  struct ai_rope_params p = {
      .n_dims = 4, .freq_base = 100.0f, .freq_scale = 1.0f, .freq_factors = factors, .pos0 = 3};
  b->ops->rope(b->ctx, &x, &p);
  CHECK_NEAR(v[0], 1 * cos(1.5) - 2 * sin(1.5), 1e-5);
  b->ops->buffer_free(b->ctx, bx);
}

static void test_attention(struct ai_backend *b) {
  /* 2 query heads sharing 1 kv head (GQA), head_dim 2, 2 cached positions + 2 new tokens. */
  struct ai_buffer *bq, *bk, *bv, *bo, *bs;
  struct ai_tensor q = host_tensor(b, &bq, 3, (int64_t[]){2, 2, 2}, AI_TYPE_F32);
  struct ai_tensor kc = host_tensor(b, &bk, 3, (int64_t[]){2, 8, 1}, AI_TYPE_F32);
  struct ai_tensor vc = host_tensor(b, &bv, 3, (int64_t[]){2, 8, 1}, AI_TYPE_F32);
  struct ai_tensor o = host_tensor(b, &bo, 3, (int64_t[]){2, 2, 2}, AI_TYPE_F32);
  struct ai_tensor src = host_tensor(b, &bs, 3, (int64_t[]){2, 1, 2}, AI_TYPE_F32);
  float *k = bk->host, *v = bv->host, *s = bs->host, *qv = bq->host, *ov = bo->host;
  const float keys[4][2] = {{1, 0}, {0, 1}, {1, 1}, {-1, 0}};
  const float vals[4][2] = {{1, 2}, {3, 4}, {5, 6}, {7, 8}};
  for (int j = 0; j < 2; j++)
    for (int i = 0; i < 2; i++) k[j * 2 + i] = keys[j][i], v[j * 2 + i] = vals[j][i];
  for (int j = 0; j < 2; j++)
    for (int i = 0; i < 2; i++) s[j * 2 + i] = keys[2 + j][i];
  b->ops->kv_store(b->ctx, &src, &kc, 2);
  for (int j = 0; j < 2; j++)
    for (int i = 0; i < 2; i++) s[j * 2 + i] = vals[2 + j][i];
  b->ops->kv_store(b->ctx, &src, &vc, 2);
  const float queries[2][2][2] = {{{1, 0}, {0, 2}}, {{0.5f, 0.5f}, {-1, 1}}}; /* [t][h][i] */
  for (int t = 0; t < 2; t++)
    for (int h = 0; h < 2; h++)
      for (int i = 0; i < 2; i++) qv[(t * 2 + h) * 2 + i] = queries[t][h][i];
  struct ai_attention_params p = {.n_past = 2, .scale = 0.5f, .is_causal = true};
  b->ops->attention(b->ctx, &q, &kc, &vc, &p, &o);
  for (int t = 0; t < 2; t++)
    for (int h = 0; h < 2; h++) {
      int n_keys = 2 + t + 1;
      double w[4], sum = 0, out[2] = {0, 0};
      for (int j = 0; j < n_keys; j++) {
        w[j] = exp(0.5 * (queries[t][h][0] * keys[j][0] + queries[t][h][1] * keys[j][1]));
        sum += w[j];
      }
      for (int j = 0; j < n_keys; j++)
        for (int i = 0; i < 2; i++) out[i] += w[j] / sum * vals[j][i];
      for (int i = 0; i < 2; i++) CHECK_NEAR(ov[(t * 2 + h) * 2 + i], out[i], 1e-5);
    }
  struct ai_buffer *bufs[] = {bq, bk, bv, bo, bs};
  for (int i = 0; i < 5; i++) b->ops->buffer_free(b->ctx, bufs[i]);
}

/* matmul for every supported weight type against double-precision dot products of the
 * dequantized weights and the unquantized activations; the tolerance covers 8-bit activations. */
static void test_matmul(struct ai_backend *b, uint64_t seed) {
  const int types[] = {AI_TYPE_F32,  AI_TYPE_F16,  AI_TYPE_BF16, AI_TYPE_Q8_0,
                       AI_TYPE_Q4_0, AI_TYPE_Q4_1, AI_TYPE_Q5_0, AI_TYPE_Q5_1,
                       AI_TYPE_Q4_K, AI_TYPE_Q5_K, AI_TYPE_Q6_K};
  const int64_t k = 512, rows = 37, n_tok = 5;
  uint64_t state = seed;
  float *wf = malloc(sizeof(float) * k * rows), *deq = malloc(sizeof(float) * k);
  for (size_t t = 0; t < sizeof types / sizeof *types; t++) {
    const struct ai_type_traits *tr = ai_type_traits_get(types[t]);
    if (!tr || !tr->from_float || !b->ops->supports(b->ctx, AI_OP_MATMUL, types[t])) {
      printf("skipped: matmul %d (type not available yet)\n", types[t]);
      continue;
    }
    struct ai_buffer *bw, *bx, *by, *bias;
    struct ai_tensor w = host_tensor(b, &bw, 2, (int64_t[]){k, rows}, types[t]);
    struct ai_tensor x = host_tensor(b, &bx, 2, (int64_t[]){k, n_tok}, AI_TYPE_F32);
    struct ai_tensor y = host_tensor(b, &by, 2, (int64_t[]){rows, n_tok}, AI_TYPE_F32);
    struct ai_tensor bt = host_tensor(b, &bias, 1, (int64_t[]){rows}, AI_TYPE_F32);
    for (int64_t i = 0; i < k * rows; i++) wf[i] = check_rand_f32(&state);
    for (int64_t r = 0; r < rows; r++)
      tr->from_float(wf + r * k, (char *)bw->host + (size_t)r * w.nb[1], k);
    float *xv = bx->host, *bv = bias->host, *yv = by->host;
    for (int64_t i = 0; i < k * n_tok; i++) xv[i] = check_rand_f32(&state);
    for (int64_t r = 0; r < rows; r++) bv[r] = (float)r;
    b->ops->matmul(b->ctx, &w, &x, &bt, &y);
    double max_rel = 0;
    for (int64_t r = 0; r < rows; r++) {
      tr->to_float((char *)bw->host + (size_t)r * w.nb[1], deq, k);
      for (int64_t tk = 0; tk < n_tok; tk++) {
        double ref = r, norm = 0;
        for (int64_t i = 0; i < k; i++) {
          ref += (double)deq[i] * xv[tk * k + i];
          norm += fabs((double)deq[i] * xv[tk * k + i]);
        }
        double rel = fabs(yv[tk * rows + r] - ref) / norm;
        if (rel > max_rel) max_rel = rel;
      }
    }
    /* 8-bit activations: |error| <= ~1/127 of the sum of |terms| per block; 1% is generous. */
    if (max_rel > 0.01)
      printf("type %s: max relative error %g (seed %llu)\n", tr->name, max_rel,
             (unsigned long long)seed);
    CHECK(max_rel <= 0.01);
    b->ops->buffer_free(b->ctx, bw);
    b->ops->buffer_free(b->ctx, bx);
    b->ops->buffer_free(b->ctx, by);
    b->ops->buffer_free(b->ctx, bias);
  }
  free(wf);
  free(deq);
}

static void test_get_rows(struct ai_backend *b) {
  struct ai_buffer *bt, *bo;
  struct ai_tensor table = host_tensor(b, &bt, 2, (int64_t[]){32, 3}, AI_TYPE_Q8_0);
  struct ai_tensor out = host_tensor(b, &bo, 2, (int64_t[]){32, 2}, AI_TYPE_F32);
  float row[32];
  const struct ai_type_traits *tr = ai_type_traits_get(AI_TYPE_Q8_0);
  for (int r = 0; r < 3; r++) {
    for (int i = 0; i < 32; i++) row[i] = (float)(r * 100 + i - 16);
    tr->from_float(row, (char *)bt->host + r * table.nb[1], 32);
  }
  const int32_t ids[2] = {2, 0};
  b->ops->get_rows(b->ctx, &table, ids, 2, &out);
  float *ov = bo->host;
  /* Q8_0 with amax 215 has steps of 215/127: values come back within half a step. */
  CHECK_NEAR(ov[0], 200 - 16, 215.0 / 127 / 2 + 1e-3);
  CHECK_NEAR(ov[32 + 31], 15, 16.0 / 127 / 2 + 1e-3);
  b->ops->buffer_free(b->ctx, bt);
  b->ops->buffer_free(b->ctx, bo);
}

int main(void) {
  enum ai_isa isas[] = {AI_ISA_REF, ai_isa_detect()};
  for (int i = 0; i < 2; i++)
    for (int n_threads = 1; n_threads <= 3; n_threads += 2) {
      struct ai_backend b = make_backend(n_threads, isas[i]);
      test_rms_norm_and_add(&b);
      test_rope(&b);
      test_attention(&b);
      test_get_rows(&b);
      test_matmul(&b, 1234 + (uint64_t)n_threads);
      ai_backend_free(&b);
    }
  return check_exit();
}
