/* Options shared by `run` and `chat`: model, session and sampling flags. */
#ifndef AI_TOOLS_GEN_OPTIONS_H
#define AI_TOOLS_GEN_OPTIONS_H

#include "cli.h"

#define GEN_MAX_STOPS 8

struct gen_options {
  const char *model;
  anyinfer_session_params session;
  anyinfer_generate_params gen;
  const char *stops[GEN_MAX_STOPS];
  bool verbose;
};

void gen_options_init(struct gen_options *o);

/* Consumes argv[*i] (and its value) if it is a shared flag: returns 1 consumed, 0 not ours,
 * -1 a bad value (message printed). */
int gen_options_parse(struct gen_options *o, int argc, char **argv, int *i);

/* The help text for the shared flags. */
extern const char gen_options_help[];

#endif
