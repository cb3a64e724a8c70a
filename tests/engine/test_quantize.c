/* Tests for anyinfer_quantize (src/engine/quantize.c): F32 -> Q8_0 within Q8_0's error bound of
 * the F32 source, metadata copied with general.file_type rewritten, 1-D tensors kept F32 bit for
 * bit, Q8_0 -> F32 exact, progress and cancellation, and errors. */
#define _POSIX_C_SOURCE 200809L
#include <unistd.h>

#include "base/file.h"
#include "check.h"
#include "format/gguf.h"
#include "tensor/types.h"

static char g_dir[256];

static const char *tmp_path(const char *name) {
  static char path[4][512];
  static int slot;
  char *p = path[slot++ % 4];
  snprintf(p, 512, "%s/%s", g_dir, name);
  return p;
}

struct file {
  struct ai_file f;
  struct ai_reader r;
  struct ai_gguf *g;
};

static bool open_gguf(struct file *fl, const char *path) {
  struct ai_error err;
  struct ai_alloc a = ai_alloc_default();
  fl->g = NULL;
  fl->f.fd = -1;
  if (ai_file_open(&fl->f, path, true, &err) != ANYINFER_OK) {
    fprintf(stderr, "open %s: %s\n", path, err.msg);
    return false;
  }
  fl->r = ai_file_reader(&fl->f);
  if (ai_gguf_read(&fl->r, &a, &fl->g, &err) != ANYINFER_OK || !fl->r.data) {
    fprintf(stderr, "read %s: %s\n", path, err.msg);
    ai_gguf_free(fl->g);
    ai_file_close(&fl->f);
    return false;
  }
  return true;
}

static void close_gguf(struct file *fl) {
  ai_gguf_free(fl->g);
  ai_file_close(&fl->f);
}

static const uint8_t *tensor_data(const struct file *fl, const struct ai_gguf_tensor *t) {
  return fl->r.data + fl->g->data_offset + t->offset;
}

struct progress {
  int calls;
  float last;
  bool monotonic;
  int cancel_after; /* 0: never */
};

static bool on_progress(float fraction, void *user_data) {
  struct progress *p = user_data;
  if (fraction < p->last) p->monotonic = false;
  p->last = fraction;
  p->calls++;
  return !(p->cancel_after && p->calls >= p->cancel_after);
}

static anyinfer_status quantize(const char *in, const char *out, const char *type,
                                struct progress *prog, char *errbuf, size_t cap) {
  anyinfer_file_params p;
  anyinfer_file_default_params(&p);
  p.type = type;
  p.error_buf = errbuf;
  p.error_cap = cap;
  if (prog) {
    p.progress = on_progress;
    p.progress_user_data = prog;
  }
  return anyinfer_quantize(in, out, &p);
}

static bool same_value(const struct ai_gguf_value *a, const struct ai_gguf_value *b) {
  if (a->type != b->type) return false;
  switch (a->type) {
    case AI_GGUF_STRING:
      return a->v.str.len == b->v.str.len &&
             memcmp(a->v.str.data, b->v.str.data, a->v.str.len) == 0;
    case AI_GGUF_ARRAY: {
      if (a->v.arr.elem_type != b->v.arr.elem_type || a->v.arr.count != b->v.arr.count)
        return false;
      if (a->v.arr.elem_type == AI_GGUF_STRING) {
        const struct ai_gguf_str *x = a->v.arr.elems, *y = b->v.arr.elems;
        for (uint64_t i = 0; i < a->v.arr.count; i++)
          if (x[i].len != y[i].len || memcmp(x[i].data, y[i].data, x[i].len) != 0) return false;
        return true;
      }
      size_t es = ai_gguf_vtype_size(a->v.arr.elem_type);
      return es && memcmp(a->v.arr.elems, b->v.arr.elems, es * a->v.arr.count) == 0;
    }
    default:
      return memcmp(&a->v, &b->v, sizeof a->v) == 0;
  }
}

/* Q8_0 (llama.cpp ggml-quants.c quantize_row_q8_0_ref): per block of 32, d = amax / 127, q =
 * round(x / d), stored d rounded to f16. |x - q * fp16(d)| <= d / 2 + 127 * |d - fp16(d)|
 * <= d * (0.5 + 127 * 2^-11) < 0.57 d. */
