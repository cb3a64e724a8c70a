/* WebGPU backend core: buffers, pipelines built from the embedded WGSL, the bind group cache,
 * recording dispatches into one compute pass, submit, read-back. The ops are in webgpu_ops.c. */
#include <assert.h>
#include <stdio.h>
#include <string.h>

#include "backend/webgpu/webgpu_internal.h"
#include "backend/webgpu/wgsl_sources.h"

#define PARAM_SLOTS    4096
#define DATA_BYTES     (4u << 20)
#define UPLOAD_CHUNK   ((size_t)64 << 20)
#define F_SLOT_BINDING 8

/* The f32 roles of each kernel, one letter each, in the order of its WGSL header, and those of
 * them it writes (a slot none of whose roles is written is bound read-only, which lets GPUs cache
 * it as constant data). */
static const struct {
  const char *file;
  const char *roles, *written;
  bool has_weights; /* dequantizes a weight binding W: needs deq4 for the type */
  bool has_lanes;   /* sums across LANES invocations: needs lanes_sum */
  const char *part; /* a shared WGSL file it uses, or NULL */
} kernel_info[WG_K_COUNT] = {
    [WG_K_MATMUL_VEC] = {"matmul_vec", "xd", "d", true, true, NULL},
    [WG_K_MATMUL_TILE] = {"matmul_tile", "xd", "d", true, false, NULL},
    [WG_K_GET_ROWS] = {"get_rows", "d", "d", true, false, NULL},
    [WG_K_RMS_NORM] = {"rms_norm", "xd", "d", false, false, "rms"},
    [WG_K_ROPE] = {"rope", "x", "x", false, false, NULL},
    [WG_K_KV_STORE] = {"kv_store", "sc", "c", false, false, NULL},
    [WG_K_ATTENTION] = {"attention", "qkvd", "d", false, false, NULL},
    [WG_K_BINARY] = {"binary", "abd", "d", false, false, NULL},
    [WG_K_QUANT_ACT] = {"quant_act", "xyud", "xyd", false, false, "rms"},
    [WG_K_LAYER_NORM] = {"layer_norm", "xd", "d", false, false, NULL},
    [WG_K_IM2COL] = {"im2col", "xc", "c", false, false, NULL},
};

static WGPUBuffer buf_handle(const struct ai_buffer *b) {
  return (WGPUBuffer)b->impl;
}

static size_t round_up(size_t x, size_t a) {
  return (x + a - 1) / a * a;
}

/* ---- pipelines ---------------------------------------------------------------------------- */

static const char *wgsl(const char *name) {
  for (size_t i = 0; i < ai_wgsl_source_count; i++)
    if (strcmp(ai_wgsl_sources[i].name, name) == 0) return ai_wgsl_sources[i].text;
  return NULL;
}

/* Appends s to the growing string *out (cap *cap); false on out of memory. */
static bool append(struct wg_ctx *c, char **out, size_t *len, size_t *cap, const char *s,
                   size_t n) {
  if (*len + n + 1 > *cap) {
    size_t nc = (*len + n + 1) * 2;
    char *p = ai_realloc(&c->alloc, *out, nc);
    if (!p) return false;
    *out = p, *cap = nc;
  }
  memcpy(*out + *len, s, n);
  *len += n;
  (*out)[*len] = '\0';
  return true;
}

/* The kernel's WGSL with the f32 slot declarations of pattern and each `$r` role replaced by its
 * slot's name; NULL when out of memory. */
