/* Shared flags of `run` and `chat`. */
#include "gen_options.h"

#include <string.h>

const char gen_options_help[] =
    "  -m, --model FILE        GGUF model (required)\n"
    "  -n, --n-predict N       tokens to generate (-1: until end of text; default 256)\n"
    "  -c, --ctx-size N        context length (default: the model's, at most 4096)\n"
    "  -b, --batch-size N      prompt tokens per forward pass (default 256)\n"
    "  -t, --threads N         CPU threads (default: all cores)\n" CLI_BACKEND_HELP
    "      --temp T            temperature; 0 is greedy (default 0.8)\n"
    "      --top-k K           (default 40; 0 off)\n"
    "      --top-p P           (default 0.95; 1 off)\n"
    "      --min-p P           (default 0.05; 0 off)\n"
    "      --repeat-penalty R  (default 1.0, off)\n"
    "      --repeat-last-n N   tokens the penalties look at (default 64)\n"
    "      --presence-penalty P, --frequency-penalty F  OpenAI-style penalties (default 0)\n"
    "      --seed S            random seed (same seed, same output)\n"
    "      --stop TEXT         stop when TEXT is produced (repeatable, up to 8)\n"
    "  -v, --verbose           log loading and session details\n";

void gen_options_init(struct gen_options *o) {
  memset(o, 0, sizeof *o);
  anyinfer_session_default_params(&o->session);
  anyinfer_generate_default_params(&o->gen);
  o->gen.max_tokens = 256;
  o->gen.stop = o->stops;
}

int gen_options_parse(struct gen_options *o, int argc, char **argv, int *i) {
  const char *a = argv[*i];
  long v;
  anyinfer_sampler_params *sp = &o->gen.sampler;
#define IS(short_, long_) ((short_[0] && strcmp(a, short_) == 0) || strcmp(a, long_) == 0)
  if (IS("-m", "--model")) return cli_str_arg(argc, argv, i, &o->model) ? 1 : -1;
  if (IS("-v", "--verbose")) return o->verbose = true, 1;
  if (IS("", "--backend")) return cli_backend_arg(argc, argv, i, &o->session.backend) ? 1 : -1;
  if (IS("-n", "--n-predict")) {
    if (!cli_int_arg(argc, argv, i, -1, 1 << 24, &v)) return -1;
    o->gen.max_tokens = (int32_t)v;
    return 1;
  }
  if (IS("-c", "--ctx-size")) {
    if (!cli_int_arg(argc, argv, i, 0, 1 << 24, &v)) return -1;
    o->session.n_ctx = (int32_t)v;
    return 1;
  }
  if (IS("-b", "--batch-size")) {
    if (!cli_int_arg(argc, argv, i, 1, 1 << 16, &v)) return -1;
    o->session.n_batch = (int32_t)v;
    return 1;
  }
  if (IS("-t", "--threads")) {
    if (!cli_int_arg(argc, argv, i, 1, 1024, &v)) return -1;
    o->session.n_threads = (int32_t)v;
    return 1;
  }
  if (IS("", "--top-k")) {
    if (!cli_int_arg(argc, argv, i, 0, 1 << 24, &v)) return -1;
    sp->top_k = (int32_t)v;
    return 1;
  }
  if (IS("", "--repeat-last-n")) {
    if (!cli_int_arg(argc, argv, i, 0, 1 << 24, &v)) return -1;
    sp->repeat_last_n = (int32_t)v;
    return 1;
  }
  if (IS("", "--seed")) {
    if (!cli_int_arg(argc, argv, i, 0, 0x7fffffffL, &v)) return -1;
    sp->seed = (uint64_t)v;
    return 1;
  }
  if (IS("", "--temp")) return cli_float_arg(argc, argv, i, &sp->temperature) ? 1 : -1;
  if (IS("", "--top-p")) return cli_float_arg(argc, argv, i, &sp->top_p) ? 1 : -1;
  if (IS("", "--min-p")) return cli_float_arg(argc, argv, i, &sp->min_p) ? 1 : -1;
  if (IS("", "--repeat-penalty")) return cli_float_arg(argc, argv, i, &sp->repeat_penalty) ? 1 : -1;
  if (IS("", "--presence-penalty"))
    return cli_float_arg(argc, argv, i, &sp->presence_penalty) ? 1 : -1;
  if (IS("", "--frequency-penalty"))
    return cli_float_arg(argc, argv, i, &sp->frequency_penalty) ? 1 : -1;
  if (IS("", "--stop")) {
    if (o->gen.n_stop == GEN_MAX_STOPS) {
      fprintf(stderr, "anyinfer %s: at most %d --stop strings\n", argv[0], GEN_MAX_STOPS);
      return -1;
    }
    return cli_str_arg(argc, argv, i, &o->stops[o->gen.n_stop++]) ? 1 : -1;
  }
#undef IS
  return 0;
}
