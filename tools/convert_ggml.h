/* whisper.cpp ggml-*.bin files -> GGUF (convert_ggml.c), behind `anyinfer convert`. */
#ifndef AI_TOOLS_CONVERT_GGML_H
#define AI_TOOLS_CONVERT_GGML_H

#include <stdbool.h>
#include <stddef.h>

#include "anyinfer.h"

/* Whether path is a file starting with the ggml magic. */
bool ggml_whisper_is_file(const char *path);
/* Converts in_path to a "whisper" GGUF at out_path; tensors keep their types. On failure returns
 * false with a message naming the file and the field in err; no output file is left behind. */
bool ggml_whisper_convert(const char *in_path, const char *out_path, anyinfer_progress_fn progress,
                          void *progress_user_data, char *err, size_t err_cap);

#endif
