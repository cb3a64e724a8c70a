/* `anyinfer convert-vocab DIR OUT.gguf`: a Hugging Face tokenizer.json (+ tokenizer_config.json)
 * as a vocab-only GGUF (tokenizer.ggml.* metadata, no tensors), via hf_vocab.c. */
#include <string.h>

#include "cli.h"
#include "hf_vocab.h"

static void usage(FILE *out) {
  fprintf(
      out,
      "usage: anyinfer convert-vocab [--arch NAME] DIR OUT.gguf\n\n"
      "Writes the tokenizer of DIR/tokenizer.json (and DIR/tokenizer_config.json, if present)\n"
      "as a vocab-only GGUF with llama.cpp's tokenizer.ggml.* keys.\n"
      "  --arch NAME   general.architecture (default: qwen2 for Qwen2 tokenizers, else llama)\n");
}

int cmd_convert_vocab(int argc, char **argv) {
  const char *arch = NULL, *pos[2] = {NULL, NULL};
  int n_pos = 0;
  for (int i = 1; i < argc; i++) {
    if (cli_is_help(argv[i])) return usage(stdout), 0;
    if (strcmp(argv[i], "--arch") == 0) {
      if (!cli_str_arg(argc, argv, &i, &arch)) return usage(stderr), 2;
    } else if (argv[i][0] == '-' && argv[i][1] != '\0') {
      fprintf(stderr, "anyinfer convert-vocab: unknown option '%s'\n", argv[i]);
      return usage(stderr), 2;
    } else if (n_pos < 2) {
      pos[n_pos++] = argv[i];
    } else {
      fprintf(stderr, "anyinfer convert-vocab: unexpected argument '%s'\n", argv[i]);
      return usage(stderr), 2;
    }
  }
  if (n_pos != 2) {
    fprintf(stderr, "anyinfer convert-vocab: need DIR and OUT.gguf\n");
    return usage(stderr), 2;
  }
  struct hf_vocab v;
  char err[1024];
  if (!hf_vocab_load(pos[0], arch, &v, err, sizeof err)) {
    fprintf(stderr, "anyinfer convert-vocab: %s\n", err);
    return 1;
  }
  bool ok = hf_vocab_write_gguf(&v, pos[1], err, sizeof err);
  if (ok) {
    fprintf(stderr, "anyinfer convert-vocab: %s: %s/%s, %zu tokens, %zu merges\n", pos[1], v.model,
            v.pre, v.n_tokens, v.n_merges);
  } else {
    fprintf(stderr, "anyinfer convert-vocab: %s\n", err);
  }
  hf_vocab_free(&v);
  return ok ? 0 : 1;
}
