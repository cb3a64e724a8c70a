/* `anyinfer serve`: the OpenAI-compatible HTTP server (server/) on one or more models. */
#include <stdlib.h>
#include <string.h>

#include "cli.h"

int cmd_serve(int argc, char **argv);

#ifdef AI_HAVE_SERVER
#include "server.h"

static void usage(FILE *out) {
  fprintf(out,
          "usage: anyinfer serve -m MODEL.gguf|DIR [-m ...] [options]\n"
          "  -m, --model PATH     a GGUF file, or a directory of them (repeatable)\n"
          "  --alias NAME         the id of the preceding -m model (default: its file stem)\n"
          "  --host HOST          address to listen on (default 127.0.0.1)\n"
          "  --port N             port (default 8080; 0: any free port, printed)\n"
          "  --api-key KEY        require 'Authorization: Bearer KEY'\n"
          "  --cors-origin ORIGIN allow browser requests from ORIGIN ('*' for any)\n"
          "  --parallel N         slots generating at once, batched together (default 4)\n"
          "  --queue N            sequences waiting for a slot before 429 (default 64)\n"
          "  -c, --ctx-size N     context per slot (default: the model's, at most 4096)\n"
          "  -b, --batch-size N   tokens per forward pass (default 256)\n"
          "  -t, --threads N      CPU threads (default: all cores)\n"
          "  --backend B          cpu (default), webgpu, or auto (the GPU where there is one)\n"
          "  --max-tokens N       per-request cap and default for max_tokens (default 2048)\n"
          "  --max-body BYTES     request body limit (default 26214400: OpenAI's 25 MB audio\n"
          "                       upload limit)\n"
          "  -v, --verbose        engine debug log\n");
}

int cmd_serve(int argc, char **argv) {
  enum { MAX_MODELS = 32 };
  const char *paths[MAX_MODELS], *aliases[MAX_MODELS] = {0};
  size_t n_paths = 0;
  struct srv_options o = {.host = "127.0.0.1",
                          .port = 8080,
                          .max_body_bytes = 25 << 20, /* audio uploads (OpenAI allows 25 MB) */
                          .max_tokens_cap = 2048,
                          .sched = {.n_parallel = 4, .n_batch = 256, .max_queue = 64}};
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    long v;
    bool is_ok = true;
    if (cli_is_help(a)) {
      usage(stdout);
      return 0;
    } else if (strcmp(a, "-m") == 0 || strcmp(a, "--model") == 0) {
      if (n_paths == MAX_MODELS) {
        fprintf(stderr, "anyinfer serve: at most %d models\n", MAX_MODELS);
        return 2;
      }
      is_ok = cli_str_arg(argc, argv, &i, &paths[n_paths]);
      n_paths += is_ok;
    } else if (strcmp(a, "--alias") == 0) {
      if (n_paths == 0) {
        fprintf(stderr, "anyinfer serve: --alias names the -m before it\n");
        return 2;
      }
      is_ok = cli_str_arg(argc, argv, &i, &aliases[n_paths - 1]);
    } else if (strcmp(a, "--host") == 0) {
      is_ok = cli_str_arg(argc, argv, &i, &o.host);
    } else if (strcmp(a, "--port") == 0) {
      if ((is_ok = cli_int_arg(argc, argv, &i, 0, 65535, &v))) o.port = (int)v;
    } else if (strcmp(a, "--api-key") == 0) {
      is_ok = cli_str_arg(argc, argv, &i, &o.api_key);
    } else if (strcmp(a, "--cors-origin") == 0) {
      is_ok = cli_str_arg(argc, argv, &i, &o.cors_origin);
    } else if (strcmp(a, "--parallel") == 0) {
      if ((is_ok = cli_int_arg(argc, argv, &i, 1, 256, &v))) o.sched.n_parallel = (int32_t)v;
    } else if (strcmp(a, "--queue") == 0) {
      if ((is_ok = cli_int_arg(argc, argv, &i, 1, 1 << 20, &v))) o.sched.max_queue = (int32_t)v;
    } else if (strcmp(a, "-c") == 0 || strcmp(a, "--ctx-size") == 0) {
      if ((is_ok = cli_int_arg(argc, argv, &i, 16, 1 << 20, &v))) o.sched.n_ctx = (int32_t)v;
    } else if (strcmp(a, "-b") == 0 || strcmp(a, "--batch-size") == 0) {
      if ((is_ok = cli_int_arg(argc, argv, &i, 1, 1 << 16, &v))) o.sched.n_batch = (int32_t)v;
    } else if (strcmp(a, "-t") == 0 || strcmp(a, "--threads") == 0) {
      if ((is_ok = cli_int_arg(argc, argv, &i, 1, 1024, &v))) o.sched.n_threads = (int32_t)v;
    } else if (strcmp(a, "--backend") == 0) {
      is_ok = cli_backend_arg(argc, argv, &i, &o.sched.backend);
    } else if (strcmp(a, "--max-tokens") == 0) {
      if ((is_ok = cli_int_arg(argc, argv, &i, 1, 1 << 24, &v))) o.max_tokens_cap = (int32_t)v;
    } else if (strcmp(a, "--max-body") == 0) {
      if ((is_ok = cli_int_arg(argc, argv, &i, 64, 1L << 30, &v))) o.max_body_bytes = (size_t)v;
    } else if (strcmp(a, "-v") == 0 || strcmp(a, "--verbose") == 0) {
      o.verbose = true;
    } else {
      fprintf(stderr, "anyinfer serve: unknown option '%s'\n", a);
      is_ok = false;
    }
    if (!is_ok) {
      usage(stderr);
      return 2;
    }
  }
  if (n_paths == 0) {
    fprintf(stderr, "anyinfer serve: no model (-m)\n");
    usage(stderr);
    return 2;
  }
  /* Every slot must take at least one decode token per pass. */
  if (o.sched.n_batch < o.sched.n_parallel) o.sched.n_batch = o.sched.n_parallel;
  o.model_paths = paths;
  o.n_model_paths = n_paths;
  o.aliases = aliases;
  o.n_aliases = n_paths;
  return srv_run(&o);
}
#else
int cmd_serve(int argc, char **argv) {
  (void)argc;
  (void)argv;
  fprintf(stderr,
          "anyinfer serve: this build has no server (libmicrohttpd and jansson were not "
          "found by pkg-config)\n");
  return 1;
}
#endif
