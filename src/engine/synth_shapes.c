/* The models anyinfer_synth can write and the list of their tensors, named and shaped as
 * llama.cpp names them (gguf-py/gguf/constants.py MODEL_TENSOR names, src/llama-model.cpp
 * LLM_ARCH_LLAMA / LLM_ARCH_QWEN2 shapes). Hyperparameters come from each model's Hugging Face
 * config.json; vocabulary layouts (special token ids and order) from its tokenizer.json. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "engine/synth.h"

/* TinyLlama-1.1B-Chat-v1.0's tokenizer_config.json template (Zephyr style). */
static const char kZephyrTemplate[] =
    "{% for message in messages %}\n"
    "{% if message['role'] == 'user' %}\n"
    "{{ '<|user|>\n' + message['content'] + eos_token }}\n"
    "{% elif message['role'] == 'system' %}\n"
    "{{ '<|system|>\n' + message['content'] + eos_token }}\n"
    "{% elif message['role'] == 'assistant' %}\n"
    "{{ '<|assistant|>\n'  + message['content'] + eos_token }}\n"
    "{% endif %}\n"
    "{% if loop.last and add_generation_prompt %}\n"
    "{{ '<|assistant|>' }}\n"
    "{% endif %}\n"
    "{% endfor %}";

/* ChatML, as Qwen2.5 and SmolLM2 use it (without their default system prompts). */
static const char kChatmlTemplate[] =
    "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\n' + message['content'] "
    "+ '<|im_end|>' + '\n'}}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' "
    "}}{% endif %}";

/* Meta-Llama-3-8B-Instruct's template (Llama 3.2's adds tool and date handling around it). */
static const char kLlama3Template[] =
    "{% set loop_messages = messages %}{% for message in loop_messages %}{% set content = "
    "'<|start_header_id|>' + message['role'] + '<|end_header_id|>\n\n'+ message['content'] | trim "
    "+ '<|eot_id|>' %}{% if loop.index0 == 0 %}{% set content = bos_token + content %}{% endif "
    "%}{{ content }}{% endfor %}{% if add_generation_prompt %}{{ "
    "'<|start_header_id|>assistant<|end_header_id|>\n\n' }}{% endif %}";

static const char *const kSpmSpecials[] = {"<unk>", "<s>", "</s>", NULL};

/* Qwen2.5 tokenizer.json added_tokens, ids 151643..151664 in order. <tool_call> and
 * </tool_call> are not "special" in Qwen's file; we list them as control tokens all the same. */
static const char *const kQwenSpecials[] = {"<|endoftext|>",
                                            "<|im_start|>",
                                            "<|im_end|>",
                                            "<|object_ref_start|>",
                                            "<|object_ref_end|>",
                                            "<|box_start|>",
                                            "<|box_end|>",
                                            "<|quad_start|>",
                                            "<|quad_end|>",
                                            "<|vision_start|>",
                                            "<|vision_end|>",
                                            "<|vision_pad|>",
                                            "<|image_pad|>",
                                            "<|video_pad|>",
                                            "<tool_call>",
                                            "</tool_call>",
                                            "<|fim_prefix|>",
                                            "<|fim_middle|>",
                                            "<|fim_suffix|>",
                                            "<|fim_pad|>",
                                            "<|repo_name|>",
                                            "<|file_sep|>",
                                            NULL};

static const char *const kTestQwenSpecials[] = {"<|endoftext|>", "<|im_start|>", "<|im_end|>",
                                                NULL};

/* Llama 3 special tokens 128000..128010; 128011..128255 are <|reserved_special_token_3|>.. */
static const char *const kLlama3Specials[] = {"<|begin_of_text|>",
                                              "<|end_of_text|>",
                                              "<|reserved_special_token_0|>",
                                              "<|reserved_special_token_1|>",
                                              "<|finetune_right_pad_id|>",
                                              "<|reserved_special_token_2|>",
                                              "<|start_header_id|>",
                                              "<|end_header_id|>",
                                              "<|eom_id|>",
                                              "<|eot_id|>",
                                              "<|python_tag|>",
                                              NULL};