static char *build_source(struct wg_ctx *c, enum wg_kernel k, int type, uint32_t pattern) {
  char *out = NULL, tmp[160];
  size_t len = 0, cap = 0;
  const char *roles = kernel_info[k].roles;
  bool sg = kernel_info[k].has_lanes && c->use_subgroups, ok = true;
  if (sg) ok = append(c, &out, &len, &cap, "enable subgroups;\n", 18);
  ok = ok && append(c, &out, &len, &cap, wgsl("common"), strlen(wgsl("common")));
  uint32_t n_slots = 0;
  for (int i = 0; roles[i]; i++) {
    uint32_t s = (pattern >> (4 * i)) & 15;
    if (s + 1 > n_slots) n_slots = s + 1;
  }
  for (uint32_t s = 0; s < n_slots && ok; s++) {
    bool written = false;
    for (int i = 0; roles[i]; i++)
      if (((pattern >> (4 * i)) & 15) == s && strchr(kernel_info[k].written, roles[i]))
        written = true;
    int n = snprintf(tmp, sizeof tmp, "@group(0) @binding(%u) var<storage, %s> f%u: array<f32>;\n",
                     F_SLOT_BINDING + s, written ? "read_write" : "read", s);
    ok = append(c, &out, &len, &cap, tmp, (size_t)n);
  }
  if (kernel_info[k].has_weights && ok) {
    char deq[16] = "deq_";
    const char *tn = ai_type_traits_get(type)->name;
    for (size_t i = 0; tn[i] && i < 10; i++)
      deq[4 + i] = (char)(tn[i] >= 'A' && tn[i] <= 'Z' ? tn[i] + 32 : tn[i]);
    const char *parts[] = {wgsl("bytes"), wgsl(deq)};
    for (int p = 0; p < 2 && ok; p++)
      ok = parts[p] && append(c, &out, &len, &cap, parts[p], strlen(parts[p]));
  }
  if (kernel_info[k].part && ok)
    ok = append(c, &out, &len, &cap, wgsl(kernel_info[k].part), strlen(wgsl(kernel_info[k].part)));
  if (kernel_info[k].has_lanes && ok) {
    int n = snprintf(tmp, sizeof tmp, "const LANES: u32 = %uu;\n", c->lanes);
    const char *red = wgsl(sg ? "lanes_sg" : "lanes_wg");
    ok = append(c, &out, &len, &cap, tmp, (size_t)n) &&
         append(c, &out, &len, &cap, red, strlen(red));
  }
  for (const char *s = wgsl(kernel_info[k].file); ok && *s; s++) {
    const char *r = s[0] == '$' && s[1] ? strchr(roles, s[1]) : NULL;
    if (r) {
      int n = snprintf(tmp, sizeof tmp, "f%u", (pattern >> (4 * (r - roles))) & 15);
      ok = append(c, &out, &len, &cap, tmp, (size_t)n);
      s++;
    } else {
      ok = append(c, &out, &len, &cap, s, 1);
    }
  }
  if (!ok) {
    ai_free(&c->alloc, out);
    return NULL;
  }
  return out;
}

static const struct wg_pipeline *get_pipeline(struct wg_ctx *c, enum wg_kernel k, int type,
                                              uint32_t pattern) {
  for (int i = 0; i < c->n_pipelines; i++) {
    const struct wg_pipeline *p = &c->pipelines[i];
    if (p->kernel == k && p->type == type && p->pattern == pattern) return p;
  }
  const struct ai_wgpu_api *w = &c->dev.api;
  if (c->n_pipelines == c->cap_pipelines) {
    int nc = c->cap_pipelines ? 2 * c->cap_pipelines : 32;
    struct wg_pipeline *p = ai_realloc(&c->alloc, c->pipelines, (size_t)nc * sizeof *p);
    if (!p) return NULL;
    c->pipelines = p, c->cap_pipelines = nc;
  }
  char *src = build_source(c, k, type, pattern);
  if (!src) return NULL;
  WGPUShaderSourceWGSL code = {{NULL, WGPU_STYPE_SHADER_SOURCE_WGSL}, {src, WGPU_STRLEN}};
  WGPUShaderModuleDescriptor md = {&code.chain, {kernel_info[k].file, WGPU_STRLEN}};
  WGPUShaderModule mod = w->wgpuDeviceCreateShaderModule(c->dev.device, &md);
  ai_free(&c->alloc, src);
  WGPUComputePipelineDescriptor pd = {
      .label = {kernel_info[k].file, WGPU_STRLEN},
      .compute = {.module = mod, .entryPoint = {"main", WGPU_STRLEN}}};
  WGPUComputePipeline pipe = w->wgpuDeviceCreateComputePipeline(c->dev.device, &pd);
  w->wgpuShaderModuleRelease(mod);
  struct wg_pipeline *p = &c->pipelines[c->n_pipelines++];
  *p = (struct wg_pipeline){k, type, pattern, pipe,
                            w->wgpuComputePipelineGetBindGroupLayout(pipe, 0)};
  return p;
}

