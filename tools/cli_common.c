/* Shared CLI helpers: the stderr logger and the terminal progress bar. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <unistd.h>

#include "cli.h"

void cli_log_stderr(anyinfer_log_level level, const char *text, void *user_data) {
  static const char *const names[] = {"error", "warning", "info", "debug"};
  (void)user_data;
  fprintf(stderr, "anyinfer: %s: %s\n", names[level & 3], text);
}

bool cli_progress_bar(float fraction, void *user_data) {
  if (!isatty(STDERR_FILENO)) return true;
  const char *label = user_data ? user_data : "";
  int width = 40, filled = (int)(fraction * (float)width + 0.5f);
  if (filled > width) filled = width;
  fprintf(stderr, "\r%s [", label);
  for (int i = 0; i < width; i++) fputc(i < filled ? '#' : ' ', stderr);
  fprintf(stderr, "] %3d%%", (int)(fraction * 100.0f + 0.5f));
  if (fraction >= 1.0f) fputc('\n', stderr);
  fflush(stderr);
  return true;
}
