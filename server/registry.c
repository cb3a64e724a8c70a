/* The models a server serves: loaded at start from files or directories, each with an id (file
 * stem or --alias) and its own scheduler, or, for a Whisper model, its transcriber (audio.c);
 * routes stay in http.c's one table. */
#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "server.h"

static void log_stderr(anyinfer_log_level level, const char *text, void *user_data) {
  (void)user_data;
  static const char *const names[] = {"error", "warn", "info", "debug"};
  fprintf(stderr, "anyinfer serve: %s: %s\n", names[level], text);
}

/* "dir/name.gguf" -> "name" (malloc'd). */
static char *stem_of(const char *path) {
  const char *base = strrchr(path, '/');
  base = base ? base + 1 : path;
  size_t len = strlen(base);
  if (len > 5 && strcmp(base + len - 5, ".gguf") == 0) len -= 5;
  char *s = malloc(len + 1);
  if (s) memcpy(s, base, len), s[len] = '\0';
  return s;
}

static bool add_model(struct srv_registry *reg, const char *path, const char *alias,
                      const struct srv_sched_params *sp, bool verbose) {
  struct srv_model *grown = realloc(reg->models, (reg->n_models + 1) * sizeof *grown);
  if (!grown) return false;
  reg->models = grown;
  struct srv_model *m = &reg->models[reg->n_models];
  *m = (struct srv_model){0};
  char err[512] = "";
  anyinfer_model_params mp;
  anyinfer_model_default_params(&mp);
  mp.log = log_stderr;
  mp.log_level = verbose ? ANYINFER_LOG_DEBUG : ANYINFER_LOG_WARN;
  mp.error_buf = err;
  mp.error_cap = sizeof err;
  if (anyinfer_model_load(path, &mp, &m->model) != ANYINFER_OK) {
    fprintf(stderr, "anyinfer serve: cannot load '%s': %s\n", path, err);
    return false;
  }
  struct stat stt;
  m->created = stat(path, &stt) == 0 ? (int64_t)stt.st_mtime : 0;
  m->id = alias ? strdup(alias) : stem_of(path);
  m->path = strdup(path);
  reg->n_models++;
  struct srv_error e;
  anyinfer_model_info info;
  anyinfer_model_get_info(m->model, &info);
  if (m->id && m->path && strcmp(info.architecture, "whisper") == 0) { /* speech to text */
    anyinfer_transcriber_params tp;
    anyinfer_transcriber_default_params(&tp);
    tp.n_threads = sp->n_threads;
    tp.backend = sp->backend;
    if (anyinfer_transcriber_create(m->model, &tp, &m->transcriber) != ANYINFER_OK) {
      fprintf(stderr, "anyinfer serve: '%s': cannot create a transcriber\n", path);
      return false;
    }
    pthread_mutex_init(&m->transcribe_mu, NULL);
  } else if (!m->id || !m->path || !srv_sched_create(m->model, sp, &m->sched, &e)) {
    fprintf(stderr, "anyinfer serve: '%s': %s\n", path,
            m->id && m->path ? e.message : "out of memory");
    return false;
  }
  for (size_t i = 0; i + 1 < reg->n_models; i++)
    if (strcmp(reg->models[i].id, m->id) == 0) {
      fprintf(stderr, "anyinfer serve: two models named '%s' (use --alias)\n", m->id);
      return false;
    }
  return true;
}

static int compare_names(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every *.gguf in dir, in name order. */
static bool add_directory(struct srv_registry *reg, const char *dir,
                          const struct srv_sched_params *sp, bool verbose) {
  DIR *d = opendir(dir);
  if (!d) return false;
  char **names = NULL;
  size_t n = 0;
  bool is_ok = true;
  for (struct dirent *de; (de = readdir(d));) {
    size_t len = strlen(de->d_name);
    if (len <= 5 || strcmp(de->d_name + len - 5, ".gguf") != 0) continue;
    char **grown = realloc(names, (n + 1) * sizeof *names);
    if (!grown || !(grown[n] = malloc(strlen(dir) + len + 2))) {
      names = grown ? grown : names;
      is_ok = false;
      break;
    }
    names = grown;
    sprintf(names[n++], "%s/%s", dir, de->d_name);
  }
  closedir(d);
  if (is_ok && n == 0) {
    fprintf(stderr, "anyinfer serve: no .gguf files in '%s'\n", dir);
    is_ok = false;
  }
  if (is_ok) qsort(names, n, sizeof *names, compare_names);
  for (size_t i = 0; i < n; i++) {
    if (is_ok) is_ok = add_model(reg, names[i], NULL, sp, verbose);
    free(names[i]);
  }
  free(names);
  return is_ok;
}

bool srv_registry_load(struct srv_registry *reg, const char *const *paths, size_t n_paths,
                       const char *const *aliases, size_t n_aliases,
                       const struct srv_sched_params *sp, bool verbose) {
  *reg = (struct srv_registry){0};
  for (size_t i = 0; i < n_paths; i++) {
    struct stat st;
    bool is_dir = stat(paths[i], &st) == 0 && S_ISDIR(st.st_mode);
    bool is_ok = is_dir ? add_directory(reg, paths[i], sp, verbose)
                        : add_model(reg, paths[i], i < n_aliases ? aliases[i] : NULL, sp, verbose);
    if (!is_ok) return false;
  }
  return true;
}

void srv_registry_free(struct srv_registry *reg) {
  for (size_t i = 0; i < reg->n_models; i++) {
    srv_sched_free(reg->models[i].sched);
    if (reg->models[i].transcriber) {
      anyinfer_transcriber_free(reg->models[i].transcriber);
      pthread_mutex_destroy(&reg->models[i].transcribe_mu);
    }
    anyinfer_model_free(reg->models[i].model);
    free(reg->models[i].id);
    free(reg->models[i].path);
  }
  free(reg->models);
  *reg = (struct srv_registry){0};
}

struct srv_model *srv_registry_find(struct srv_registry *reg, const char *id, struct srv_error *e) {
  if ((!id || !*id) && reg->n_models > 0) return &reg->models[0];
  for (size_t i = 0; id && i < reg->n_models; i++)
    if (strcmp(reg->models[i].id, id) == 0) return &reg->models[i];
  srv_fail(e, 404, "model_not_found", "model", "The model '%.200s' does not exist", id ? id : "");
  return NULL;
}