/* ---- bind groups -------------------------------------------------------------------------- */

static void clear_groups(struct wg_ctx *c) {
  for (size_t i = 0; i < c->cap_groups; i++)
    if (c->groups[i].group) c->dev.api.wgpuBindGroupRelease(c->groups[i].group);
  memset(c->groups, 0, c->cap_groups * sizeof *c->groups);
  c->n_groups = 0;
}

static WGPUBindGroup get_group(struct wg_ctx *c, const struct wg_pipeline *p,
                               const WGPUBindGroupEntry *e, size_t n) {
  uint64_t h = 1469598103934665603ull;
  uint64_t words[1 + 3 * 16];
  size_t nw = 0;
  words[nw++] = (uint64_t)(uintptr_t)p->pipeline;
  for (size_t i = 0; i < n; i++) {
    words[nw++] = (uint64_t)(uintptr_t)e[i].buffer ^ ((uint64_t)e[i].binding << 56);
    words[nw++] = e[i].offset;
    words[nw++] = e[i].size;
  }
  for (size_t i = 0; i < nw; i++) h = (h ^ words[i]) * 1099511628211ull;
  if (h == 0) h = 1;
  if (c->n_groups * 2 >= c->cap_groups) clear_groups(c);
  size_t mask = c->cap_groups - 1, i = h & mask;
  for (; c->groups[i].group; i = (i + 1) & mask)
    if (c->groups[i].hash == h) return c->groups[i].group;
  WGPUBindGroupDescriptor d = {.layout = p->layout, .entryCount = n, .entries = e};
  c->groups[i] = (struct wg_bind_entry){h, c->dev.api.wgpuDeviceCreateBindGroup(c->dev.device, &d)};
  c->n_groups++;
  return c->groups[i].group;
}

static WGPUBuffer create_buffer(struct wg_ctx *c, size_t bytes, WGPUFlags usage);

/* ---- recording ---------------------------------------------------------------------------- */

/* The binding window of a range: the whole buffer when it fits one binding (so bind groups are
 * shared by every tensor of the buffer), else from the range's aligned start. */
bool wg_fits(const struct wg_ctx *c, const struct ai_buffer *b, size_t lo, size_t hi) {
  size_t bytes = round_up(b->bytes ? b->bytes : 1, 16);
  return bytes <= c->max_binding || hi - lo / c->align * c->align <= c->max_binding;
}

static void window(const struct wg_ctx *c, const struct ai_buffer *b, size_t lo, size_t hi,
                   uint64_t *start, uint64_t *size) {
  size_t bytes = round_up(b->bytes ? b->bytes : 1, 16);
  *start = bytes <= c->max_binding ? 0 : lo / c->align * c->align;
  *size = bytes - *start < c->max_binding ? bytes - *start : c->max_binding;
  assert(hi <= *start + *size && "webgpu: tensor range exceeds one binding (caller splits)");
}

static void begin_pass(struct wg_ctx *c) {
  if (c->pass) return;
  const struct ai_wgpu_api *w = &c->dev.api;
  c->encoder = w->wgpuDeviceCreateCommandEncoder(c->dev.device, NULL);
  c->pass = w->wgpuCommandEncoderBeginComputePass(c->encoder, NULL);
}

void wg_settle(struct wg_ctx *c) {
  if (c->mm.n) wg_mm_emit(c);
  if (c->pair.kernel != WG_K_COUNT) wg_pair_emit(c);
  if (c->silu.is_held) wg_silu_emit(c);
  if (c->rms.is_held) wg_rms_emit(c);
}

