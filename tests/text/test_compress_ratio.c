/* The deflate-size estimate behind Whisper's compression-ratio fallback, against zlib's output
 * sizes (Python zlib.compress, level 6) for the same bytes: equal for short texts, within a byte
 * for a repetitive one, and on the right side of Whisper's 2.4 threshold. */
#include "check.h"
#include "text/compress_ratio.h"

int main(void) {
  const char *sentence = " Hello world, this is a test of the transcription engine.";
  const char *repeated =
      " the the the the the the the the the the the the the the the the the the the the the the";
  CHECK_EQ(ai_deflate_size("", 0), 8);  /* zlib: 8 */
  CHECK_EQ(ai_deflate_size("a", 1), 9); /* zlib: 9 */
  size_t abc = ai_deflate_size("abcabcabcabc", 12);
  CHECK(abc >= 12 && abc <= 13);                             /* zlib: 13 */
  CHECK_EQ(ai_deflate_size(sentence, strlen(sentence)), 62); /* zlib: 62 */
  size_t rep = ai_deflate_size(repeated, strlen(repeated));
  CHECK(rep >= 14 && rep <= 16); /* zlib: 15 */
  CHECK(ai_compression_ratio(sentence, strlen(sentence)) < 2.4f);
  CHECK(ai_compression_ratio(repeated, strlen(repeated)) > 2.4f);
  CHECK(ai_compression_ratio("", 0) == 0.0f);
  return check_exit();
}
