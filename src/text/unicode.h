/* Unicode helpers for the tokenizers: UTF-8 decoding with llama.cpp's rules (unicode.cpp
 * unicode_cpt_from_utf8 / unicode_len_utf8), UTF-8 encoding, the code point classes the
 * pre-tokenizer regexes use (\p{L}, \p{N}, \s), and GPT-2's byte-to-unicode map. Tables are
 * generated (scripts/gen_unicode_tables.py -> unicode_tables.c). Normalization is not here. */
#ifndef AI_TEXT_UNICODE_H
#define AI_TEXT_UNICODE_H

#include <stddef.h>
#include <stdint.h>

#define AI_UCP_LETTER     1u /* general category L* */
#define AI_UCP_NUMBER     2u /* general category N* */
#define AI_UCP_WHITESPACE 4u /* White_Space property */
#define AI_UCP_VALID      8u /* a code point below 0x110000 (llama.cpp: non-zero flags) */

#define AI_UCP_REPLACEMENT 0xFFFDu

struct ai_ucp_range {
  uint32_t lo, hi; /* inclusive */
  uint32_t flags;  /* AI_UCP_LETTER | AI_UCP_NUMBER | AI_UCP_WHITESPACE */
};
extern const struct ai_ucp_range ai_ucp_ranges[];
extern const size_t ai_ucp_n_ranges;

/* AI_UCP_* flags of cpt; AI_UCP_VALID is set for every cpt < 0x110000. */
uint32_t ai_ucp_flags(uint32_t cpt);

/* Length in bytes of the UTF-8 sequence whose first byte is b, from its high 4 bits only, as
 * llama.cpp's unicode_len_utf8 (1 for continuation bytes). */
size_t ai_utf8_len(uint8_t b);

/* Decodes one code point at s[*pos..n) as llama.cpp's unicode_cpts_from_utf8: a malformed or
 * truncated sequence yields U+FFFD and consumes one byte. Advances *pos (IN/OUT). */
uint32_t ai_utf8_decode(const uint8_t *s, size_t n, size_t *pos);

/* Writes cpt as UTF-8 (1-4 bytes; code points up to 0x1FFFFF, as llama.cpp) into out; returns
 * the byte count. */
size_t ai_utf8_encode(uint32_t cpt, uint8_t out[4]);

/* GPT-2 bytes_to_unicode(): the code point that stands for byte b in byte-level BPE text. */
uint32_t ai_byte_to_ucp(uint8_t b);
/* Inverse of ai_byte_to_ucp; -1 if cpt stands for no byte. */
int ai_ucp_to_byte(uint32_t cpt);

#endif