void wg_flush(struct wg_ctx *c) {
  wg_settle(c);
  if (!c->pass) return;
  const struct ai_wgpu_api *w = &c->dev.api;
  w->wgpuComputePassEncoderEnd(c->pass);
  w->wgpuComputePassEncoderRelease(c->pass);
  if (c->params_used)
    w->wgpuQueueWriteBuffer(c->dev.queue, c->params, 0, c->params_host, c->params_used);
  if (c->data_used) w->wgpuQueueWriteBuffer(c->dev.queue, c->data, 0, c->data_host, c->data_used);
  WGPUCommandBuffer cb = w->wgpuCommandEncoderFinish(c->encoder, NULL);
  w->wgpuQueueSubmit(c->dev.queue, 1, &cb);
  w->wgpuCommandBufferRelease(cb);
  w->wgpuCommandEncoderRelease(c->encoder);
  c->pass = NULL, c->encoder = NULL;
  c->params_used = c->data_used = 0;
  c->n_dispatch = 0;
  c->n_submit_total++;
}

const struct ai_buffer *wg_scratch(struct wg_ctx *c, size_t bytes) {
  if (bytes > c->act_view.bytes) {
    /* Released, not destroyed: dispatches already recorded keep the old one alive. */
    if (c->act_view.impl) c->dev.api.wgpuBufferRelease(c->act_view.impl);
    size_t padded = round_up(bytes, 1 << 16);
    c->act_view = (struct ai_buffer){
        .bytes = padded,
        .impl = create_buffer(c, padded, WGPU_BUFFER_USAGE_STORAGE | WGPU_BUFFER_USAGE_COPY_DST)};
    c->act.is_valid = false;
  }
  return &c->act_view;
}

void *wg_data(struct wg_ctx *c, size_t bytes, size_t *off) {
  bytes = round_up(bytes ? bytes : 4, 16);
  assert(bytes <= c->data_cap && "webgpu: per-step data larger than its ring");
  /* Also make room for the dispatch that uses the data, so it lands in the same submit. */
  if (c->data_used + bytes > c->data_cap || c->params_used + c->align > c->params_cap) wg_flush(c);
  *off = c->data_used;
  c->data_used += bytes;
  return c->data_host + *off;
}

