/* `anyinfer info`: architecture, hyperparameters, metadata and tensors of a GGUF file. */
#include <string.h>

#include "cli.h"

static void usage(FILE *out) {
  fprintf(out,
          "usage: anyinfer info -m MODEL [--tensors] [--all]\n"
          "       anyinfer info --devices\n\n"
          "Prints the model's architecture and hyperparameters and its metadata.\n"
          "  --devices   the GPU the webgpu backend would use: adapter, limits, features\n"
          "  --tensors   also list every tensor (name, type, shape, offset)\n"
          "  --all       print arrays in full (default: the first 8 items)\n");
}

int cmd_info(int argc, char **argv) {
  const char *path = NULL;
  bool tensors = false, all = false;
  for (int i = 1; i < argc; i++) {
    if (cli_is_help(argv[i])) return usage(stdout), 0;
    if (strcmp(argv[i], "-m") == 0 || strcmp(argv[i], "--model") == 0) {
      if (!cli_str_arg(argc, argv, &i, &path)) return usage(stderr), 2;
    } else if (strcmp(argv[i], "--tensors") == 0) {
      tensors = true;
    } else if (strcmp(argv[i], "--all") == 0) {
      all = true;
    } else if (strcmp(argv[i], "--devices") == 0) {
      char text[4096];
      size_t len;
      anyinfer_status st = anyinfer_devices_describe(text, sizeof text, &len);
      fputs(text, st == ANYINFER_OK ? stdout : stderr);
      return st == ANYINFER_OK ? 0 : 1;
    } else {
      fprintf(stderr, "anyinfer info: unknown option '%s'\n", argv[i]);
      return usage(stderr), 2;
    }
  }
  if (!path) {
    fprintf(stderr, "anyinfer info: -m is required\n");
    return usage(stderr), 2;
  }
  /* Metadata and tensor infos need no weights: a vocab-only load skips mapping the data. */
  anyinfer_model *m = cli_load_model(path, true, false);
  if (!m) return 1;
  anyinfer_model_info info;
  anyinfer_model_get_info(m, &info);
  printf("file:          %s (%.2f MiB, GGUF v%u)\n", path, (double)info.file_bytes / 1048576.0,
         info.gguf_version);
  printf("architecture:  %s\n", info.architecture);
  printf("name:          %s\n", info.name);
  printf("type:          %s\n", info.file_type);
  printf("parameters:    %.3f M\n", (double)info.n_params / 1e6);
  printf("vocabulary:    %d tokens (bos %d, eos %d)\n", info.n_vocab, info.bos_token,
         info.eos_token);
  printf("\nmetadata (%zu keys):\n", anyinfer_model_meta_count(m));
  static char value[1 << 16];
  for (size_t i = 0; i < anyinfer_model_meta_count(m); i++) {
    size_t len;
    anyinfer_model_meta_value(m, i, all ? 0 : 8, value, sizeof value, &len);
    /* Long values (chat templates) are cut on a single line. */
    for (char *c = value; *c; c++)
      if (*c == '\n') *c = ' ';
    printf("  %-44s %.*s%s\n", anyinfer_model_meta_key(m, i), all ? (int)sizeof value : 160, value,
           !all && strlen(value) > 160 ? "..." : "");
  }
  printf("\ntensors: %zu\n", anyinfer_model_tensor_count(m));
  for (size_t i = 0; tensors && i < anyinfer_model_tensor_count(m); i++) {
    anyinfer_tensor_info t;
    anyinfer_model_tensor_get(m, i, &t);
    printf("  %-32s %-5s [%lld", t.name, t.type, (long long)t.ne[0]);
    for (int d = 1; d < t.n_dims; d++) printf(", %lld", (long long)t.ne[d]);
    printf("] @%llu\n", (unsigned long long)t.offset);
  }
  anyinfer_model_free(m);
  return 0;
}