/* SmolLM2 tokenizer.json added_tokens, ids 0..16. */
static const char *const kSmolSpecials[] = {
    "<|endoftext|>",    "<|im_start|>",   "<|im_end|>",
    "<repo_name>",      "<reponame>",     "<file_sep>",
    "<filename>",       "<gh_stars>",     "<issue_start>",
    "<issue_comment>",  "<issue_closed>", "<jupyter_start>",
    "<jupyter_text>",   "<jupyter_code>", "<jupyter_output>",
    "<jupyter_script>", "<empty_output>", NULL};

/* Whisper's specials after the regular tokens: <|endoftext|>, <|startoftranscript|>, the 99
 * languages of the multilingual v1/v2 models (openai/whisper tokenizer.py LANGUAGES order), the
 * task and prompt tokens; the timestamps follow as reserved tokens. */
static const char *const kWhisperSpecials[] = {"<|endoftext|>",    "<|startoftranscript|>",
                                               "<|en|>",           "<|zh|>",
                                               "<|de|>",           "<|es|>",
                                               "<|ru|>",           "<|ko|>",
                                               "<|fr|>",           "<|ja|>",
                                               "<|pt|>",           "<|tr|>",
                                               "<|pl|>",           "<|ca|>",
                                               "<|nl|>",           "<|ar|>",
                                               "<|sv|>",           "<|it|>",
                                               "<|id|>",           "<|hi|>",
                                               "<|fi|>",           "<|vi|>",
                                               "<|he|>",           "<|uk|>",
                                               "<|el|>",           "<|ms|>",
                                               "<|cs|>",           "<|ro|>",
                                               "<|da|>",           "<|hu|>",
                                               "<|ta|>",           "<|no|>",
                                               "<|th|>",           "<|ur|>",
                                               "<|hr|>",           "<|bg|>",
                                               "<|lt|>",           "<|la|>",
                                               "<|mi|>",           "<|ml|>",
                                               "<|cy|>",           "<|sk|>",
                                               "<|te|>",           "<|fa|>",
                                               "<|lv|>",           "<|bn|>",
                                               "<|sr|>",           "<|az|>",
                                               "<|sl|>",           "<|kn|>",
                                               "<|et|>",           "<|mk|>",
                                               "<|br|>",           "<|eu|>",
                                               "<|is|>",           "<|hy|>",
                                               "<|ne|>",           "<|mn|>",
                                               "<|bs|>",           "<|kk|>",
                                               "<|sq|>",           "<|sw|>",
                                               "<|gl|>",           "<|mr|>",
                                               "<|pa|>",           "<|si|>",
                                               "<|km|>",           "<|sn|>",
                                               "<|yo|>",           "<|so|>",
                                               "<|af|>",           "<|oc|>",
                                               "<|ka|>",           "<|be|>",
                                               "<|tg|>",           "<|sd|>",
                                               "<|gu|>",           "<|am|>",
                                               "<|yi|>",           "<|lo|>",
                                               "<|uz|>",           "<|fo|>",
                                               "<|ht|>",           "<|ps|>",
                                               "<|tk|>",           "<|nn|>",
                                               "<|mt|>",           "<|sa|>",
                                               "<|lb|>",           "<|my|>",
                                               "<|bo|>",           "<|tl|>",
                                               "<|mg|>",           "<|as|>",
                                               "<|tt|>",           "<|haw|>",
                                               "<|ln|>",           "<|ha|>",
                                               "<|ba|>",           "<|jw|>",
                                               "<|su|>",           "<|translate|>",
                                               "<|transcribe|>",   "<|startoflm|>",
                                               "<|startofprev|>",  "<|nocaptions|>",
                                               "<|notimestamps|>", NULL};