static void test_f32_to_q8_0(void) {
  const char *src = tmp_path("src-f32.gguf"), *dst = tmp_path("dst-q8_0.gguf");
  const char *back = tmp_path("back-f32.gguf");
  char errbuf[256] = "";
  anyinfer_file_params sp;
  anyinfer_file_default_params(&sp);
  sp.type = "F32";
  sp.seed = 5;
  CHECK_EQ(anyinfer_synth("test-llama", src, &sp), ANYINFER_OK);
  struct progress prog = {.monotonic = true};
  anyinfer_status st = quantize(src, dst, "Q8_0", &prog, errbuf, sizeof errbuf);
  if (st != ANYINFER_OK) fprintf(stderr, "quantize: %s\n", errbuf);
  CHECK_EQ(st, ANYINFER_OK);
  CHECK(prog.calls >= 2 && prog.monotonic && prog.last == 1.0f);

  struct file a, b;
  if (!open_gguf(&a, src)) {
    CHECK(!"open src");
    return;
  }
  if (!open_gguf(&b, dst)) {
    CHECK(!"open dst");
    close_gguf(&a);
    return;
  }
  /* Metadata: every key of the source, same value, except general.file_type = 7
   * (LLAMA_FTYPE_MOSTLY_Q8_0); general.quantization_version may be added. */
  uint32_t ft = 0;
  struct ai_error err;
  CHECK_EQ(ai_gguf_get_u32(b.g, "general.file_type", &ft, &err), ANYINFER_OK);
  CHECK_EQ(ft, 7);
  for (uint64_t i = 0; i < a.g->n_kv; i++) {
    const char *key = a.g->kv[i].key.data;
    int64_t j = ai_gguf_find_key(b.g, key);
    CHECK(j >= 0);
    if (j < 0 || strcmp(key, "general.file_type") == 0) continue;
    if (!same_value(&a.g->kv[i].value, &b.g->kv[j].value)) fprintf(stderr, "kv %s differs\n", key);
    CHECK(same_value(&a.g->kv[i].value, &b.g->kv[j].value));
  }
  /* Tensors: same names and shapes; 2-D Q8_0 within the bound; 1-D F32 identical. */
  CHECK_EQ(a.g->n_tensors, b.g->n_tensors);
  const struct ai_type_traits *q8 = ai_type_traits_get(AI_TYPE_Q8_0);
  for (uint64_t i = 0; i < a.g->n_tensors && i < b.g->n_tensors; i++) {
    const struct ai_gguf_tensor *ta = &a.g->tensors[i], *tb = &b.g->tensors[i];
    CHECK_STREQ(ta->name.data, tb->name.data);
    CHECK(ta->ne[0] == tb->ne[0] && ta->ne[1] == tb->ne[1] && ta->n_dims == tb->n_dims);
    CHECK_EQ(ta->type, AI_TYPE_F32);
    const float *x = (const float *)tensor_data(&a, ta);
    int64_t n = ta->ne[0] * ta->ne[1];
    if (ta->n_dims == 1) {
      CHECK_EQ(tb->type, AI_TYPE_F32);
      CHECK(memcmp(x, tensor_data(&b, tb), (size_t)n * 4) == 0);
      continue;
    }
    CHECK_EQ(tb->type, AI_TYPE_Q8_0);
    if (tb->type != AI_TYPE_Q8_0 || !q8) continue;
    float *y = malloc((size_t)n * sizeof *y);
    q8->to_float(tensor_data(&b, tb), y, n);
    int bad = 0;
    double max_rel = 0;
    for (int64_t blk = 0; blk < n / 32; blk++) {
      float amax = 0;
      for (int k = 0; k < 32; k++) amax = fmaxf(amax, fabsf(x[blk * 32 + k]));
      float d = amax / 127.0f;
      for (int k = 0; k < 32; k++) {
        float e = fabsf(x[blk * 32 + k] - y[blk * 32 + k]);
        if (e > 0.57f * d) bad++;
        if (d > 0 && e / d > max_rel) max_rel = e / d;
      }
    }
    if (bad) fprintf(stderr, "%s: %d values off, max err %.3f d\n", ta->name.data, bad, max_rel);
    CHECK_EQ(bad, 0);
    free(y);
  }

  /* Q8_0 -> F32: exactly the Q8_0 values. */
  CHECK_EQ(quantize(dst, back, "F32", NULL, errbuf, sizeof errbuf), ANYINFER_OK);
  struct file c;
  if (open_gguf(&c, back)) {
    CHECK_EQ(ai_gguf_get_u32(c.g, "general.file_type", &ft, &err), ANYINFER_OK);
    CHECK_EQ(ft, 0);
    const struct ai_gguf_tensor *tb = ai_gguf_find_tensor(b.g, "blk.1.ffn_down.weight");
    const struct ai_gguf_tensor *tc = ai_gguf_find_tensor(c.g, "blk.1.ffn_down.weight");
    CHECK(tb && tc && tc->type == AI_TYPE_F32);
    if (tb && tc && q8) {
      int64_t n = tb->ne[0] * tb->ne[1];
      float *y = malloc((size_t)n * sizeof *y);
      q8->to_float(tensor_data(&b, tb), y, n);
      CHECK(memcmp(y, tensor_data(&c, tc), (size_t)n * 4) == 0);
      free(y);
    }
    close_gguf(&c);
  } else {
    CHECK(!"open back");
  }
  close_gguf(&a);
  close_gguf(&b);

  /* Same type in and out: tensor bytes copied as they are. */
  CHECK_EQ(quantize(dst, back, "Q8_0", NULL, errbuf, sizeof errbuf), ANYINFER_OK);
  if (open_gguf(&b, dst) && open_gguf(&c, back)) {
    for (uint64_t i = 0; i < b.g->n_tensors; i++) {
      const struct ai_gguf_tensor *tb = &b.g->tensors[i], *tc = &c.g->tensors[i];
      CHECK(tb->bytes == tc->bytes &&
            memcmp(tensor_data(&b, tb), tensor_data(&c, tc), (size_t)tb->bytes) == 0);
    }
    close_gguf(&b);
    close_gguf(&c);
  }
  unlink(src);
  unlink(dst);
  unlink(back);
}

