/* Unit tests for the Jinja-subset interpreter through ai_chat_render: exact output strings for
 * each construct, each error path (status and the line:col message), limits, and allocation
 * failure at every allocation with nothing leaked. */
#include "base/alloc.h"
#include "base/error.h"
#include "check.h"
#include "text/chat.h"

static const struct ai_chat_msg conv[] = {
    {"system", "Be brief."}, {"user", "Hi {{ x }} é"}, {"assistant", "Hello"}, {"user", " q2 "}};

/* Renders src over conv (n messages) and compares with want; want NULL expects an error whose
 * message contains err_part. */
static void expect(const char *src, size_t n, bool agp, const char *want, const char *err_part) {
  struct ai_alloc a = ai_alloc_default();
  struct ai_error err = {0};
  char *out = NULL;
  size_t len = 0;
  anyinfer_status st = ai_chat_render(&a, src, conv, n, agp, "<s>", "</s>", &out, &len, &err);
  if (want) {
    CHECK_EQ(st, ANYINFER_OK);
    if (st != ANYINFER_OK) fprintf(stderr, "  template: %s\n  error: %s\n", src, err.msg);
    CHECK_STREQ(out, want);
    if (out) CHECK_EQ(len, strlen(want));
  } else {
    CHECK_EQ(st, ANYINFER_E_TEMPLATE);
    CHECK(out == NULL);
    CHECK(strstr(err.msg, err_part) != NULL);
    if (!strstr(err.msg, err_part)) fprintf(stderr, "  got error: %s\n", err.msg);
  }
  ai_free(&a, out);
}
#define OK(src, want)  expect(src, 4, false, want, NULL)
#define ERR(src, part) expect(src, 4, false, NULL, part)

static void test_output(void) {
  OK("plain", "plain");
  OK("a\n", "a"); /* one trailing newline dropped */
  OK("{{ 'x' ~ 1 ~ 2.5 ~ true }}", "x12.5true");
  ERR("{{ 'x' ~ none }}", "cannot apply '~' to none");
  OK("{{ 1 + 2 * 3 }}|{{ 7 // 2 }}|{{ 7 / 2 }}|{{ 7 % 3 }}|{{ 2 ** 10 }}|{{ -3 }}",
     "7|3|3.5|1|1024|-3");
  OK("{{ 4.0 }}|{{ 1.5 + 1 }}|{{ 10 / 5 }}", "4.0|2.5|2.0");
  OK("{{ \"a\\tb\\n\" }}{{ '\\x41\\u00e9' }}", "a\tb\nAé");
  OK("{{ [1, 'a', [true]] }}|{{ {'k': 'v', 'n': none} }}",
     "[1, \"a\", [true]]|{\"k\": \"v\", \"n\": null}");
  OK("{{ undefined_var }}|{{ none }}|{{ x.y }}", "||");
  OK("{{ 'abc'[::-1] }}|{{ [1,2,3,4][1:3] }}|{{ 'héllo'[1] }}|{{ [1,2,3][-1] }}", "cba|[2, 3]|é|3");
  OK("{{ 1 if false else 2 }}|{{ 'y' if true }}|{{ 'n' if false }}", "2|y|");
  OK("{{ 1 < 2 and 2 <= 2 and 3 > 2 and not 1 == 2 and 1 != 2 }}", "true");
  OK("{{ 'b' in 'abc' }}{{ 2 in [1,2] }}{{ 'k' in {'k':1} }}{{ 'z' not in 'abc' }}",
     "truetruetruetrue");
  OK("{{ 0 or 'd' }}|{{ 'a' and 'b' }}|{{ [] or {} }}", "d|b|{}");
}

static void test_whitespace(void) {
  /* HF renders with trim_blocks and lstrip_blocks */
  OK("{% if true %}\n  yes\n{% endif %}\n", "  yes\n");
  OK("  {% if true %}x{% endif %}", "x");
  OK("a  {{- 'b' -}}  \n c", "abc");
  OK("a \n{%- if true -%}\n b {%- endif %}", "ab");
  OK("a{# comment #}b{#- c -#} \n c", "abc");
}

