/* Whisper's repetition measure (openai/whisper utils.py compression_ratio): the UTF-8 length of a
 * text over the length of its zlib compression. We compute the size zlib's deflate would write
 * with a greedy LZ77 parse (32 KiB window, matches of 3..258 bytes, longest match at each
 * position) coded with the fixed Huffman tables of RFC 1951 3.2.6, plus the 2-byte zlib header
 * and 4-byte Adler-32: for the short texts of one 30 s window that is the block type zlib
 * chooses, and a repeated phrase shrinks to a few match codes, which is what the 2.4 threshold
 * looks for. */
#ifndef AI_TEXT_COMPRESS_RATIO_H
#define AI_TEXT_COMPRESS_RATIO_H

#include <stddef.h>

/* Bytes of the zlib stream for text[0..len) (see above). */
size_t ai_deflate_size(const char *text, size_t len);
/* len / ai_deflate_size(text, len); 0 for empty text. */
float ai_compression_ratio(const char *text, size_t len);

#endif