void wg_dispatch(struct wg_ctx *c, enum wg_kernel k, int type, const struct wg_range *f, int n_f,
                 const struct wg_range *r, int n_r, const uint32_t *u, uint64_t n_wg) {
  if (n_wg == 0) return;
  wg_settle(c); /* held-back dispatches go first */
  const struct ai_wgpu_api *w = &c->dev.api;
  if (k != WG_K_MATMUL_VEC && k != WG_K_MATMUL_TILE && k != WG_K_QUANT_ACT) c->act.is_valid = false;
  if (c->params_used + c->align > c->params_cap) wg_flush(c);
  /* f32 tensors: one slot per distinct buffer, bound over the union of its ranges. */
  int slot_of[WG_MAX_ROLES], n_slots = 0;
  const struct ai_buffer *slot_buf[WG_MAX_ROLES];
  size_t slot_lo[WG_MAX_ROLES], slot_hi[WG_MAX_ROLES];
  uint32_t pattern = 0;
  for (int i = 0; i < n_f; i++) {
    int s = 0;
    while (s < n_slots && slot_buf[s] != f[i].buf) s++;
    if (s == n_slots) {
      slot_buf[s] = f[i].buf, slot_lo[s] = f[i].lo, slot_hi[s] = f[i].hi;
      n_slots++;
    }
    if (f[i].lo < slot_lo[s]) slot_lo[s] = f[i].lo;
    if (f[i].hi > slot_hi[s]) slot_hi[s] = f[i].hi;
    slot_of[i] = s;
    pattern |= (uint32_t)s << (4 * i);
  }
  const struct wg_pipeline *p = get_pipeline(c, k, type, pattern);
  if (!p) {
    if (!c->dev.error[0]) snprintf(c->dev.error, sizeof c->dev.error, "webgpu: out of memory");
    return;
  }
  WGPUBindGroupEntry e[1 + WG_MAX_ROLES * 2];
  size_t n_e = 0;
  uint32_t prm[WG_PARAM_BYTES / 4] = {0};
  size_t param_off = c->params_used;
  e[n_e++] = (WGPUBindGroupEntry){
      .binding = 0, .buffer = c->params, .offset = param_off, .size = WG_PARAM_BYTES};
  uint64_t start[WG_MAX_ROLES], size;
  for (int s = 0; s < n_slots; s++) {
    window(c, slot_buf[s], slot_lo[s], slot_hi[s], &start[s], &size);
    e[n_e++] = (WGPUBindGroupEntry){.binding = F_SLOT_BINDING + (uint32_t)s,
                                    .buffer = buf_handle(slot_buf[s]),
                                    .offset = start[s],
                                    .size = size};
  }
  for (int i = 0; i < n_f; i++) prm[i] = (uint32_t)((f[i].lo - start[slot_of[i]]) / 4);
  for (int i = 0; i < n_r; i++) {
    const struct ai_buffer *b = r[i].buf ? r[i].buf : &c->dummy_view;
    uint64_t st;
    window(c, b, r[i].lo, r[i].hi, &st, &size);
    e[n_e++] = (WGPUBindGroupEntry){
        .binding = 1 + (uint32_t)i, .buffer = buf_handle(b), .offset = st, .size = size};
    prm[n_f + i] = (uint32_t)(r[i].lo - st);
  }
  memcpy(prm + 8, u, WG_N_U * sizeof *u);
  memcpy(c->params_host + param_off, prm, sizeof prm);
  c->params_used += c->align;
  begin_pass(c);
  uint64_t max_x = c->dev.limits.maxComputeWorkgroupsPerDimension;
  uint32_t gx = (uint32_t)(n_wg < max_x ? n_wg : max_x), gy = (uint32_t)((n_wg + gx - 1) / gx);
  assert(gy <= max_x && "webgpu: dispatch grid too large");
  w->wgpuComputePassEncoderSetPipeline(c->pass, p->pipeline);
  w->wgpuComputePassEncoderSetBindGroup(c->pass, 0, get_group(c, p, e, n_e), 0, NULL);
  w->wgpuComputePassEncoderDispatchWorkgroups(c->pass, gx, gy, 1);
  c->n_dispatch++;
  c->n_dispatch_total++;
}

/* ---- buffers ------------------------------------------------------------------------------ */

static WGPUBuffer create_buffer(struct wg_ctx *c, size_t bytes, WGPUFlags usage) {
  WGPUBufferDescriptor d = {.usage = usage, .size = bytes};
  return c->dev.api.wgpuDeviceCreateBuffer(c->dev.device, &d);
}

static anyinfer_status wg_buffer_alloc(void *vctx, size_t bytes, struct ai_buffer **out,
                                       struct ai_error *err) {
  struct wg_ctx *c = vctx;
  size_t padded = round_up(bytes ? bytes : 1, 16);
  if (padded > c->dev.limits.maxBufferSize)
    return ai_error_set(err, ANYINFER_E_NOMEM,
                        "webgpu: a buffer of %zu bytes exceeds the device's maxBufferSize %llu",
                        bytes, (unsigned long long)c->dev.limits.maxBufferSize);
  struct ai_buffer *b = ai_calloc(&c->alloc, 1, sizeof *b);
  if (!b) return ai_error_set(err, ANYINFER_E_NOMEM, "webgpu: out of memory");
  WGPUBuffer h = create_buffer(
      c, padded,
      WGPU_BUFFER_USAGE_STORAGE | WGPU_BUFFER_USAGE_COPY_DST | WGPU_BUFFER_USAGE_COPY_SRC);
  if (!h) {
    ai_free(&c->alloc, b);
    return ai_error_set(err, ANYINFER_E_NOMEM, "webgpu: cannot allocate %zu bytes", bytes);
  }
  *b = (struct ai_buffer){.bytes = bytes, .impl = h};
  *out = b;
  return ANYINFER_OK;
}