/* Q4_K_M of test-llama (rows of 64 and 128, 2 layers) through the quantizer: every 2-D weight
 * Q5_0 (Q4_K's fallback), except output.weight and layer 1's attn_v / ffn_down (use_more_bits
 * (1, 2) holds: 1 >= 7*2/8 = 1), which want Q6_K and fall back to Q8_0. */
static void test_mix_types(void) {
  const char *src = tmp_path("mix-src.gguf"), *dst = tmp_path("mix-dst.gguf");
  anyinfer_file_params sp;
  anyinfer_file_default_params(&sp);
  sp.type = "F16";
  CHECK_EQ(anyinfer_synth("test-llama", src, &sp), ANYINFER_OK);
  char errbuf[256] = "";
  anyinfer_status st = quantize(src, dst, "Q4_K_M", NULL, errbuf, sizeof errbuf);
  if (st != ANYINFER_OK) fprintf(stderr, "quantize Q4_K_M: %s\n", errbuf);
  CHECK_EQ(st, ANYINFER_OK);
  struct file b;
  if (st == ANYINFER_OK && open_gguf(&b, dst)) {
    uint32_t ft = 0;
    struct ai_error err;
    CHECK_EQ(ai_gguf_get_u32(b.g, "general.file_type", &ft, &err), ANYINFER_OK);
    CHECK_EQ(ft, 15);
    for (uint64_t i = 0; i < b.g->n_tensors; i++) {
      const struct ai_gguf_tensor *t = &b.g->tensors[i];
      const char *n = t->name.data;
      int want = AI_TYPE_Q5_0;
      if (t->n_dims == 1) want = AI_TYPE_F32;
      if (!strcmp(n, "output.weight") || !strcmp(n, "blk.1.attn_v.weight") ||
          !strcmp(n, "blk.1.ffn_down.weight"))
        want = AI_TYPE_Q8_0;
      if (t->type != want) fprintf(stderr, "Q4_K_M %s: %d, want %d\n", n, t->type, want);
      CHECK_EQ(t->type, want);
    }
    close_gguf(&b);
  }
  unlink(src);
  unlink(dst);
}

static void test_errors_and_cancel(void) {
  const char *src = tmp_path("err-src.gguf"), *dst = tmp_path("err-dst.gguf");
  char errbuf[256] = "";
  CHECK_EQ(quantize(src, dst, "Q4_0", NULL, errbuf, sizeof errbuf), ANYINFER_E_IO);
  CHECK(strstr(errbuf, "err-src.gguf") != NULL);
  anyinfer_file_params sp;
  anyinfer_file_default_params(&sp);
  sp.type = "F32";
  CHECK_EQ(anyinfer_synth("test-llama", src, &sp), ANYINFER_OK);
  CHECK_EQ(quantize(src, dst, "Q2_K", NULL, errbuf, sizeof errbuf), ANYINFER_E_INVAL);
  CHECK(strstr(errbuf, "'Q2_K'") != NULL);
  CHECK_EQ(quantize(src, NULL, "Q4_0", NULL, errbuf, sizeof errbuf), ANYINFER_E_INVAL);
  /* A file that is not GGUF. */
  FILE *f = fopen(dst, "wb");
  if (f) {
    fputs("not a gguf file at all, just text", f);
    fclose(f);
  }
  CHECK_EQ(quantize(dst, src, "Q4_0", NULL, errbuf, sizeof errbuf), ANYINFER_E_FORMAT);
  unlink(dst);
  /* Cancelled by the progress callback: ANYINFER_E_CANCELLED and no output file. */
  struct progress prog = {.monotonic = true, .cancel_after = 2};
  CHECK_EQ(quantize(src, dst, "Q4_0", &prog, errbuf, sizeof errbuf), ANYINFER_E_CANCELLED);
  CHECK(access(dst, F_OK) != 0);
  unlink(src);
}

int main(void) {
  const char *tmp = getenv("TMPDIR");
  snprintf(g_dir, sizeof g_dir, "%s/anyinfer-quantize-%ld", tmp && *tmp ? tmp : "/tmp",
           (long)getpid());
  char cmd[400];
  snprintf(cmd, sizeof cmd, "mkdir -p '%s'", g_dir);
  if (system(cmd) != 0) return 1;
  test_f32_to_q8_0();
  test_mix_types();
  test_errors_and_cancel();
  rmdir(g_dir);
  return check_exit();
}
