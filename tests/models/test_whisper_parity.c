/* Whisper parity with transformers: the random-weight models of tests/fixtures/whisper (made by
 * scripts/reference/make_whisper_fixtures.py, reference values computed in float64) are converted
 * with `$ANYINFER_BIN convert DIR OUT.gguf --type T`; the encoder output for the recorded log-mel
 * and the decoder logits of the forced token sequence must match: max |ours - ref| / max |ref|
 * <= 1e-4 for F32, <= 5e-3 for F16. The logits are checked twice: all tokens in one batch, and
 * one token at a time through the KV cache (in a second sequence slot, after a copy_seq of the
 * first tokens). The mel filters the converter computes must be transformers' (to 1e-6). */
#define _DEFAULT_SOURCE
#include <stdlib.h>
#include <unistd.h>

#include "backend/cpu/cpu_backend.h"
#include "base/file.h"
#include "check.h"
#include "format/gguf.h"
#include "models/whisper.h"

struct ref {
  uint32_t n_mel, n_frames, n_audio_ctx, d_model, n_vocab, n_tok;
  float *mel, *enc, *logits;
  int32_t *tokens;
  void *bytes;
};

static bool ref_load(const char *path, struct ref *r) {
  memset(r, 0, sizeof *r);
  FILE *f = fopen(path, "rb");
  if (!f) return false;
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  r->bytes = malloc((size_t)n);
  bool ok = r->bytes && fread(r->bytes, 1, (size_t)n, f) == (size_t)n;
  fclose(f);
  const char *p = r->bytes;
  if (!ok || n < 48 || memcmp(p, "AIWHISPR", 8) != 0) return false;
  uint32_t h[8];
  memcpy(h, p + 8, sizeof h);
  if (h[0] != 1) return false;
  r->n_mel = h[1], r->n_frames = h[2], r->n_audio_ctx = h[3], r->d_model = h[4];
  r->n_vocab = h[5], r->n_tok = h[6];
  size_t off = 40;
  size_t need = off +
                4 * ((size_t)r->n_mel * r->n_frames + (size_t)r->n_audio_ctx * r->d_model +
                     r->n_tok + (size_t)r->n_tok * r->n_vocab) +
                8;
  if ((size_t)n != need || memcmp(p + need - 8, "AIWHEND!", 8) != 0) return false;
  r->mel = (float *)(p + off);
  off += 4 * (size_t)r->n_mel * r->n_frames;
  r->enc = (float *)(p + off);
  off += 4 * (size_t)r->n_audio_ctx * r->d_model;
  r->tokens = (int32_t *)(p + off);
  off += 4 * (size_t)r->n_tok;
  r->logits = (float *)(p + off);
  return true;
}

static double max_rel(const float *a, const float *b, size_t n) {
  double err = 0, scale = 0;
  for (size_t i = 0; i < n; i++) {
    double d = fabs((double)a[i] - b[i]);
    if (d > err || d != d) err = d != d ? INFINITY : d;
    if (fabs(b[i]) > scale) scale = fabs(b[i]);
  }
  return err / (scale > 0 ? scale : 1);
}