static void wg_buffer_free(void *vctx, struct ai_buffer *b) {
  struct wg_ctx *c = vctx;
  if (!b) return;
  wg_flush(c);
  c->act.is_valid = false;
  c->dev.api.wgpuBufferDestroy(buf_handle(b));
  c->dev.api.wgpuBufferRelease(buf_handle(b));
  ai_free(&c->alloc, b);
}

static void on_mapped(WGPUEnum status, WGPUStringView msg, void *u1, void *u2) {
  (void)status, (void)msg, (void)u1, (void)u2; /* a failed map shows as a NULL mapped range */
}

static void on_done(WGPUEnum status, WGPUStringView msg, void *u1, void *u2) {
  (void)status, (void)msg, (void)u1, (void)u2;
}

/* Copies [offset, offset + bytes) of b into dst; offset and bytes multiples of 4. */
static void read_aligned(struct wg_ctx *c, const struct ai_buffer *b, size_t offset, void *dst,
                         size_t bytes) {
  const struct ai_wgpu_api *w = &c->dev.api;
  wg_flush(c);
  if (bytes > c->staging_cap) {
    if (c->staging) w->wgpuBufferRelease(c->staging);
    c->staging_cap = round_up(bytes, 1 << 16);
    c->staging =
        create_buffer(c, c->staging_cap, WGPU_BUFFER_USAGE_MAP_READ | WGPU_BUFFER_USAGE_COPY_DST);
  }
  WGPUCommandEncoder enc = w->wgpuDeviceCreateCommandEncoder(c->dev.device, NULL);
  w->wgpuCommandEncoderCopyBufferToBuffer(enc, buf_handle(b), offset, c->staging, 0, bytes);
  WGPUCommandBuffer cb = w->wgpuCommandEncoderFinish(enc, NULL);
  w->wgpuQueueSubmit(c->dev.queue, 1, &cb);
  w->wgpuCommandBufferRelease(cb);
  w->wgpuCommandEncoderRelease(enc);
  WGPUBufferMapCallbackInfo ci = {NULL, WGPU_CALLBACK_MODE_WAIT_ANY_ONLY, on_mapped, NULL, NULL};
  wg_wait(&c->dev, w->wgpuBufferMapAsync(c->staging, WGPU_MAP_MODE_READ, 0, bytes, ci));
  const void *src = w->wgpuBufferGetConstMappedRange(c->staging, 0, bytes);
  if (src)
    memcpy(dst, src, bytes);
  else if (!c->dev.error[0])
    snprintf(c->dev.error, sizeof c->dev.error, "webgpu: map failed");
  w->wgpuBufferUnmap(c->staging);
}

static void wg_read(void *vctx, const struct ai_buffer *b, size_t offset, void *dst, size_t bytes) {
  struct wg_ctx *c = vctx;
  size_t lo = offset / 4 * 4, hi = round_up(offset + bytes, 4);
  if (lo == offset && hi == offset + bytes) {
    read_aligned(c, b, offset, dst, bytes);
    return;
  }
  uint8_t *tmp = ai_malloc(&c->alloc, hi - lo);
  if (!tmp) {
    if (!c->dev.error[0]) snprintf(c->dev.error, sizeof c->dev.error, "webgpu: out of memory");
    return;
  }
  read_aligned(c, b, lo, tmp, hi - lo);
  memcpy(dst, tmp + (offset - lo), bytes);
  ai_free(&c->alloc, tmp);
}