static const struct ai_synth_spec kSpecs[] = {
    {.name = "tinyllama-1.1b",
     .general_name = "TinyLlama 1.1B Chat v1.0",
     .arch = "llama",
     .n_layer = 22,
     .n_embd = 2048,
     .n_ff = 5632,
     .n_head = 32,
     .n_head_kv = 4,
     .n_vocab = 32000,
     .n_ctx = 2048,
     .rope_base = 10000.0f,
     .rms_eps = 1e-5f,
     .vocab = AI_SYNTH_SPM,
     .n_regular = 32000 - 3,
     .specials = kSpmSpecials,
     .specials_first = true,
     .bos = 1,
     .eos = 2,
     .pad = 2,
     .add_bos = true,
     .chat_template = kZephyrTemplate},
    {.name = "qwen2.5-0.5b",
     .general_name = "Qwen2.5 0.5B Instruct",
     .arch = "qwen2",
     .n_layer = 24,
     .n_embd = 896,
     .n_ff = 4864,
     .n_head = 14,
     .n_head_kv = 2,
     .n_vocab = 151936,
     .n_ctx = 32768,
     .rope_base = 1000000.0f,
     .rms_eps = 1e-6f,
     .has_qkv_bias = true,
     .tied = true,
     .vocab = AI_SYNTH_BPE,
     .pre = "qwen2",
     .n_regular = 151643,
     .specials = kQwenSpecials,
     .n_unused = 151936 - 151665,
     .bos = 151643,
     .eos = 151645,
     .pad = 151643,
     .add_bos = false,
     .chat_template = kChatmlTemplate},
    {.name = "llama-3.2-1b",
     .general_name = "Llama 3.2 1B Instruct",
     .arch = "llama",
     .n_layer = 16,
     .n_embd = 2048,
     .n_ff = 8192,
     .n_head = 32,
     .n_head_kv = 8,
     .n_vocab = 128256,
     .n_ctx = 131072,
     .rope_base = 500000.0f,
     .rms_eps = 1e-5f,
     .tied = true,
     .rope_factor = 32.0f,
     .rope_low_freq = 1.0f,
     .rope_high_freq = 4.0f,
     .rope_orig_ctx = 8192,
     .vocab = AI_SYNTH_BPE,
     .pre = "llama-bpe",
     .n_regular = 128000,
     .specials = kLlama3Specials,
     .reserved_fmt = "<|reserved_special_token_%d|>",
     .reserved_first = 3,
     .bos = 128000,
     .eos = 128009,
     .pad = -1,
     .add_bos = true,
     .chat_template = kLlama3Template},
    {.name = "smollm2-135m",
     .general_name = "SmolLM2 135M Instruct",
     .arch = "llama",
     .n_layer = 30,
     .n_embd = 576,
     .n_ff = 1536,
     .n_head = 9,
     .n_head_kv = 3,
     .n_vocab = 49152,
     .n_ctx = 8192,
     .rope_base = 100000.0f,
     .rms_eps = 1e-5f,
     .tied = true,
     .vocab = AI_SYNTH_BPE,
     .pre = "smollm",
     .n_regular = 49152 - 17,
     .specials = kSmolSpecials,
     .specials_first = true,
     .bos = 1,
     .eos = 2,
     .pad = 2,
     .add_bos = false,
     .chat_template = kChatmlTemplate},
    /* Small models for fast engine tests. test-llama mirrors TinyLlama's layout (SPM, untied
     * output, GQA); every row length is below 256, so K-quant targets take llama.cpp's
     * fallbacks. test-qwen2 mirrors Qwen2.5 (BPE, biases, tied): n_embd 128 falls back while
     * ffn_down's rows of 256 take K-quants, as Qwen2.5-0.5B's 896 / 4864 do. */
    {.name = "test-llama",
     .general_name = "anyinfer test llama",
     .arch = "llama",
     .n_layer = 2,
     .n_embd = 64,
     .n_ff = 128,
     .n_head = 4,
     .n_head_kv = 2,
     .n_vocab = 320,
     .n_ctx = 2048,
     .rope_base = 10000.0f,
     .rms_eps = 1e-5f,
     .vocab = AI_SYNTH_SPM,
     .n_regular = 320 - 3,
     .specials = kSpmSpecials,
     .specials_first = true,
     .bos = 1,
     .eos = 2,
     .pad = -1,
     .add_bos = true,
     .chat_template = kZephyrTemplate},
    /* Whisper tiny and base (openai/whisper-{tiny,base} config.json), multilingual: 50257
     * regular tokens, 107 specials, 1501 timestamps = 51865. */
    {.name = "whisper-tiny",
     .general_name = "Whisper tiny",
     .arch = "whisper",
     .n_layer = 4,
     .n_dec_layer = 4,
     .n_embd = 384,
     .n_ff = 1536,
     .n_head = 6,
     .n_head_kv = 6,
     .n_vocab = 51865,
     .n_ctx = 448,
     .n_mel = 80,
     .n_audio_ctx = 1500,
     .rms_eps = 1e-5f,
     .tied = true,
     .vocab = AI_SYNTH_BPE,
     .pre = "gpt-2",
     .n_regular = 50257,
     .specials = kWhisperSpecials,
     .bos = 50257,
     .eos = 50257,
     .pad = 50257},
    {.name = "whisper-base",
     .general_name = "Whisper base",
     .arch = "whisper",
     .n_layer = 6,
     .n_dec_layer = 6,
     .n_embd = 512,
     .n_ff = 2048,
     .n_head = 8,
     .n_head_kv = 8,
     .n_vocab = 51865,
     .n_ctx = 448,
     .n_mel = 80,
     .n_audio_ctx = 1500,
     .rms_eps = 1e-5f,
     .tied = true,
     .vocab = AI_SYNTH_BPE,
     .pre = "gpt-2",
     .n_regular = 50257,
     .specials = kWhisperSpecials,
     .bos = 50257,
     .eos = 50257,
     .pad = 50257},
    {.name = "test-qwen2",
     .general_name = "anyinfer test qwen2",
     .arch = "qwen2",
     .n_layer = 2,
     .n_embd = 128,
     .n_ff = 256,
     .n_head = 4,
     .n_head_kv = 2,
     .n_vocab = 600,
     .n_ctx = 2048,
     .rope_base = 1000000.0f,
     .rms_eps = 1e-6f,
     .has_qkv_bias = true,
     .tied = true,
     .vocab = AI_SYNTH_BPE,
     .pre = "qwen2",
     .n_regular = 597,
     .specials = kTestQwenSpecials,
     .bos = 597,
     .eos = 599,
     .pad = 597,
     .add_bos = false,
     .chat_template = kChatmlTemplate},
};

