/* State shared by the WebGPU backend's files; not for use outside src/backend/webgpu/. */
#ifndef AI_BACKEND_WEBGPU_WEBGPU_INTERNAL_H
#define AI_BACKEND_WEBGPU_WEBGPU_INTERNAL_H

#include "backend/webgpu/webgpu_backend.h"
#include "backend/webgpu/wgpu_abi.h"

/* An instance, its adapter and (optionally) a device with the adapter's limits. */
struct wg_device {
  struct ai_wgpu_api api;
  WGPUInstance instance;
  WGPUAdapter adapter;
  WGPUDevice device;
  WGPUQueue queue;
  WGPULimits limits; /* the device's (the adapter's when there is no device) */
  /* The adapter's subgroup sizes; has_subgroups: the device was made with the feature. */
  uint32_t subgroup_min, subgroup_max;
  bool has_subgroups;
  char lib[256];   /* path of the Dawn library loaded */
  char error[256]; /* first uncaptured error or device loss; "" if none */
};

/* Loads Dawn and opens the adapter; with make_device also the device and its queue. */
anyinfer_status wg_device_open(struct wg_device *d, bool make_device, struct ai_error *err);
void wg_device_close(struct wg_device *d);
/* Blocks until future completes (WaitAny without timeout: sleeps, does not spin). */
void wg_wait(struct wg_device *d, WGPUFuture f);

/* Kernels; each names its WGSL file and the tensor roles it binds (f32 roles are merged per
 * buffer into slots; byte roles get one binding each). */
enum wg_kernel {
  WG_K_MATMUL_VEC,  /* a few tokens: LANES invocations per weight row */
  WG_K_MATMUL_TILE, /* many tokens: 64 x 64 tiles in workgroup memory */
  WG_K_GET_ROWS,
  WG_K_RMS_NORM,
  WG_K_ROPE,
  WG_K_KV_STORE,
  WG_K_ATTENTION,
  WG_K_BINARY,
  WG_K_QUANT_ACT,
  WG_K_LAYER_NORM,
  WG_K_IM2COL,
  WG_K_COUNT
};

#define WG_MAX_ROLES   4
#define WG_N_U         24
#define WG_PARAM_BYTES 128 /* struct Params of common.wgsl: 8 offsets + 24 scalars */
#define WG_MM_PARTS    3   /* matmuls of one input merged into one matmul_vec dispatch */

/* A byte range [lo, hi) of a buffer that one dispatch reads or writes. */
struct wg_range {
  const struct ai_buffer *buf;
  size_t lo, hi;
};

/* One cached compute pipeline: kernel, weight type and f32 slot pattern. */
struct wg_pipeline {
  enum wg_kernel kernel;
  int type;
  uint32_t pattern;
  WGPUComputePipeline pipeline;
  WGPUBindGroupLayout layout;
};

struct wg_bind_entry {
  uint64_t hash;
  WGPUBindGroup group;
};

struct wg_ctx {
  struct ai_alloc alloc;
  struct wg_device dev;
  uint64_t max_binding; /* bytes, a multiple of 256 */
  uint32_t align;       /* storage and uniform offset alignment */
  /* Invocations per weight row of matmul_vec: the subgroup size when use_subgroups (lanes_sg.wgsl,
   * one subgroupAdd per row), else 32 (lanes_wg.wgsl, a tree in workgroup memory). */
  uint32_t lanes;
  bool use_subgroups;

  struct wg_pipeline *pipelines;
  int n_pipelines, cap_pipelines;
  struct wg_bind_entry *groups; /* open-addressed bind group cache */
  size_t n_groups, cap_groups;

  /* Recording: one encoder and compute pass until flush. */
  WGPUCommandEncoder encoder;
  WGPUComputePassEncoder pass;
  int n_dispatch; /* since the last flush */
  /* Per-dispatch parameters (uniform) and per-step data (token ids, rope tables), staged on the
   * host and written to the device in one call each, just before the submit. */
  uint8_t *params_host;
  WGPUBuffer params;
  size_t params_cap, params_used; /* bytes */
  uint8_t *data_host;
  WGPUBuffer data;
  struct ai_buffer data_view; /* data as an ai_buffer for ranges */
  size_t data_cap, data_used;
  WGPUBuffer dummy; /* bound for absent roles */
  struct ai_buffer dummy_view;
  WGPUBuffer staging; /* MAP_READ, grown to the largest read */
  size_t staging_cap;
  uint64_t n_dispatch_total, n_submit_total;
  /* Activations rounded as the CPU rounds them (quant_act.wgsl), for the matmuls that follow;
   * valid until a dispatch other than a matmul or a write. */
  struct ai_buffer act_view;
  struct {
    const struct ai_buffer *buf;
    size_t offset, nb1;
    int64_t ne0, ne1;
    uint32_t mode;
    bool is_valid;
  } act;
  /* Decode matmuls of one input (q, k and v of a layer; gate and up) waiting to go out as one
   * matmul_vec dispatch of up to WG_MM_PARTS parts: sent by the next other dispatch or flush
   * (wg_mm_emit), or when full. */
  struct {
    int n, type;
    struct wg_range x;         /* the activations the kernel reads (rounded: the scratch) */
    struct ai_tensor x_source; /* the matmul's own x, to recognise the next one's */
    uint32_t x_stride, row_bytes, k, n_tok, has_bias, sums;
    struct wg_range w[WG_MM_PARTS], d[WG_MM_PARTS], b[WG_MM_PARTS];
    uint32_t rows[WG_MM_PARTS], d_stride[WG_MM_PARTS];
  } mm;
  /* One rope or kv_store dispatch held back to go out with the next of the same kernel and
   * buffers as one dispatch of two parts (rope of q and k, kv_store of k and v): sent by any other
   * dispatch or flush (wg_pair_emit). Its arguments as for wg_dispatch. */
  struct {
    enum wg_kernel kernel; /* WG_K_COUNT: none pending */
    struct wg_range f[2], r;
    int n_f, n_r;
    uint32_t u[WG_N_U];
    uint64_t n_wg;
  } pair;
  /* silu_mul(gate, up, gate) held back: when the next op is a matmul of gate whose activations
   * are rounded (quant_act), quant_act computes silu(gate) * up itself, writes it to gate and
   * rounds it (one dispatch less); otherwise it goes out as the binary kernel. */
  struct {
    bool is_held;
    struct ai_tensor gate, up;
  } silu;
  /* rms_norm held back likewise: quant_act of the next matmul of its output computes the norm
   * itself (and writes dst). */
  struct {
    bool is_held;
    struct ai_tensor x, weight, dst;
    float eps;
  } rms;
  /* The rope table staged in this submit's data, reused by every rope call of the step. */
  struct {
    int32_t pos0, n_dims;
    int64_t n_tok;
    float base, scale;
    const float *factors;
    uint64_t submit; /* n_submit_total when staged */
    size_t off;
    bool is_set;
  } rope;
};

