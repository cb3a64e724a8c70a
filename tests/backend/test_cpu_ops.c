/* CPU backend ops against hand-derived values and plain double-precision loops written here,
 * independent of src/backend: rms_norm, rope (both pairings, freq factors), attention (causal,
 * GQA; non-causal over a strided view), silu_mul, add, get_rows, matmul for every weight type at
 * odd sizes and thread counts, and Whisper's layer_norm, gelu and conv1d. */
#include "backend/cpu/cpu_backend.h"
#include "base/fp16.h"
#include "check.h"

static struct ai_backend make_backend(int n_threads, enum ai_isa isa) {
  struct ai_alloc a = ai_alloc_default();
  struct ai_cpu_backend_params p = {.n_threads = n_threads,
                                    .max_k = 4096,
                                    .max_tok = 16,
                                    .max_ctx = 64,
                                    .isa = isa,
                                    .max_head_dim = 32};
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

/* Non-causal attention as Whisper's encoder runs it: K and V are the matmul outputs
 * [n_head * head_dim, n_kv] seen as strided [head_dim, n_kv, n_head] views; enough queries for
 * the blocked path, a few for the per-query one. */
static void test_attention_wide(struct ai_backend *b, uint64_t seed) {
  uint64_t state = seed;
  const int64_t head_dim = 29, n_head = 3, n_kv = 53,
                dim = head_dim * n_head; /* 29: 8-wide + tail */
  const int64_t n_qs[] = {1, 37};
  for (int qi = 0; qi < 2; qi++) {
    int64_t n_q = n_qs[qi];
    struct ai_buffer *bq, *bk, *bv, *bo;
    struct ai_tensor q = host_tensor(b, &bq, 3, (int64_t[]){head_dim, n_head, n_q}, AI_TYPE_F32);
    struct ai_tensor o = host_tensor(b, &bo, 3, (int64_t[]){head_dim, n_head, n_q}, AI_TYPE_F32);
    struct ai_tensor k = host_tensor(b, &bk, 2, (int64_t[]){dim, n_kv}, AI_TYPE_F32);
    struct ai_tensor v = host_tensor(b, &bv, 2, (int64_t[]){dim, n_kv}, AI_TYPE_F32);
    float *qv = bq->host, *kv = bk->host, *vv = bv->host, *ov = bo->host;
    for (int64_t i = 0; i < dim * n_q; i++) qv[i] = 2.0f * check_rand_f32(&state);
    for (int64_t i = 0; i < dim * n_kv; i++)
      kv[i] = 2.0f * check_rand_f32(&state), vv[i] = check_rand_f32(&state);
    struct ai_tensor kh = k, vh = v;
    kh.ne[0] = vh.ne[0] = head_dim;
    kh.ne[1] = vh.ne[1] = n_kv;
    kh.ne[2] = vh.ne[2] = n_head;
    kh.nb[1] = vh.nb[1] = (size_t)dim * sizeof(float);
    kh.nb[2] = vh.nb[2] = (size_t)head_dim * sizeof(float);
    kh.nb[3] = vh.nb[3] = (size_t)dim * (size_t)n_kv * sizeof(float);
    struct ai_attention_params p = {.n_past = 5, .scale = 0.3f, .is_causal = false};
    b->ops->attention(b->ctx, &q, &kh, &vh, &p, &o);
    for (int64_t t = 0; t < n_q; t++)
      for (int64_t h = 0; h < n_head; h++) {
        double w[53], sum = 0, max = -1e300;
        const float *qr = qv + (t * n_head + h) * head_dim;
        for (int64_t j = 0; j < n_kv; j++) {
          double s = 0;
          for (int64_t i = 0; i < head_dim; i++)
            s += (double)qr[i] * kv[j * dim + h * head_dim + i];
          w[j] = 0.3 * s;
          if (w[j] > max) max = w[j];
        }
        for (int64_t j = 0; j < n_kv; j++) sum += w[j] = exp(w[j] - max);
        for (int64_t i = 0; i < head_dim; i++) {
          double out = 0;
          for (int64_t j = 0; j < n_kv; j++) out += w[j] / sum * vv[j * dim + h * head_dim + i];
          CHECK_NEAR(ov[(t * n_head + h) * head_dim + i], out, 1e-5);
        }
      }
    struct ai_buffer *bufs[] = {bq, bk, bv, bo};
    for (int i = 0; i < 4; i++) b->ops->buffer_free(b->ctx, bufs[i]);
  }
}

/* layer_norm, gelu and conv1d (stride 1 and 2, padding 1) against double-precision loops. */
static void test_whisper_ops(struct ai_backend *b, uint64_t seed) {
  uint64_t state = seed;
  struct ai_buffer *bx, *bw, *bb, *bo;
  const int64_t n = 37, n_tok = 5;
  struct ai_tensor x = host_tensor(b, &bx, 2, (int64_t[]){n, n_tok}, AI_TYPE_F32);
  struct ai_tensor w = host_tensor(b, &bw, 1, (int64_t[]){n}, AI_TYPE_F32);
  struct ai_tensor bias = host_tensor(b, &bb, 1, (int64_t[]){n}, AI_TYPE_F32);
  struct ai_tensor o = host_tensor(b, &bo, 2, (int64_t[]){n, n_tok}, AI_TYPE_F32);
  float *xv = bx->host, *wv = bw->host, *bv = bb->host, *ov = bo->host;
  for (int64_t i = 0; i < n * n_tok; i++) xv[i] = 3.0f * check_rand_f32(&state) + 1.0f;
  for (int64_t i = 0; i < n; i++) wv[i] = check_rand_f32(&state), bv[i] = check_rand_f32(&state);
  b->ops->layer_norm(b->ctx, &x, &w, &bias, 1e-5f, &o);
  for (int64_t t = 0; t < n_tok; t++) {
    double mean = 0, var = 0;
    for (int64_t i = 0; i < n; i++) mean += xv[t * n + i];
    mean /= n;
    for (int64_t i = 0; i < n; i++) var += (xv[t * n + i] - mean) * (xv[t * n + i] - mean);
    var /= n;
    for (int64_t i = 0; i < n; i++)
      CHECK_NEAR(ov[t * n + i], (xv[t * n + i] - mean) / sqrt(var + 1e-5) * wv[i] + bv[i], 1e-5);
  }
  b->ops->gelu(b->ctx, &x, &o);
  for (int64_t i = 0; i < n * n_tok; i++)
    CHECK_NEAR(ov[i], 0.5 * xv[i] * (1.0 + erf(xv[i] / sqrt(2.0))), 1e-5 * (1 + fabs(xv[i])));
  /* gelu in place, at known points: gelu(0) = 0, gelu(1) = Phi(1) = 0.841345, gelu(-1). */
  xv[0] = 0.0f, xv[1] = 1.0f, xv[2] = -1.0f;
  b->ops->gelu(b->ctx, &x, &x);
  CHECK_NEAR(xv[0], 0.0, 1e-7);
  CHECK_NEAR(xv[1], 0.8413447460685429, 1e-6);
  CHECK_NEAR(xv[2], -0.15865525393145707, 1e-6);
  struct ai_buffer *bufs[] = {bx, bw, bb, bo};
  for (int i = 0; i < 4; i++) b->ops->buffer_free(b->ctx, bufs[i]);

  const int types[] = {AI_TYPE_F32, AI_TYPE_F16};
  for (int ti = 0; ti < 2; ti++)
    for (int stride = 1; stride <= 2; stride++) {
      const int64_t k = 3, c_in = 5, c_out = 19, t_in = 9;
      const int64_t t_out = (t_in + 2 - k) / stride + 1;
      struct ai_buffer *bcx, *bcw, *bcb, *bcc, *bco;
      struct ai_tensor cx = host_tensor(b, &bcx, 2, (int64_t[]){c_in, t_in}, AI_TYPE_F32);
      struct ai_tensor cw = host_tensor(b, &bcw, 3, (int64_t[]){k, c_in, c_out}, types[ti]);
      struct ai_tensor cb = host_tensor(b, &bcb, 1, (int64_t[]){c_out}, AI_TYPE_F32);
      struct ai_tensor cc = host_tensor(b, &bcc, 2, (int64_t[]){k * c_in, t_out}, AI_TYPE_F32);
      struct ai_tensor co = host_tensor(b, &bco, 2, (int64_t[]){c_out, t_out}, AI_TYPE_F32);
      float wf[3 * 5 * 19], *cxv = bcx->host, *cbv = bcb->host, *cov = bco->host;
      for (int64_t i = 0; i < k * c_in * c_out; i++) wf[i] = check_rand_f32(&state);
      ai_type_traits_get(types[ti])->from_float(wf, bcw->host, k * c_in * c_out);
      ai_type_traits_get(types[ti])->to_float(bcw->host, wf, k * c_in * c_out);
      for (int64_t i = 0; i < c_in * t_in; i++) cxv[i] = check_rand_f32(&state);
      for (int64_t i = 0; i < c_out; i++) cbv[i] = check_rand_f32(&state);
      struct ai_conv1d_params cp = {.stride = stride, .pad = 1};
      b->ops->conv1d(b->ctx, &cw, &cx, &cb, &cp, &cc, &co);
      for (int64_t t = 0; t < t_out; t++)
        for (int64_t oc = 0; oc < c_out; oc++) {
          double ref = cbv[oc], tol = 0;
          for (int64_t c = 0; c < c_in; c++)
            for (int64_t j = 0; j < k; j++) {
              int64_t src = t * stride + j - 1;
              if (src < 0 || src >= t_in) continue;
              double term = (double)wf[(oc * c_in + c) * k + j] * cxv[src * c_in + c];
              ref += term;
              tol += fabs(term);
            }
          /* F16 weights take F16 activations: about 2^-11 of the sum of |terms|. */
          CHECK_NEAR(cov[t * c_out + oc], ref, 1e-6 + tol * (ti ? 2e-3 : 1e-6));
        }
      struct ai_buffer *cbufs[] = {bcx, bcw, bcb, bcc, bco};
      for (int i = 0; i < 5; i++) b->ops->buffer_free(b->ctx, cbufs[i]);
    }
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
      test_whisper_ops(&b, 99 + (uint64_t)n_threads);
      test_attention_wide(&b, 7 + (uint64_t)n_threads);
      test_matmul(&b, 1234 + (uint64_t)n_threads);
      ai_backend_free(&b);
    }
  return check_exit();
}
