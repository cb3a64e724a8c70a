/* Audio files for the CLI and the server: any file -> 16 kHz mono float samples for Whisper. A
 * RIFF/WAVE file always goes through the engine's reader (format/wav.h), so native, wasm and
 * browser builds accept and reject the same WAV files with the same messages. Where the build has
 * libsndfile (native, pkg-config sndfile; AI_HAVE_SNDFILE), every other format it decodes works
 * too: FLAC, Ogg Vorbis, Opus, MP3 (libsndfile >= 1.1), RF64, AIFF, CAF, W64, ... Without it
 * (wasm) a non-WAV file is ANYINFER_E_UNSUPPORTED with a message saying so. */
#ifndef AI_TOOLS_AUDIO_FILE_H
#define AI_TOOLS_AUDIO_FILE_H

#include <stddef.h>
#include <stdint.h>

#include "base/error.h"

/* Reads the file at path. *out (*n_out >= 1 samples at 16 kHz) is allocated with malloc and
 * freed by the caller with free. On failure *out is NULL and err names the file and the reason:
 * ANYINFER_E_IO (cannot open), ANYINFER_E_FORMAT (corrupt, truncated, empty),
 * ANYINFER_E_UNSUPPORTED (a format this build cannot decode), ANYINFER_E_NOMEM. */
anyinfer_status audio_file_read(const char *path, float **out, int64_t *n_out,
                                struct ai_error *err);

/* The same for a file already in memory (an upload): data[0..size) is borrowed for the call. */
anyinfer_status audio_file_decode(const void *data, size_t size, float **out, int64_t *n_out,
                                  struct ai_error *err);

#endif
