/* `anyinfer quantize`: rewrites a GGUF's weights in another type (anyinfer_quantize). */
#include <string.h>

#include "cli.h"

static void usage(FILE *out) {
  fprintf(out,
          "usage: anyinfer quantize IN.gguf OUT.gguf TYPE\n\n"
          "Requantizes every 2-D weight of IN into TYPE (1-D tensors stay F32) and copies all\n"
          "metadata, with general.file_type set as llama.cpp numbers it.\n"
          "  TYPE  F32 F16 BF16 Q8_0 Q4_0 Q4_1 Q5_0 Q5_1 Q4_K Q5_K Q6_K, or the llama.cpp\n"
          "        mixes Q4_K_M Q5_K_M\n");
}

int cmd_quantize(int argc, char **argv) {
  const char *pos[3] = {NULL, NULL, NULL};
  int n_pos = 0;
  for (int i = 1; i < argc; i++) {
    if (cli_is_help(argv[i])) return usage(stdout), 0;
    if (argv[i][0] == '-' && argv[i][1] != '\0') {
      fprintf(stderr, "anyinfer quantize: unknown option '%s'\n", argv[i]);
      return usage(stderr), 2;
    }
    if (n_pos == 3) {
      fprintf(stderr, "anyinfer quantize: unexpected argument '%s'\n", argv[i]);
      return usage(stderr), 2;
    }
    pos[n_pos++] = argv[i];
  }
  if (n_pos != 3) {
    fprintf(stderr, "anyinfer quantize: IN.gguf, OUT.gguf and TYPE are required\n");
    return usage(stderr), 2;
  }
  anyinfer_file_params p;
  anyinfer_file_default_params(&p);
  p.type = pos[2];
  p.log = cli_log_stderr;
  p.progress = cli_progress_bar;
  p.progress_user_data = (void *)"quantize";
  return anyinfer_quantize(pos[0], pos[1], &p) == ANYINFER_OK ? 0 : 1;
}