static void wg_write(void *vctx, struct ai_buffer *b, size_t offset, const void *src,
                     size_t bytes) {
  struct wg_ctx *c = vctx;
  const struct ai_wgpu_api *w = &c->dev.api;
  /* Queue writes land before the next submit: submit what is recorded first, so the write
   * comes after the ops that were called before it. */
  wg_flush(c);
  c->act.is_valid = false;
  size_t lo = offset / 4 * 4, hi = round_up(offset + bytes, 4);
  const uint8_t *s = src;
  if (lo != offset || hi != offset + bytes) {
    /* Unaligned: patch the edge words read back from the device. */
    uint8_t head[4], tail[4];
    read_aligned(c, b, lo, head, 4);
    read_aligned(c, b, hi - 4, tail, 4);
    uint8_t *tmp = ai_malloc(&c->alloc, hi - lo);
    if (!tmp) {
      if (!c->dev.error[0]) snprintf(c->dev.error, sizeof c->dev.error, "webgpu: out of memory");
      return;
    }
    memcpy(tmp, head, 4);
    memcpy(tmp + (hi - lo) - 4, tail, 4);
    memcpy(tmp + (offset - lo), src, bytes);
    w->wgpuQueueWriteBuffer(c->dev.queue, buf_handle(b), lo, tmp, hi - lo);
    ai_free(&c->alloc, tmp);
    return;
  }
  for (size_t done = 0; done < bytes; done += UPLOAD_CHUNK) {
    size_t n = bytes - done < UPLOAD_CHUNK ? bytes - done : UPLOAD_CHUNK;
    w->wgpuQueueWriteBuffer(c->dev.queue, buf_handle(b), offset + done, s + done, n);
  }
}

static anyinfer_status wg_buffer_from_host(void *vctx, const void *host, size_t bytes,
                                           struct ai_buffer **out, struct ai_error *err) {
  anyinfer_status st = wg_buffer_alloc(vctx, bytes, out, err);
  if (st) return st;
  wg_write(vctx, *out, 0, host, bytes);
  return ANYINFER_OK;
}

static void wg_sync(void *vctx) {
  struct wg_ctx *c = vctx;
  wg_flush(c);
  WGPUQueueWorkDoneCallbackInfo ci = {NULL, WGPU_CALLBACK_MODE_WAIT_ANY_ONLY, on_done, NULL, NULL};
  wg_wait(&c->dev, c->dev.api.wgpuQueueOnSubmittedWorkDone(c->dev.queue, ci));
}

static bool wg_supports(void *vctx, enum ai_op op, enum ai_type type) {
  (void)vctx;
  switch (op) {
    case AI_OP_MATMUL:
    case AI_OP_GET_ROWS:
    case AI_OP_CONV1D:
      switch (type) {
        case AI_TYPE_F32:
        case AI_TYPE_F16:
        case AI_TYPE_BF16:
        case AI_TYPE_Q4_0:
        case AI_TYPE_Q4_1:
        case AI_TYPE_Q5_0:
        case AI_TYPE_Q5_1:
        case AI_TYPE_Q8_0:
        case AI_TYPE_Q4_K:
        case AI_TYPE_Q5_K:
        case AI_TYPE_Q6_K:
          return true;
        default:
          return false;
      }
    case AI_OP_ARGMAX:
    case AI_OP_COUNT:
      return false;
    default:
      return type == AI_TYPE_F32;
  }
}

static void wg_free(void *vctx) {
  struct wg_ctx *c = vctx;
  if (!c) return;
  struct ai_alloc alloc = c->alloc;
  const struct ai_wgpu_api *w = &c->dev.api;
  if (c->dev.device) {
    wg_flush(c);
    if (c->groups) clear_groups(c);
    for (int i = 0; i < c->n_pipelines; i++) {
      w->wgpuBindGroupLayoutRelease(c->pipelines[i].layout);
      w->wgpuComputePipelineRelease(c->pipelines[i].pipeline);
    }
    WGPUBuffer bufs[] = {c->params, c->data, c->dummy, c->staging, c->act_view.impl};
    for (int i = 0; i < 5; i++)
      if (bufs[i]) w->wgpuBufferRelease(bufs[i]);
  }
  wg_device_close(&c->dev);
  ai_free(&alloc, c->pipelines);
  ai_free(&alloc, c->groups);
  ai_free(&alloc, c->params_host);
  ai_free(&alloc, c->data_host);
  ai_free(&alloc, c);
}

