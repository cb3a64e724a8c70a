/* Whisper's special tokens by their text (see whisper_vocab.h). */
#include "text/whisper_vocab.h"

#include <stdio.h>
#include <string.h>

static int32_t find(const struct ai_gguf_str *tok, int32_t n, const char *text) {
  size_t len = strlen(text);
  for (int32_t i = n - 1; i >= 0; i--) /* specials sit at the end */
    if (tok[i].len == len && memcmp(tok[i].data, text, len) == 0) return i;
  return -1;
}

anyinfer_status ai_whisper_vocab_init(const struct ai_gguf *g, struct ai_whisper_vocab *v,
                                      struct ai_error *err) {
  memset(v, 0, sizeof *v);
  const struct ai_gguf_value *arr;
  anyinfer_status st = ai_gguf_get_arr(g, "tokenizer.ggml.tokens", AI_GGUF_STRING, &arr, err);
  if (st) return st;
  const struct ai_gguf_str *tok = arr->v.arr.elems;
  int32_t n = (int32_t)arr->v.arr.count;
  v->n_vocab = n;
  v->eot = find(tok, n, "<|endoftext|>");
  v->sot = find(tok, n, "<|startoftranscript|>");
  v->translate = find(tok, n, "<|translate|>");
  v->transcribe = find(tok, n, "<|transcribe|>");
  v->sot_lm = find(tok, n, "<|startoflm|>");
  v->sot_prev = find(tok, n, "<|startofprev|>");
  v->no_speech = find(tok, n, "<|nospeech|>");
  if (v->no_speech < 0) v->no_speech = find(tok, n, "<|nocaptions|>");
  v->no_timestamps = find(tok, n, "<|notimestamps|>");
  v->timestamp_begin = find(tok, n, "<|0.00|>");
  const struct {
    const char *name;
    int32_t id;
  } need[] = {{"<|endoftext|>", v->eot},
              {"<|startoftranscript|>", v->sot},
              {"<|transcribe|>", v->transcribe},
              {"<|notimestamps|>", v->no_timestamps},
              {"<|0.00|>", v->timestamp_begin}};
  for (size_t i = 0; i < sizeof need / sizeof *need; i++)
    if (need[i].id < 0)
      return ai_error_set(err, ANYINFER_E_UNSUPPORTED,
                          "whisper: the vocabulary has no '%s' token (not a Whisper vocabulary)",
                          need[i].name);
  v->n_timestamps = n - v->timestamp_begin;
  v->lang_begin = -1;
  /* English-only models (tiny.en ... medium.en: 51864 tokens, whisper.cpp's is_multilingual
   * test) keep the language tokens in their vocabulary but start with <|startoftranscript|>
   * alone: no language, no task. */
  if (n == 51864) return ANYINFER_OK;
  /* Languages: every <|xx|> token between <|startoftranscript|> and the task tokens. */
  int32_t end = v->translate >= 0 ? v->translate : v->transcribe;
  for (int32_t id = v->sot + 1; id < end && v->n_lang < AI_WHISPER_MAX_LANG; id++) {
    const struct ai_gguf_str *t = &tok[id];
    if (t->len < 5 || t->len > 10 || memcmp(t->data, "<|", 2) != 0 ||
        memcmp(t->data + t->len - 2, "|>", 2) != 0)
      continue;
    if (v->lang_begin < 0) v->lang_begin = id;
    if (id != v->lang_begin + v->n_lang) break; /* languages are contiguous */
    snprintf(v->lang[v->n_lang++], sizeof v->lang[0], "%.*s", (int)t->len - 4, t->data + 2);
  }
  return ANYINFER_OK;
}

int32_t ai_whisper_vocab_lang(const struct ai_whisper_vocab *v, const char *code) {
  for (int32_t i = 0; i < v->n_lang; i++)
    if (strcmp(v->lang[i], code) == 0) return v->lang_begin + i;
  return -1;
}

