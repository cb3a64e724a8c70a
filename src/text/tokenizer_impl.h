/* Private layout of struct ai_tokenizer, shared by tokenizer.c (setup, special-token split,
 * pieces, streaming), tokenizer_spm.c, tokenizer_bpe.c and tokenizer_pre.c. Nothing outside
 * src/text/tokenizer*.c includes this. */
#ifndef AI_TEXT_TOKENIZER_IMPL_H
#define AI_TEXT_TOKENIZER_IMPL_H

#include "text/tokenizer.h"

enum tok_kind { TOK_SPM, TOK_BPE };

/* Pre-tokenizer regex families of llama.cpp's llm_tokenizer_bpe constructor. */
enum tok_pre {
  TOK_PRE_NONE,   /* SPM: no pre-tokenizer */
  TOK_PRE_LLAMA3, /* llama3 regex, \p{N}{1,3} */
  TOK_PRE_QWEN2,  /* llama3 regex with \p{N} */
  TOK_PRE_GPT2,   /* GPT-2 regex */
  TOK_PRE_SMOLLM, /* \p{N} split first, then the GPT-2 regex */
};

/* Hash table slot: token id + 1, 0 for empty. Open addressing, linear probing. */
struct ai_tokenizer {
  struct ai_alloc alloc;
  enum tok_kind kind;
  enum tok_pre pre;
  bool ignore_merges; /* whole pre-token that is a token is emitted unmerged (llama3) */
  size_t n_tokens;
  char *text;        /* all token texts, each NUL-terminated */
  size_t *tok_off;   /* n_tokens offsets into text */
  uint32_t *tok_len; /* n_tokens byte lengths */
  float *scores;     /* n_tokens */
  uint8_t *types;    /* n_tokens enum ai_token_type */
  uint8_t *is_eog;   /* n_tokens booleans */
  uint32_t *slots;   /* token text -> id, mask+1 slots */
  size_t slot_mask;
  uint64_t *merge_keys; /* (left id << 32 | right id), UINT64_MAX empty; mask+1 slots */
  int32_t *merge_rank;  /* rank of the merge in the slot */
  size_t merge_mask;
  int32_t *special; /* ids split out before tokenizing, longest text first */
  size_t n_special;
  int32_t byte_token[256];   /* SPM: id of "<0xXX>" (or of the raw byte), -1 none */
  uint8_t byte_utf8[256][2]; /* BPE: UTF-8 of GPT-2's code point for each byte */
  uint8_t byte_utf8_len[256];
  int16_t ucp_byte[0x144]; /* BPE: byte for code points below 0x144, -1 for none */
  int32_t bos, eos, unk, pad, eot, eom;
  bool add_bos, add_eos, add_space_prefix;
};

/* Token id of text s[0..n), or -1. */
int32_t ai_tok_lookup(const struct ai_tokenizer *t, const char *s, size_t n);

/* Output sink: stores the first cap ids and counts all. */
struct tok_out {
  int32_t *ids;
  size_t cap;
  size_t n;
};
static inline void tok_out_push(struct tok_out *o, int32_t id) {
  if (o->n < o->cap) o->ids[o->n] = id;
  o->n++;
}

/* Tokenizes one fragment of plain text (no special tokens in it). */
anyinfer_status ai_tok_spm_fragment(const struct ai_tokenizer *t, const char *s, size_t n,
                                    bool add_prefix, struct tok_out *o, struct ai_error *err);
anyinfer_status ai_tok_bpe_fragment(const struct ai_tokenizer *t, const char *s, size_t n,
                                    struct tok_out *o, struct ai_error *err);

/* Splits cpts[0..n) into pre-tokens for family pre. ends: OUT, exclusive end index of each
 * pre-token (room for n entries); returns the count. */
size_t ai_tok_pre_split(enum tok_pre pre, const uint32_t *cpts, size_t n, size_t *ends);

/* Bigram priority queue shared by SPM and BPE: a binary max-heap on (key, then smaller left).
 * Entries are 16 bytes: the heap of a long SPM fragment is the hot loop of encoding. */
struct tok_bigram {
  double key; /* SPM: score of the merged token; BPE: -rank */
  int32_t left, right;
  size_t size; /* bytes of left + right when queued (stale entries are skipped) */
};
struct tok_heap {
  struct tok_bigram *v;
  size_t n, cap;
};
void ai_tok_heap_push(struct tok_heap *h, struct tok_bigram b);
struct tok_bigram ai_tok_heap_pop(struct tok_heap *h);

/* Symbols of the bigram merge (llama.cpp llm_symbol): a byte range of the working text. */
struct tok_sym {
  int32_t prev, next; /* -1 at the ends */
  size_t off, n;      /* n == 0 once merged into its left neighbour */
  int32_t id;         /* BPE: token id of the range, or -1 */
};

#endif
