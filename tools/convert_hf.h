/* The Hugging Face -> GGUF model converter behind `anyinfer convert` (cmd_convert.c). A tools/
 * module that uses internal engine headers (format/gguf.h, format/safetensors.h,
 * engine/quantize.h, tensor/types.h): it writes files the public API has no call for.
 * Native only (jansson). convert_hf.c reads config.json and writes the metadata; convert_tensors.c
 * maps, checks and streams the safetensors tensors. */
#ifndef AI_TOOLS_CONVERT_HF_H
#define AI_TOOLS_CONVERT_HF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "anyinfer.h"
#include "base/file.h"
#include "engine/quantize.h"
#include "format/gguf.h"
#include "format/safetensors.h"

struct hf_convert_params {
  const char *dir;               /* the Hugging Face model folder */
  const char *out_path;          /* GGUF to write */
  const char *type;              /* file type, any case: "f16", "Q4_K_M", ... (NULL: F16) */
  anyinfer_progress_fn progress; /* NULL: none */
  void *progress_user_data;
};

/* Converts p->dir into p->out_path. On failure returns false with a message naming the file, the
 * tensor or key and the values in err; no output file is left behind. */
bool hf_convert(const struct hf_convert_params *p, char *err, size_t err_cap);

/* ---- shared by convert_hf.c and convert_tensors.c ---------------------------------------- */

/* config.json, as the converter needs it. */
struct hf_config {
  const char *arch;    /* general.architecture: "llama" or "qwen2" */
  int64_t n_vocab;     /* vocab_size */
  int64_t n_embd;      /* hidden_size */
  int64_t n_layer;     /* num_hidden_layers */
  int64_t n_ff;        /* intermediate_size */
  int64_t n_head;      /* num_attention_heads */
  int64_t n_head_kv;   /* num_key_value_heads (default n_head) */
  int64_t head_dim;    /* head_dim, or n_embd / n_head */
  bool has_head_dim;   /* config.json gives head_dim explicitly */
  bool tie_embeddings; /* tie_word_embeddings */
  /* whisper only (n_embd d_model; n_layer, n_head, n_ff are the decoder's) */
  int64_t w_n_mel, w_audio_ctx, w_text_ctx, w_enc_layer, w_enc_head, w_enc_ff;
};

struct hf_shard {
  char *path;
  struct ai_file file;
  struct ai_reader reader;
  struct ai_safetensors *st;
};

/* One tensor to write: where its bytes are and how they become GGUF rows. */
struct hf_tensor {
  char name[AI_GGUF_MAX_NAME]; /* GGUF name */
  uint32_t order;              /* sort key: token_embd, blk.0 ..., output_norm, output */
  const struct hf_shard *shard;
  const struct ai_st_tensor *src;
  uint32_t n_dims;
  int64_t ne[AI_GGUF_MAX_DIMS]; /* GGUF shape: the safetensors shape reversed */
  int64_t n_rows, ne0;          /* the source as n_rows contiguous rows of ne0 elements */
  int64_t permute_heads;        /* > 0: llama's Q/K row permutation over this many heads */
  enum ai_type type;            /* written */
  const uint8_t *data;          /* source bytes, set while the tensor is filled */
  struct hf_model *model;
};

struct hf_model {
  struct hf_shard *shards;
  size_t n_shards;
  struct hf_tensor *tensors; /* sorted by order */
  size_t n_tensors;
  bool has_output; /* output.weight is written (untied embeddings) */
  bool is_whisper; /* tensor types from whisper_tensor_type */
  struct ai_threadpool *pool;
  float *scratch;    /* max ne0 floats per thread */
  uint8_t *read_buf; /* largest source tensor, when a shard is not mapped */
};

/* Opens the safetensors files of dir (model.safetensors.index.json, else model.safetensors, else
 * every *.safetensors), maps every tensor to its GGUF name, checks dtypes and shapes against c
 * and that no tensor is missing. m is closed on failure. */
bool hf_model_open(struct hf_model *m, const char *dir, const struct hf_config *c, char *err,
                   size_t err_cap);
/* Chooses each tensor's type for ft and adds it to w with a fill callback; m must outlive the
 * write. */
bool hf_model_add_tensors(struct hf_model *m, const struct ai_ftype *ft, int32_t n_layer,
                          struct ai_gguf_writer *w, char *err, size_t err_cap);
void hf_model_close(struct hf_model *m);

/* ---- Whisper (convert_whisper.c) ----------------------------------------------------------- */

struct json_t;
/* config.json of a WhisperForConditionalGeneration into c (arch set by the caller). */
bool whisper_read_config(struct json_t *cfg, const char *path, struct hf_config *c, char *err,
                         size_t err_cap);
/* Maps an HF tensor name: 1 mapped (gguf, order, HF shape and dims, *layer or -1), 0 skipped
 * (proj_out, tied), -1 unknown, -2 a layer beyond the config's count. */
int whisper_map_tensor(const struct hf_config *c, const char *hf, char *gguf, uint32_t *order,
                       uint32_t *n_dims, int64_t *shape, int64_t *layer);
/* Every tensor the forward pass needs is in m; else names the first missing one. */
bool whisper_check_complete(const struct hf_model *m, const struct hf_config *c, const char *dir,
                            char *err, size_t err_cap);
/* The type a tensor is written in for ft (convolutions and positions stay float). */
enum ai_type whisper_tensor_type(const struct ai_ftype *ft, const struct hf_tensor *t);
/* general.* and whisper.* keys, suppress-token lists from generation_config.json, and the
 * mel_filters tensor from preprocessor_config.json when it has one (*mel_filters: its storage,
 * freed by the caller after the write). */
bool whisper_set_metadata(const char *dir, const char *name, const struct hf_config *c,
                          const struct ai_ftype *ft, struct ai_gguf_writer *w, float **mel_filters,
                          char *err, size_t err_cap);

#endif