static const char *const kNames[] = {"tinyllama-1.1b", "qwen2.5-0.5b", "llama-3.2-1b",
                                     "smollm2-135m",   "test-llama",   "test-qwen2",
                                     "whisper-tiny",   "whisper-base", NULL};

const char *const *anyinfer_synth_names(void) {
  return kNames;
}

const struct ai_synth_spec *ai_synth_find(const char *name) {
  if (!name) return NULL;
  for (size_t i = 0; i < sizeof kSpecs / sizeof kSpecs[0]; i++)
    if (strcmp(kSpecs[i].name, name) == 0) return &kSpecs[i];
  return NULL;
}

/* Per layer, in this order: attn_norm, attn_q (+bias), attn_k (+bias), attn_v (+bias),
 * attn_output, ffn_norm, ffn_gate, ffn_up, ffn_down. */
static int32_t per_layer(const struct ai_synth_spec *s) {
  return s->has_qkv_bias ? 12 : 9;
}

static int32_t n_before_layers(const struct ai_synth_spec *s) {
  return (s->rope_factor > 0.0f ? 1 : 0) + 1; /* rope_freqs, token_embd */
}

/* Whisper: 11 tensors outside the layers, 15 per encoder layer, 24 per decoder layer (docs/
 * formats.md, "Whisper in GGUF"). */
enum { WHISPER_GLOBAL = 11, WHISPER_ENC = 15, WHISPER_DEC = 24 };

int32_t ai_synth_tensor_count(const struct ai_synth_spec *s) {
  if (s->n_mel > 0) return WHISPER_GLOBAL + s->n_layer * WHISPER_ENC + s->n_dec_layer * WHISPER_DEC;
  return n_before_layers(s) + s->n_layer * per_layer(s) + 1 + (s->tied ? 0 : 1);
}

