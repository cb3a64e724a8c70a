/* `anyinfer convert HF_DIR OUT.gguf [--type T]`: a Hugging Face model folder (config.json,
 * safetensors, tokenizer.json) as a llama.cpp-compatible GGUF, via convert_hf.c; or a
 * whisper.cpp ggml-*.bin file as a "whisper" GGUF, via convert_ggml.c. */
#include <string.h>

#include "cli.h"
#include "convert_ggml.h"
#include "convert_hf.h"

static void usage(FILE *out) {
  fprintf(out,
          "usage: anyinfer convert HF_DIR OUT.gguf [--type T]\n\n"
          "Converts a Hugging Face model folder (LlamaForCausalLM, MistralForCausalLM,\n"
          "Qwen2ForCausalLM: config.json, model.safetensors or sharded with\n"
          "model.safetensors.index.json, tokenizer.json, tokenizer_config.json,\n"
          "generation_config.json) into a GGUF with llama.cpp's tensor names and keys;\n"
          "WhisperForConditionalGeneration folders too. A whisper.cpp ggml-*.bin file\n"
          "in place of HF_DIR becomes a Whisper GGUF with its tensors' types unchanged.\n"
          "  --type T   f32 f16 bf16 q8_0 q4_0 q4_k q6_k q4_k_m (default f16; any case).\n"
          "             1-D tensors stay F32; q4_k_m uses llama.cpp's mix rules.\n");
}

int cmd_convert(int argc, char **argv) {
  const char *type = "F16", *pos[2] = {NULL, NULL};
  int n_pos = 0;
  for (int i = 1; i < argc; i++) {
    if (cli_is_help(argv[i])) return usage(stdout), 0;
    if (strcmp(argv[i], "--type") == 0 || strcmp(argv[i], "--outtype") == 0) {
      if (!cli_str_arg(argc, argv, &i, &type)) return usage(stderr), 2;
    } else if (argv[i][0] == '-' && argv[i][1] != '\0') {
      fprintf(stderr, "anyinfer convert: unknown option '%s'\n", argv[i]);
      return usage(stderr), 2;
    } else if (n_pos < 2) {
      pos[n_pos++] = argv[i];
    } else {
      fprintf(stderr, "anyinfer convert: unexpected argument '%s'\n", argv[i]);
      return usage(stderr), 2;
    }
  }
  if (n_pos != 2) {
    fprintf(stderr, "anyinfer convert: need HF_DIR and OUT.gguf\n");
    return usage(stderr), 2;
  }
  struct hf_convert_params p = {.dir = pos[0],
                                .out_path = pos[1],
                                .type = type,
                                .progress = cli_progress_bar,
                                .progress_user_data = (void *)"convert"};
  char err[2048];
  bool ok =
      ggml_whisper_is_file(pos[0])
          ? ggml_whisper_convert(pos[0], pos[1], p.progress, p.progress_user_data, err, sizeof err)
          : hf_convert(&p, err, sizeof err);
  if (!ok) {
    fprintf(stderr, "anyinfer convert: %s\n", err);
    return 1;
  }
  fprintf(stderr, "anyinfer convert: wrote %s\n", pos[1]);
  return 0;
}