/* Records one dispatch of kernel (weight type for matmul/get_rows, else 0) over n_wg
 * workgroups: f[n_f] are its f32 tensors, r[n_r] its byte-read tensors (in WGSL role order), u
 * its WG_N_U scalars. */
void wg_dispatch(struct wg_ctx *c, enum wg_kernel k, int type, const struct wg_range *f, int n_f,
                 const struct wg_range *r, int n_r, const uint32_t *u, uint64_t n_wg);
/* Reserves bytes (a multiple of 4) of per-step data; returns its host copy and, in *off, its
 * byte offset in c->data. */
void *wg_data(struct wg_ctx *c, size_t bytes, size_t *off);
/* Whether [lo, hi) of b fits the one binding a dispatch would make for it. */
bool wg_fits(const struct wg_ctx *c, const struct ai_buffer *b, size_t lo, size_t hi);
/* The backend's activation scratch, grown to at least bytes. */
const struct ai_buffer *wg_scratch(struct wg_ctx *c, size_t bytes);
/* Submits what is recorded (no wait). */
void wg_flush(struct wg_ctx *c);
/* Dispatches whatever is held back (c->mm, c->pair, c->silu, c->rms); at most one of them is:
 * each op that holds one back settles the others first. */
void wg_settle(struct wg_ctx *c);
/* Dispatch the pending matmuls of c->mm / the pending c->pair / the held c->silu or c->rms
 * (webgpu_ops.c); the callers test c->mm.n, c->pair.kernel and the is_held flags first. At most one
 * is pending: each op that holds one back sends the others first. */
void wg_mm_emit(struct wg_ctx *c);
void wg_pair_emit(struct wg_ctx *c);
void wg_silu_emit(struct wg_ctx *c);
void wg_rms_emit(struct wg_ctx *c);
/* Records kernel k (WG_K_ROPE or WG_K_KV_STORE) as wg_dispatch would, possibly later, merged with
 * the next such call. u[0..7] are the part's own scalars; n_wg covers the part. */
void wg_pair_dispatch(struct wg_ctx *c, enum wg_kernel k, const struct wg_range *f, int n_f,
                      const struct wg_range *r, int n_r, const uint32_t *u, uint64_t n_wg);

/* The ops (webgpu_ops.c). */
void wg_get_rows(void *ctx, const struct ai_tensor *table, const int32_t *tokens, int64_t n_tok,
                 const struct ai_tensor *dst);
void wg_rms_norm(void *ctx, const struct ai_tensor *x, const struct ai_tensor *weight, float eps,
                 const struct ai_tensor *dst);
void wg_matmul(void *ctx, const struct ai_tensor *w, const struct ai_tensor *x,
               const struct ai_tensor *bias, const struct ai_tensor *dst);
void wg_rope(void *ctx, const struct ai_tensor *x, const struct ai_rope_params *p);
void wg_kv_store(void *ctx, const struct ai_tensor *src, const struct ai_tensor *cache,
                 int32_t pos0);
void wg_attention(void *ctx, const struct ai_tensor *q, const struct ai_tensor *k_cache,
                  const struct ai_tensor *v_cache, const struct ai_attention_params *p,
                  const struct ai_tensor *dst);
void wg_silu_mul(void *ctx, const struct ai_tensor *gate, const struct ai_tensor *up,
                 const struct ai_tensor *dst);
void wg_add(void *ctx, const struct ai_tensor *a, const struct ai_tensor *b,
            const struct ai_tensor *dst);
void wg_layer_norm(void *ctx, const struct ai_tensor *x, const struct ai_tensor *weight,
                   const struct ai_tensor *bias, float eps, const struct ai_tensor *dst);
void wg_gelu(void *ctx, const struct ai_tensor *x, const struct ai_tensor *dst);
void wg_conv1d(void *ctx, const struct ai_tensor *w, const struct ai_tensor *x,
               const struct ai_tensor *bias, const struct ai_conv1d_params *p,
               const struct ai_tensor *cols, const struct ai_tensor *dst);

#endif
