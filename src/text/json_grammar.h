/* A byte-at-a-time JSON recognizer (RFC 8259) that says whether text is a valid *prefix* of a
 * JSON document, for constrained sampling (`response_format: json_object`): a token is allowed
 * when its bytes keep the prefix valid. The state is a small value type, copied to try a token.
 * It checks syntax only; UTF-8 inside strings is passed through (the detokenizer keeps it whole).
 */
#ifndef AI_TEXT_JSON_GRAMMAR_H
#define AI_TEXT_JSON_GRAMMAR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Deepest nesting accepted: one bit per level in `stack`. */
#define AI_JSON_MAX_DEPTH 64

struct ai_json_state {
  uint8_t mode;        /* what the next byte may be (json_grammar.c's enum) */
  uint8_t sub;         /* number part, \u digits left, or literal position */
  uint8_t depth;       /* open containers */
  bool is_object_only; /* the document must be an object (json_object) */
  const char *literal; /* "true", "false" or "null" while one is being read */
  uint64_t stack;      /* bit i: container i is an object (1) or an array (0) */
};

/* Starts a document; is_object_only: the top-level value must be an object. */
void ai_json_init(struct ai_json_state *s, bool is_object_only);
/* Feeds bytes; false (state then unusable) as soon as they cannot continue a valid document. */
bool ai_json_feed(struct ai_json_state *s, const char *bytes, size_t len);
/* Whether the top-level value is complete (only whitespace may follow). */
bool ai_json_is_complete(const struct ai_json_state *s);

#endif