static void check_file(const char *path, const struct ref *r, const char *label, double tol) {
  struct ai_alloc alloc = ai_alloc_default();
  struct ai_error err;
  ai_error_clear(&err);
  struct ai_file file = {.fd = -1};
  struct ai_gguf *g = NULL;
  struct ai_whisper m = {0};
  struct ai_backend b = {0};
  struct ai_whisper_state s = {0};
  float *logits = NULL;
  struct ai_reader reader;
  if (ai_file_open(&file, path, true, &err) != ANYINFER_OK) goto fail;
  reader = ai_file_reader(&file);
  if (ai_gguf_read(&reader, &alloc, &g, &err) != ANYINFER_OK ||
      ai_whisper_load(g, &alloc, &m, &err) != ANYINFER_OK)
    goto fail;
  CHECK_EQ(m.hp.n_mel, r->n_mel);
  CHECK_EQ(m.hp.n_audio_ctx, r->n_audio_ctx);
  CHECK_EQ(m.hp.n_vocab, r->n_vocab);
  /* the converter's mel filters are transformers' (tests/fixtures/audio, [n_mel][201]) */
  char fpath[128];
  snprintf(fpath, sizeof fpath, "tests/fixtures/audio/mel_filters%u.f32", r->n_mel);
  FILE *ff = fopen(fpath, "rb");
  float *want = malloc((size_t)r->n_mel * 201 * sizeof(float));
  CHECK(ff && want && m.mel_filters &&
        fread(want, sizeof(float), (size_t)r->n_mel * 201, ff) == (size_t)r->n_mel * 201);
  if (ff) fclose(ff);
  if (want && m.mel_filters) {
    const float *got = (const float *)(file.map + g->data_offset + m.mel_filters->offset);
    double worst = 0;
    for (size_t i = 0; i < (size_t)r->n_mel * 201; i++)
      worst = fmax(worst, fabs((double)got[i] - want[i]));
    CHECK(worst <= 1e-6);
  }
  free(want);
  struct ai_cpu_backend_params bp = {.n_threads = 2, .isa = ai_isa_detect()};
  ai_whisper_backend_limits(&m.hp, &bp.max_k, &bp.max_tok, &bp.max_ctx, &bp.max_head_dim);
  if (ai_cpu_backend_create(&alloc, &bp, &b, &err) != ANYINFER_OK ||
      ai_whisper_state_create(&m, &b, file.map + g->data_offset, file.size - g->data_offset, 2,
                              (int32_t)r->n_tok, (int32_t)r->n_tok, &s, &err) != ANYINFER_OK)
    goto fail;
  ai_whisper_encode(&m, &s, r->mel);
  double e_enc = max_rel(ai_tensor_row(&s.x, 0, 0, 0), r->enc, (size_t)r->n_audio_ctx * r->d_model);
  size_t n_logits = (size_t)r->n_tok * r->n_vocab;
  logits = malloc(n_logits * sizeof *logits);
  ai_whisper_decode(&m, &s, 0, r->tokens, (int32_t)r->n_tok, 0, true, logits);
  double e_batch = max_rel(logits, r->logits, n_logits);
  /* Token by token in slot 1, its first 3 positions copied from slot 0's cache. */
  ai_whisper_copy_seq(&m, &s, 1, 0, 3);
  double e_step = 0;
  for (uint32_t t = 3; t < r->n_tok; t++) {
    ai_whisper_decode(&m, &s, 1, r->tokens + t, 1, (int32_t)t, false, logits);
    double e = max_rel(logits, r->logits + (size_t)t * r->n_vocab, r->n_vocab);
    if (e > e_step) e_step = e;
  }
  printf("%-12s encoder %.2e, logits batch %.2e, step %.2e (tolerance %.0e)\n", label, e_enc,
         e_batch, e_step, tol);
  CHECK(e_enc <= tol);
  CHECK(e_batch <= tol);
  CHECK(e_step <= tol);
  goto done;
fail:
  fprintf(stderr, "%s: %s\n", label, err.msg);
  CHECK(false);
done:
  free(logits);
  ai_whisper_state_destroy(&s);
  ai_backend_free(&b);
  ai_whisper_unload(&m);
  ai_gguf_free(g);
  ai_file_close(&file);
}

int main(void) {
  const char *bin = getenv("ANYINFER_BIN");
  CHECK(bin != NULL);
  if (!bin) return check_exit();
  char tmp[] = "/tmp/anyinfer_whisper_XXXXXX";
  CHECK(mkdtemp(tmp) != NULL);
  const char *models[] = {"tiny80", "tiny128"};
  const struct {
    const char *type;
    double tol;
  } types[] = {{"f32", 1e-4}, {"f16", 5e-3}};
  for (int mi = 0; mi < 2; mi++) {
    char dir[256], path[600], cmd[1400], label[64];
    snprintf(dir, sizeof dir, "tests/fixtures/whisper/%s", models[mi]);
    snprintf(path, sizeof path, "%s/reference.bin", dir);
    struct ref r;
    bool ok = ref_load(path, &r);
    CHECK(ok);
    for (int ti = 0; ok && ti < 2; ti++) {
      snprintf(path, sizeof path, "%s/%s_%s.gguf", tmp, models[mi], types[ti].type);
      snprintf(cmd, sizeof cmd, "'%s' convert '%s' '%s' --type %s > /dev/null", bin, dir, path,
               types[ti].type);
      int rc = system(cmd);
      CHECK_EQ(rc, 0);
      snprintf(label, sizeof label, "%s %s", models[mi], types[ti].type);
      if (rc == 0) check_file(path, &r, label, types[ti].tol);
      remove(path);
    }
    free(r.bytes);
  }
  rmdir(tmp);
  return check_exit();
}
