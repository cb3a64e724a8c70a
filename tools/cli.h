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

#endif
