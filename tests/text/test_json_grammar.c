/* Unit tests for src/text/json_grammar.c: every prefix of valid documents is accepted and only
 * complete documents are complete; each kind of invalid byte is rejected at the byte it occurs;
 * object-only mode; the depth limit. */
#include "check.h"
#include "text/json_grammar.h"

/* Feeds text byte by byte; returns the index of the first rejected byte, or -1. */
static int first_reject(const char *text, bool is_object_only, bool *is_complete) {
  struct ai_json_state s;
  ai_json_init(&s, is_object_only);
  for (int i = 0; text[i]; i++)
    if (!ai_json_feed(&s, text + i, 1)) return i;
  *is_complete = ai_json_is_complete(&s);
  return -1;
}

static void valid(const char *text, bool is_complete_expected) {
  bool is_complete = false;
  int at = first_reject(text, false, &is_complete);
  CHECK_EQ(at, -1);
  CHECK_EQ(is_complete, is_complete_expected);
  if (at != -1 || is_complete != is_complete_expected) fprintf(stderr, "  text: %s\n", text);
}

static void invalid(const char *text, int at_expected) {
  bool is_complete;
  int at = first_reject(text, false, &is_complete);
  CHECK_EQ(at, at_expected);
  if (at != at_expected) fprintf(stderr, "  text: %s\n", text);
}

int main(void) {
  valid("{}", true);
  valid(" { \"a\" : [1, -2.5e+3, 0, true, false, null, \"x\\u00e9\\n\"], \"b\": {} } \n", true);
  valid("[[], [[]], {\"k\": [0.5E-2]}]", true);
  valid("\"caf\xc3\xa9\"", true);
  valid("{\"a\": 1", false);
  valid("{\"a\\u12", false);
  valid("[tr", false);
  valid("-", false);
  /* A top-level number never knows it is complete until whitespace. */
  valid("12", false);
  valid("12 ", true);
  /* Whole-string feeds agree with byte feeds. */
  struct ai_json_state s;
  ai_json_init(&s, false);
  CHECK(ai_json_feed(&s, "{\"x\":[1,2]}", 11));
  CHECK(ai_json_is_complete(&s));
  CHECK(ai_json_feed(&s, "  ", 2));
  CHECK(!ai_json_feed(&s, " x", 2));

  invalid("{,}", 1);
  invalid("{\"a\" 1}", 5);
  invalid("{\"a\":1,}", 7);
  invalid("[1,]", 3);
  invalid("[1 2]", 3);
  invalid("{]", 1);
  invalid("[}", 1);
  invalid("01", 1);
  invalid("-a", 1);
  invalid("1.e3", 2);
  invalid("1e+", -1);
  invalid("tru e", 3);
  invalid("nul", -1);
  invalid("\"a\\x\"", 3);
  invalid("\"\\u12g4\"", 5);
  invalid("\"a\nb\"", 2);
  invalid("{} {}", 3);
  invalid("{\"a\":1}}", 7);
  invalid("]", 0);

  /* Object-only: anything but '{' first is refused. */
  bool is_complete = false;
  CHECK_EQ(first_reject("  {\"a\": [1]}", true, &is_complete), -1);
  CHECK(is_complete);
  CHECK_EQ(first_reject(" [1]", true, &is_complete), 1);
  CHECK_EQ(first_reject("\"s\"", true, &is_complete), 0);
  CHECK_EQ(first_reject("{\"a\": [1]}", true, &is_complete), -1);

  /* Depth: AI_JSON_MAX_DEPTH containers nest, one more does not. */
  char deep[AI_JSON_MAX_DEPTH + 2];
  memset(deep, '[', sizeof deep - 1);
  deep[sizeof deep - 1] = '\0';
  CHECK_EQ(first_reject(deep, false, &is_complete), AI_JSON_MAX_DEPTH);
  return check_exit();
}