/* openai/whisper tokenizer.py LANGUAGES, in token order. */
static const struct {
  const char *code, *name;
} kLanguages[] = {
    {"en", "english"},        {"zh", "chinese"},     {"de", "german"},        {"es", "spanish"},
    {"ru", "russian"},        {"ko", "korean"},      {"fr", "french"},        {"ja", "japanese"},
    {"pt", "portuguese"},     {"tr", "turkish"},     {"pl", "polish"},        {"ca", "catalan"},
    {"nl", "dutch"},          {"ar", "arabic"},      {"sv", "swedish"},       {"it", "italian"},
    {"id", "indonesian"},     {"hi", "hindi"},       {"fi", "finnish"},       {"vi", "vietnamese"},
    {"he", "hebrew"},         {"uk", "ukrainian"},   {"el", "greek"},         {"ms", "malay"},
    {"cs", "czech"},          {"ro", "romanian"},    {"da", "danish"},        {"hu", "hungarian"},
    {"ta", "tamil"},          {"no", "norwegian"},   {"th", "thai"},          {"ur", "urdu"},
    {"hr", "croatian"},       {"bg", "bulgarian"},   {"lt", "lithuanian"},    {"la", "latin"},
    {"mi", "maori"},          {"ml", "malayalam"},   {"cy", "welsh"},         {"sk", "slovak"},
    {"te", "telugu"},         {"fa", "persian"},     {"lv", "latvian"},       {"bn", "bengali"},
    {"sr", "serbian"},        {"az", "azerbaijani"}, {"sl", "slovenian"},     {"kn", "kannada"},
    {"et", "estonian"},       {"mk", "macedonian"},  {"br", "breton"},        {"eu", "basque"},
    {"is", "icelandic"},      {"hy", "armenian"},    {"ne", "nepali"},        {"mn", "mongolian"},
    {"bs", "bosnian"},        {"kk", "kazakh"},      {"sq", "albanian"},      {"sw", "swahili"},
    {"gl", "galician"},       {"mr", "marathi"},     {"pa", "punjabi"},       {"si", "sinhala"},
    {"km", "khmer"},          {"sn", "shona"},       {"yo", "yoruba"},        {"so", "somali"},
    {"af", "afrikaans"},      {"oc", "occitan"},     {"ka", "georgian"},      {"be", "belarusian"},
    {"tg", "tajik"},          {"sd", "sindhi"},      {"gu", "gujarati"},      {"am", "amharic"},
    {"yi", "yiddish"},        {"lo", "lao"},         {"uz", "uzbek"},         {"fo", "faroese"},
    {"ht", "haitian creole"}, {"ps", "pashto"},      {"tk", "turkmen"},       {"nn", "nynorsk"},
    {"mt", "maltese"},        {"sa", "sanskrit"},    {"lb", "luxembourgish"}, {"my", "myanmar"},
    {"bo", "tibetan"},        {"tl", "tagalog"},     {"mg", "malagasy"},      {"as", "assamese"},
    {"tt", "tatar"},          {"haw", "hawaiian"},   {"ln", "lingala"},       {"ha", "hausa"},
    {"ba", "bashkir"},        {"jw", "javanese"},    {"su", "sundanese"},     {"yue", "cantonese"}};

const char *ai_whisper_language_name(const char *code) {
  for (size_t i = 0; code && i < sizeof kLanguages / sizeof *kLanguages; i++)
    if (strcmp(kLanguages[i].code, code) == 0) return kLanguages[i].name;
  return NULL;
}

const char *ai_whisper_language_code(const char *name) {
  for (size_t i = 0; name && i < sizeof kLanguages / sizeof *kLanguages; i++)
    if (strcmp(kLanguages[i].name, name) == 0) return kLanguages[i].code;
  return NULL;
}

const char *ai_whisper_language_code_at(int32_t i) {
  return i >= 0 && i < (int32_t)(sizeof kLanguages / sizeof *kLanguages) ? kLanguages[i].code : "";
}
