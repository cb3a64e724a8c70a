/* The anyinfer CLI: one file per subcommand, each exporting `int cmd_<name>(int argc, char **argv)`
 * (argv[0] is the subcommand name). Exit status: 0 success, 1 failure, 2 usage error. */
#ifndef AI_TOOLS_CLI_H
#define AI_TOOLS_CLI_H

#include <stdbool.h>
#include <stdio.h>

#include "anyinfer.h"

struct cli_command {
  const char *name;
  const char *summary;
  int (*run)(int argc, char **argv);
};

/* The subcommands, NULL-name terminated (main.c). */
extern const struct cli_command cli_commands[];

/* Logger for the engine: prints "anyinfer: <level>: text" to stderr. user_data unused. */
void cli_log_stderr(anyinfer_log_level level, const char *text, void *user_data);

/* Progress bar on stderr when it is a terminal; user_data is the label (const char *). */
bool cli_progress_bar(float fraction, void *user_data);

/* Parses argv[*i + 1] as the value of flag argv[*i] and advances *i. On a missing or malformed
 * value prints "anyinfer <cmd>: ..." and returns false (the caller exits 2 with usage). */
bool cli_int_arg(int argc, char **argv, int *i, long min, long max, long *out);
bool cli_float_arg(int argc, char **argv, int *i, float *out);
bool cli_str_arg(int argc, char **argv, int *i, const char **out);
bool cli_is_help(const char *arg);
/* --backend: argv[*i + 1] must be cpu, webgpu or auto (the help line is CLI_BACKEND_HELP). */
bool cli_backend_arg(int argc, char **argv, int *i, const char **out);
#define CLI_BACKEND_HELP \
  "      --backend B         cpu (default), webgpu, or auto (the GPU where there is one)\n"

/* Loads a model with the stderr logger and, on a terminal, a progress bar. Prints the error and
 * returns NULL on failure. */
anyinfer_model *cli_load_model(const char *path, bool vocab_only, bool verbose);

/* Tokenizes text into a malloc'd array (*n ids); NULL and a message on failure. */
int32_t *cli_tokenize(const anyinfer_model *m, const char *text, size_t len, bool add_special,
                      bool parse_special, size_t *n);

/* Renders messages with the model's chat template into a malloc'd string; NULL and a message
 * (naming the template error) on failure. */
char *cli_chat_render(const anyinfer_model *m, const anyinfer_chat_message *msgs, size_t n,
                      bool add_generation_prompt, size_t *len);

/* Reads a whole file into a malloc'd NUL-terminated buffer; NULL (and a message) on failure. */
char *cli_read_file(const char *path, size_t *len);

#endif
