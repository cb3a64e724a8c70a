/* Replays a fuzz target's committed corpus (crashers and seeds) without libFuzzer, so every build
 * re-runs past finds as an ordinary test (sqlite test/fuzzcheck.c). Arguments: files or folders. */
#define _DEFAULT_SOURCE
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int replay_file(const char *path) {
  FILE *f = fopen(path, "rb");
  if (!f) {
    fprintf(stderr, "replay: cannot open %s\n", path);
    return 1;
  }
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  uint8_t *buf = malloc(n > 0 ? (size_t)n : 1);
  size_t got = buf ? fread(buf, 1, (size_t)n, f) : 0;
  fclose(f);
  if (!buf || got != (size_t)n) {
    free(buf);
    fprintf(stderr, "replay: cannot read %s\n", path);
    return 1;
  }
  LLVMFuzzerTestOneInput(buf, got);
  free(buf);
  return 0;
}

static int replay_path(const char *path, int *n_files) {
  struct stat st;
  if (stat(path, &st) != 0) {
    fprintf(stderr, "replay: %s does not exist\n", path);
    return 1;
  }
  if (!S_ISDIR(st.st_mode)) {
    (*n_files)++;
    return replay_file(path);
  }
  DIR *d = opendir(path);
  if (!d) return 1;
  int failures = 0;
  struct dirent *e;
  while ((e = readdir(d)) != NULL) {
    if (e->d_name[0] == '.') continue;
    char child[4096];
    snprintf(child, sizeof child, "%s/%s", path, e->d_name);
    failures += replay_path(child, n_files);
  }
  closedir(d);
  return failures;
}

int main(int argc, char **argv) {
  int failures = 0, n_files = 0;
  for (int i = 1; i < argc; i++) failures += replay_path(argv[i], &n_files);
  printf("replayed %d inputs\n", n_files);
  if (n_files == 0) {
    fprintf(stderr, "replay: no inputs found\n");
    return 1;
  }
  return failures ? 1 : 0;
}
