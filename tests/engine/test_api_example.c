/* The usage example at the top of include/anyinfer.h, run as written (on a synthesized model),
 * so the header's first lines never lie. Includes nothing but the public header and libc. */
#include "anyinfer.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

static size_t n_bytes;

static bool print_piece(const char *text, size_t len, void *user_data) {
  (void)user_data;
  n_bytes += len;
  fwrite(text, 1, len, stdout);
  return true;
}

int main(void) {
  char path[128];
  snprintf(path, sizeof path, "/tmp/anyinfer-api-example-%d.gguf", (int)getpid());
  anyinfer_file_params fp;
  anyinfer_file_default_params(&fp);
  fp.type = "Q4_0";
  if (anyinfer_synth("test-llama", path, &fp) != ANYINFER_OK) return 1;

  anyinfer_model *model = NULL;
  if (anyinfer_model_load(path, NULL, &model) != ANYINFER_OK) return 1;
  anyinfer_session *session = NULL;
  if (anyinfer_session_create(model, NULL, &session) != ANYINFER_OK) return 1;
  int32_t prompt[256];
  size_t n_prompt = 0;
  anyinfer_tokenize(model, "Hello", 5, true, false, prompt, 256, &n_prompt);
  anyinfer_generate_params gp;
  anyinfer_generate_default_params(&gp);
  gp.max_tokens = 16;
  anyinfer_generate_result result;
  anyinfer_status st =
      anyinfer_session_generate(session, prompt, n_prompt, &gp, print_piece, NULL, &result);
  anyinfer_session_free(session);
  anyinfer_model_free(model);
  unlink(path);

  int failed = 0;
  failed += st != ANYINFER_OK;
  failed += n_prompt < 2; /* BOS + at least one piece of "Hello" */
  failed += result.n_generated_tokens < 1 || result.n_generated_tokens > 16;
  failed += result.stop_reason == ANYINFER_STOP_MAX_TOKENS && result.n_generated_tokens != 16;
  failed +=
      n_bytes == 0 && result.n_generated_tokens > 0 && result.stop_reason != ANYINFER_STOP_EOG;
  printf("\n%d passed, %d failed\n", 5 - failed, failed);
  return failed != 0;
}