static void test_statements(void) {
  OK("{% for m in messages %}{{ loop.index }}{{ m.role[0] }}{% if not loop.last %},{% endif %}"
     "{% endfor %}",
     "1s,2u,3a,4u");
  OK("{% for m in messages %}{{ loop.index0 }}{{ loop.first }}{{ loop.length }}{% endfor %}",
     "0true41false42false43false4");
  OK("{% for x in [] %}a{% else %}empty{% endfor %}", "empty");
  OK("{% for k, v in {'a': 1, 'b': 2}.items() %}{{ k }}={{ v }};{% endfor %}", "a=1;b=2;");
  OK("{% for m in messages if m.role == 'user' %}{{ loop.index }}{{ m.content|trim }}|{% endfor %}",
     "1Hi {{ x }} é|2q2|");
  OK("{% for i in range(5) %}{% if i == 1 %}{% continue %}{% endif %}{% if i == 3 %}{% break %}"
     "{% endif %}{{ i }}{% endfor %}",
     "02");
  OK("{% for k in {'x': 1, 'y': 2} %}{{ k }}{% endfor %}", "xy");
  OK("{% set a, b = 1, 2 %}{{ a + b }}", "3");
  OK("{% set ns = namespace(n=0, s='') %}{% for i in range(3) %}{% set ns.n = ns.n + i %}"
     "{% endfor %}{{ ns.n }}",
     "3");
  OK("{% set x %}in{{ 1 }}{% endset %}[{{ x }}]", "[in1]");
  OK("{% if false %}a{% elif messages|length > 3 %}b{% else %}c{% endif %}", "b");
  OK("{% macro greet(name, p='Hi') %}{{ p }} {{ name }}{% endmacro %}{{ greet('A') }}, "
     "{{ greet('B', p='Yo') }}",
     "Hi A, Yo B");
  OK("{% macro box() %}[{{ caller() }}]{% endmacro %}{% call box() %}in{% endcall %}", "[in]");
  OK("{% filter upper %}abc{% endfilter %}", "ABC");
  OK("{% generation %}g{% endgeneration %}", "g");
  /* unreachable branches must still parse */
  OK("{% if false %}{{ tools | tojson(indent=4) }}{% for t in tools %}{% endfor %}{% endif %}ok",
     "ok");
}

static void test_filters_and_methods(void) {
  OK("{{ '  a b  '|trim }}|{{ 'ab'|upper }}|{{ 'AB'|lower }}|{{ 'hello world'|title }}|"
     "{{ 'hello'|capitalize }}",
     "a b|AB|ab|Hello World|Hello");
  OK("{{ 'aXbX'|replace('X', '-') }}|{{ [1,2]|join(', ') }}|{{ 'ab'|length }}|{{ 'é'|length }}",
     "a-b-|1, 2|2|1");
  OK("{{ x|default('d') }}|{{ ''|default('d') }}|{{ ''|default('d', true) }}", "d||d");
  OK("{{ [3,4]|first }}{{ [3,4]|last }}{{ [3,4]|reverse|list }}{{ '42'|int + 1 }}{{ 2|string }}",
     "34[4, 3]432");
  OK("{{ {'b': [1, 2], 'a': 'é\"\\n'}|tojson }}", "{\"b\": [1, 2], \"a\": \"é\\\"\\n\"}");
  OK("{{ {'a': [1]}|tojson(indent=2) }}", "{\n  \"a\": [\n    1\n  ]\n}");
  OK("{{ messages|selectattr('role', 'equalto', 'user')|map(attribute='content')|join('|') }}",
     "Hi {{ x }} é| q2 ");
  OK("{{ messages|rejectattr('role', 'equalto', 'user')|list|length }}", "2");
  OK("{{ {'a': 1}|items|list }}|{{ {'a': 1}.get('a') }}{{ {'a': 1}.get('b', 'z') }}"
     "{{ {'a': 1}.keys()|list }}{{ {'a': 1}.values()|list }}",
     "[[\"a\", 1]]|1z[\"a\"][1]");
  OK("{{ ' x '.strip() }}|{{ '\\n\\tx\\n'.strip('\\n') }}|{{ 'xxa'.lstrip('x') }}|"
     "{{ 'a  '.rstrip() }}",
     "x|\tx|a|a");
  OK("{{ 'a,b,,c'.split(',') }}|{{ ' a  b '.split() }}|{{ 'a-b-c'.split('-', 1) }}",
     "[\"a\", \"b\", \"\", \"c\"]|[\"a\", \"b\"]|[\"a\", \"b-c\"]");
  OK("{{ 'abc'.startswith('ab') }}{{ 'abc'.endswith(('x', 'c')) }}{{ 'aa'.replace('a', 'b', 1) }}",
     "truetrueba");
  OK("{{ 'Ab'.upper() }}{{ 'Ab'.lower() }}", "ABab");
  OK("{{ x is defined }}{{ x is undefined }}{{ none is none }}{{ 'a' is string }}"
     "{{ {} is mapping }}{{ 1 is number }}{{ [1] is iterable }}{{ 'a' is not string }}",
     "falsetruetruetruetruetruetruefalse");
  OK("{{ range(3)|list }}|{{ range(1, 7, 2)|list }}|{{ range(3, 0, -1)|list }}",
     "[0, 1, 2]|[1, 3, 5]|[3, 2, 1]");
  OK("{{ strftime_now('%Y')|length }}", "4");
}

