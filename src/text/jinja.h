/* A small Jinja-subset interpreter for the chat templates models ship (tokenizer.chat_template).
 * Rendering is bounded: output size, memory, evaluation steps and nesting depth have limits, and
 * exceeding one is an ordinary error — templates are untrusted input. The renderer itself
 * (arena, values, scopes) is internal to src/text (jinja_internal.h); chat.c drives it. */
#ifndef AI_TEXT_JINJA_H
#define AI_TEXT_JINJA_H

#include <stddef.h>
#include <stdint.h>

struct ai_jinja_limits {
  size_t max_output_bytes; /* rendered text */
  size_t max_memory_bytes; /* everything one render allocates (AST, values, buffers) */
  uint64_t max_steps;      /* expressions and statements evaluated; bounds loops */
  int max_depth;           /* nesting of expressions, blocks and macro calls */
  size_t max_range;        /* most items range() may produce */
};

/* Writes the defaults: 16 MiB output, 256 MiB memory, 50M steps, depth 200, range 1M. */
void ai_jinja_default_limits(struct ai_jinja_limits *lim);

#endif