static const struct ai_backend_ops wg_ops = {
    .name = "webgpu",
    .free = wg_free,
    .buffer_alloc = wg_buffer_alloc,
    .buffer_from_host = wg_buffer_from_host,
    .buffer_free = wg_buffer_free,
    .write = wg_write,
    .read = wg_read,
    .sync = wg_sync,
    .supports = wg_supports,
    .get_rows = wg_get_rows,
    .rms_norm = wg_rms_norm,
    .matmul = wg_matmul,
    .rope = wg_rope,
    .kv_store = wg_kv_store,
    .attention = wg_attention,
    .silu_mul = wg_silu_mul,
    .add = wg_add,
    .layer_norm = wg_layer_norm,
    .gelu = wg_gelu,
    .conv1d = wg_conv1d,
};

const char *ai_webgpu_backend_error(const struct ai_backend *b) {
  return ((const struct wg_ctx *)b->ctx)->dev.error;
}

anyinfer_status ai_webgpu_backend_create(const struct ai_alloc *alloc,
                                         const struct ai_webgpu_params *params,
                                         struct ai_backend *out, struct ai_error *err) {
  *out = (struct ai_backend){0};
  struct wg_ctx *c = ai_calloc(alloc, 1, sizeof *c);
  if (!c) return ai_error_set(err, ANYINFER_E_NOMEM, "webgpu: out of memory");
  c->alloc = *alloc;
  c->pair.kernel = WG_K_COUNT;
  anyinfer_status st = wg_device_open(&c->dev, true, err);
  if (st) goto fail;
  /* Subgroups for matmul_vec only where their size is fixed (a row is one subgroup). */
  uint32_t sg = c->dev.subgroup_min;
  c->use_subgroups = c->dev.has_subgroups && !(params && params->no_subgroups) &&
                     sg == c->dev.subgroup_max && sg >= 4 && sg <= 128 && (sg & (sg - 1)) == 0;
  c->lanes = c->use_subgroups ? sg : 32;
  const WGPULimits *l = &c->dev.limits;
  c->align = l->minStorageBufferOffsetAlignment > l->minUniformBufferOffsetAlignment
                 ? l->minStorageBufferOffsetAlignment
                 : l->minUniformBufferOffsetAlignment;
  if (c->align < WG_PARAM_BYTES) c->align = 256;
  c->max_binding = l->maxStorageBufferBindingSize / 256 * 256;
  if (params && params->max_binding && params->max_binding < c->max_binding)
    c->max_binding = params->max_binding / 256 * 256;
  c->params_cap = (size_t)PARAM_SLOTS * c->align;
  c->data_cap = DATA_BYTES;
  c->cap_groups = 8192;
  c->params_host = ai_malloc(alloc, c->params_cap);
  c->data_host = ai_malloc(alloc, c->data_cap);
  c->groups = ai_calloc(alloc, c->cap_groups, sizeof *c->groups);
  const WGPUFlags storage = WGPU_BUFFER_USAGE_STORAGE | WGPU_BUFFER_USAGE_COPY_DST;
  c->params =
      create_buffer(c, c->params_cap, WGPU_BUFFER_USAGE_UNIFORM | WGPU_BUFFER_USAGE_COPY_DST);
  c->data = create_buffer(c, c->data_cap, storage);
  c->dummy = create_buffer(c, 256, storage);
  if (!c->params_host || !c->data_host || !c->groups || !c->params || !c->data || !c->dummy) {
    st = ai_error_set(err, ANYINFER_E_NOMEM, "webgpu: out of memory");
    goto fail;
  }
  c->data_view = (struct ai_buffer){.bytes = c->data_cap, .impl = c->data};
  c->dummy_view = (struct ai_buffer){.bytes = 256, .impl = c->dummy};
  *out = (struct ai_backend){&wg_ops, c};
  return ANYINFER_OK;
fail:
  wg_free(c);
  return st;
}