static void set(struct ai_synth_tensor *t, const char *name, int64_t ne0, int64_t ne1,
                enum ai_synth_fill fill) {
  snprintf(t->name, sizeof t->name, "%s", name);
  t->n_dims = ne1 > 0 ? 2 : 1;
  t->ne[0] = ne0;
  t->ne[1] = ne1 > 0 ? ne1 : 1;
  t->ne[2] = 1;
  t->fill = fill;
}

static void whisper_tensor(const struct ai_synth_spec *s, int32_t i, struct ai_synth_tensor *out) {
  const int64_t E = s->n_embd;
  if (i < WHISPER_GLOBAL) {
    static const char *const names[WHISPER_GLOBAL] = {
        "enc.conv1.weight",       "enc.conv1.bias",           "enc.conv2.weight",
        "enc.conv2.bias",         "enc.position_embd.weight", "enc.output_norm.weight",
        "enc.output_norm.bias",   "dec.token_embd.weight",    "dec.position_embd.weight",
        "dec.output_norm.weight", "dec.output_norm.bias"};
    const int64_t ne0[WHISPER_GLOBAL] = {3, E, 3, E, E, E, E, E, E, E, E};
    const int64_t ne1[WHISPER_GLOBAL] = {s->n_mel,   0,        E, 0, s->n_audio_ctx, 0, 0,
                                         s->n_vocab, s->n_ctx, 0, 0};
    const bool norm = i == 5 || i == 9, bias = i == 1 || i == 3 || i == 6 || i == 10;
    set(out, names[i], ne0[i], ne1[i],
        norm   ? AI_SYNTH_ONES
        : bias ? AI_SYNTH_BIAS
               : AI_SYNTH_RANDOM);
    if (i == 0 || i == 2) out->n_dims = 3, out->ne[2] = E; /* [3, c_in, E] */
    return;
  }
  i -= WHISPER_GLOBAL;
  bool is_dec = i >= s->n_layer * WHISPER_ENC;
  if (is_dec) i -= s->n_layer * WHISPER_ENC;
  int32_t per = is_dec ? WHISPER_DEC : WHISPER_ENC, layer = i / per, j = i % per;
  /* The decoder's layout; the encoder skips the 9 cross-attention entries (9..17). */
  static const char *const kNames[WHISPER_DEC] = {"attn_norm.weight",
                                                  "attn_norm.bias",
                                                  "attn_q.weight",
                                                  "attn_q.bias",
                                                  "attn_k.weight",
                                                  "attn_v.weight",
                                                  "attn_v.bias",
                                                  "attn_output.weight",
                                                  "attn_output.bias",
                                                  "cross_attn_norm.weight",
                                                  "cross_attn_norm.bias",
                                                  "cross_attn_q.weight",
                                                  "cross_attn_q.bias",
                                                  "cross_attn_k.weight",
                                                  "cross_attn_v.weight",
                                                  "cross_attn_v.bias",
                                                  "cross_attn_output.weight",
                                                  "cross_attn_output.bias",
                                                  "ffn_norm.weight",
                                                  "ffn_norm.bias",
                                                  "ffn_up.weight",
                                                  "ffn_up.bias",
                                                  "ffn_down.weight",
                                                  "ffn_down.bias"};
  if (!is_dec && j >= 9) j += 9;
  char name[48];
  snprintf(name, sizeof name, "%s.blk.%d.%s", is_dec ? "dec" : "enc", layer, kNames[j]);
  const char *n = kNames[j];
  int64_t ne0 = strstr(n, "ffn_down.weight") ? s->n_ff : E;
  int64_t ne1 = strstr(n, ".bias") || strstr(n, "norm") ? 0 : strstr(n, "ffn_up") ? s->n_ff : E;
  if (!strcmp(n, "ffn_up.bias")) ne0 = s->n_ff;
  set(out, name, ne0, ne1,
      strstr(n, "norm.weight") ? AI_SYNTH_ONES
      : strstr(n, ".bias")     ? AI_SYNTH_BIAS
                               : AI_SYNTH_RANDOM);
}