static void test_variables(void) {
  expect("{{ bos_token }}{{ messages[0]['content'] }}{{ eos_token }}{{ add_generation_prompt }}", 1,
         true, "<s>Be brief.</s>true", NULL);
  struct ai_chat_msg nul = {"assistant", NULL};
  struct ai_alloc a = ai_alloc_default();
  struct ai_error err = {0};
  char *out = NULL;
  size_t len;
  CHECK_EQ(ai_chat_render(&a, "[{{ messages[0].content }}]{{ messages[0].content is none }}", &nul,
                          1, false, NULL, NULL, &out, &len, &err),
           ANYINFER_OK);
  CHECK_STREQ(out, "[]true");
  ai_free(&a, out);
  CHECK_EQ(ai_chat_render(&a, NULL, conv, 1, false, NULL, NULL, &out, &len, &err),
           ANYINFER_E_INVAL);
}

static void test_errors(void) {
  ERR("{{ 'a'|wordwrap }}", "line 1 col 8: unknown filter 'wordwrap'");
  ERR("x\n\n  {{ 1 +", "line 3 col 9: expected an expression");
  ERR("{% if true %}a", "line 1 col 4: 'if' block is never closed");
  ERR("{% for x in [1] %}{% endif %}", "line 1 col 22: unknown statement 'endif'");
  ERR("{% frobnicate %}", "unknown statement 'frobnicate'");
  ERR("{{ raise_exception('bad role') }}", "line 1 col 19: raise_exception: bad role");
  ERR("{{ 'abc }}", "unterminated string literal");
  ERR("{{ '\\q' }}", "unknown escape sequence");
  ERR("{# never closed", "comment '{#' is never closed");
  ERR("{{ 1 / 0 }}", "division by zero");
  ERR("{{ x + 1 }}", "cannot apply '+' to an undefined value");
  ERR("{{ 1 is wobbly }}", "unknown test 'wobbly'");
  ERR("{{ 'a'.nope() }}", "string has no method 'nope'");
  ERR("{{ 5() }}", "cannot call a value of type integer");
  ERR("{% for x in 5 %}{% endfor %}", "cannot loop over a value of type integer");
  ERR("{% set a, b = [1] %}", "cannot unpack 1 values into 2 names");
  ERR("{% set m.x = 1 %}", "only on a namespace");
  ERR("{{ 9223372036854775807 + 1 }}", "integer overflow");
  ERR("{% break %}", "break or continue outside a loop");
  ERR("{{ {1: 2} }}", "dict keys must be strings");
  ERR("{% macro f(a) %}{% endmacro %}{{ f(1, 2) }}", "macro 'f' takes at most 1 arguments");
  ERR("{% macro f(a) %}{% endmacro %}{{ f(b=1) }}", "macro 'f' has no parameter 'b'");
  /* limits: templates are untrusted */
  ERR("{% macro r(n) %}{{ r(n + 1) }}{% endmacro %}{{ r(0) }}", "nested deeper than");
  ERR("{{ range(2000000)|length }}", "range: more than 1000000 items");
  ERR("{% set s = 'xxxxxxxxxxxxxxxx' %}{% for i in range(1100) %}{% for j in range(1000) %}{{ s "
      "}}{% endfor %}{% endfor %}",
      "output exceeds 16777216 bytes");
  char deep[2100];
  size_t k = 0;
  k += (size_t)snprintf(deep, sizeof deep, "{{ ");
  for (int i = 0; i < 1000; i++) deep[k++] = '(';
  deep[k++] = '1';
  for (int i = 0; i < 1000; i++) deep[k++] = ')';
  snprintf(deep + k, sizeof deep - k, " }}");
  ERR(deep, "nesting deeper than");
}

/* Every allocation of a render that touches all value kinds fails once in turn: the call
 * returns E_NOMEM (never crashes) and leaves nothing allocated. */
static void test_alloc_failure(void) {
  const char *src =
      "{% set ns = namespace(a=[]) %}{% for m in messages %}{% set ns.a = ns.a + [m.role] %}"
      "{{ m.content|trim ~ loop.index }}{% endfor %}{{ ns.a|tojson }}{{ {'k': 1}|items|list }}";
  bool succeeded = false;
  for (uint64_t n = 1; n < 500 && !succeeded; n++) {
    struct ai_alloc_fault f = {.fail_at = n};
    struct ai_alloc a = ai_alloc_make(ai_alloc_fault_fn, &f);
    struct ai_error err = {0};
    char *out = NULL;
    size_t len;
    anyinfer_status st = ai_chat_render(&a, src, conv, 4, true, "<s>", "</s>", &out, &len, &err);
    if (st == ANYINFER_OK) {
      succeeded = true;
      ai_free(&a, out);
    } else {
      CHECK_EQ(st, ANYINFER_E_NOMEM);
    }
    CHECK_EQ(f.n_live, 0);
  }
  CHECK(succeeded);
}

static void test_chatml_builtin(void) {
  expect(ai_chat_chatml_template(), 2, true,
         "<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHi {{ x }} é<|im_end|>\n"
         "<|im_start|>assistant\n",
         NULL);
}

int main(void) {
  test_output();
  test_whitespace();
  test_statements();
  test_filters_and_methods();
  test_variables();
  test_errors();
  test_alloc_failure();
  test_chatml_builtin();
  return check_exit();
}