void ai_synth_tensor_get(const struct ai_synth_spec *s, int32_t i, struct ai_synth_tensor *out) {
  if (s->n_mel > 0) return whisper_tensor(s, i, out);
  const int64_t head_dim = s->n_embd / s->n_head;
  const int64_t n_embd = s->n_embd, n_q = head_dim * s->n_head, n_kv = head_dim * s->n_head_kv;
  if (s->rope_factor > 0.0f) {
    if (i == 0) return set(out, "rope_freqs.weight", head_dim / 2, 0, AI_SYNTH_ROPE_FREQS);
    i--;
  }
  if (i == 0) return set(out, "token_embd.weight", n_embd, s->n_vocab, AI_SYNTH_RANDOM);
  i--;
  if (i >= s->n_layer * per_layer(s)) {
    i -= s->n_layer * per_layer(s);
    if (i == 0) return set(out, "output_norm.weight", n_embd, 0, AI_SYNTH_ONES);
    return set(out, "output.weight", n_embd, s->n_vocab, AI_SYNTH_RANDOM);
  }
  int32_t layer = i / per_layer(s), j = i % per_layer(s);
  static const int32_t kUnbiased[9] = {0, 1, 3, 5, 7, 8, 9, 10, 11};
  if (!s->has_qkv_bias) j = kUnbiased[j];
  /* j indexes the biased layout: 0 attn_norm, 1 q, 2 q.bias, 3 k, 4 k.bias, 5 v, 6 v.bias,
   * 7 attn_output, 8 ffn_norm, 9 ffn_gate, 10 ffn_up, 11 ffn_down. */
  static const char *const kLayerNames[12] = {
      "attn_norm.weight", "attn_q.weight",   "attn_q.bias",   "attn_k.weight",
      "attn_k.bias",      "attn_v.weight",   "attn_v.bias",   "attn_output.weight",
      "ffn_norm.weight",  "ffn_gate.weight", "ffn_up.weight", "ffn_down.weight"};
  char name[48];
  snprintf(name, sizeof name, "blk.%d.%s", layer, kLayerNames[j]);
  switch (j) {
    case 0:
    case 8:
      return set(out, name, n_embd, 0, AI_SYNTH_ONES);
    case 1:
      return set(out, name, n_embd, n_q, AI_SYNTH_RANDOM);
    case 2:
      return set(out, name, n_q, 0, AI_SYNTH_BIAS);
    case 3:
    case 5:
      return set(out, name, n_embd, n_kv, AI_SYNTH_RANDOM);
    case 4:
    case 6:
      return set(out, name, n_kv, 0, AI_SYNTH_BIAS);
    case 7:
      return set(out, name, n_q, n_embd, AI_SYNTH_RANDOM);
    case 9:
    case 10:
      return set(out, name, n_embd, s->n_ff, AI_SYNTH_RANDOM);
    default:
      return set(out, name, s->n_ff, n_embd, AI_SYNTH_RANDOM);
  }
}

void ai_synth_rope_freqs(const struct ai_synth_spec *s, float *out) {
  const int32_t dim = s->n_embd / s->n_head;
  const float low_wavelen = (float)s->rope_orig_ctx / s->rope_low_freq;
  const float high_wavelen = (float)s->rope_orig_ctx / s->rope_high_freq;
  for (int32_t i = 0; i < dim / 2; i++) {
    float freq = 1.0f / powf(s->rope_base, (float)(2 * i) / (float)dim);
    float wavelen = 2.0f * 3.14159265358979323846f / freq;
    if (wavelen < high_wavelen) {
      out[i] = 1.0f;
    } else if (wavelen > low_wavelen) {
      out[i] = s->rope_factor;
    } else {
      float smooth = ((float)s->rope_orig_ctx / wavelen - s->rope_low_freq) /
                     (s->rope_high_freq - s->rope_low_freq);
      out[i] = 1.0f / ((1.0f - smooth) / s->rope_factor + smooth);
    }
  }
}
