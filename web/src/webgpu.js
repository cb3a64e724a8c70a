// The "webgpu" imports of anyinfer's wasm modules (src/backend/webgpu/wgpu_wasm.c implements the
// engine's WebGPU function table over them) on a WebGPU `GPU` object: navigator.gpu in a page or
// worker, the npm `webgpu` package's create([]) in Node. Objects live in a handle table (ids, 0 is
// none); the C side passes ids, numbers and (pointer, length) pairs and reads every struct itself,
// so nothing here knows a C layout. Asynchronous calls return future ids; future_wait is the one
// import that suspends the module (JSPI: WebAssembly.Suspending), so the exports that can reach
// it must be called through WebAssembly.promising. Callbacks are queued here and run by the C side
// inside wgpuInstanceWaitAny (next_callback).

const MODULE = 'webgpu';
const WAIT_ANY_ONLY = 1; // WGPUCallbackMode
const SUCCESS = 1, CALLBACK_ERROR = 3, ADAPTER_UNAVAILABLE = 3; // statuses
const KIND = { adapter: 1, device: 2, map: 3, workDone: 4, popErrorScope: 5, deviceLost: 6,
  uncapturedError: 7 };
const LOST_UNKNOWN = 1;
const ERROR_FILTERS = [undefined, 'validation', 'out-of-memory', 'internal'];
const CB_WORDS = 6; // kind, fn, userdata1, userdata2, status, value

/** Whether this JavaScript engine can suspend wasm for a promise (JSPI). */
export const hasJspi = () => typeof WebAssembly.Suspending === 'function' &&
  typeof WebAssembly.promising === 'function';

// WGPUErrorType of a GPUError: Validation 2, OutOfMemory 3, Internal 4, Unknown 5.
function errorType(e) {
  const n = e?.constructor?.name ?? '';
  return n.includes('Validation') ? 2 : n.includes('OutOfMemory') ? 3 : n.includes('Internal') ? 4 : 5;
}

/**
 * The imports for module "webgpu". gpu: a GPU object, or null with `unavailable` saying why (the
 * module then falls back to its CPU backend and says so). name: what the engine reports as the
 * WebGPU library. Call setMemory(instance.exports.memory) before the module runs.
 * @param {{gpu: GPU|null, name?: string, unavailable?: string}} options
 */
export function createWebgpuHost({ gpu, name = 'navigator.gpu', unavailable = '' }) {
  let memory = null;
  const enc = new TextEncoder(), dec = new TextDecoder();
  const handles = new Map(); // id -> object
  let nextId = 1;
  const put = (obj) => {
    if (obj == null) return 0;
    const id = nextId++;
    handles.set(id, obj);
    return id;
  };
  const get = (id) => handles.get(id);
  const futures = new Map(); // id -> {kind, fn, u1, u2, mode, promise, result}
  let nextFuture = 1;
  const queue = []; // callbacks ready to run: {kind, fn, u1, u2, status, value, msg}
  const ranges = new Map(); // buffer id -> wasm pointers handed out by read_mapped
  const devices = new Map(); // device id -> {live}
  const stagedLimits = {}, stagedFeatures = [], stagedEntries = [];
  const stats = { adapter: '', dispatches: 0, submits: 0 };

  // Views of wasm memory: pointers and sizes arrive as i32 (negative past 2 GiB), so >>> 0.
  const bytesAt = (ptr, len) => new Uint8Array(memory.buffer, ptr >>> 0, len >>> 0);
  const wordsAt = (ptr, n) => new Uint32Array(memory.buffer, ptr >>> 0, n >>> 0);
  const str = (ptr, len) => (len > 0 ? dec.decode(bytesAt(ptr, len)) : '');
  const writeStr = (ptr, cap, s) => {
    if (cap <= 0) return 0;
    const b = enc.encode(s);
    const n = Math.min(b.length, cap - 1);
    const m = bytesAt(ptr, n + 1);
    m.set(b.subarray(0, n));
    m[n] = 0;
    return n;
  };

  // A future over promise (settling to {status, value, msg}); its callback is queued when it
  // settles, or for WaitAnyOnly mode when the C side has waited for it.
  function future(kind, promise, fn, u1, u2, mode) {
    const id = nextFuture++;
    const rec = { kind, fn, u1, u2, mode, result: null };
    rec.promise = promise.then((r) => r, (e) => ({ status: CALLBACK_ERROR, value: 0,
      msg: String(e?.message ?? e) })).then((r) => {
      rec.result = r;
      if (mode !== WAIT_ANY_ONLY) deliver(id);
    });
    futures.set(id, rec);
    return id;
  }
  function deliver(id) {
    const rec = futures.get(id);
    if (!rec) return;
    futures.delete(id);
    if (rec.fn) queue.push({ ...rec.result, kind: rec.kind, fn: rec.fn, u1: rec.u1, u2: rec.u2 });
  }
  // 1 when the future has settled (its callback then queued), else 0; with block, suspends.
  function futureWait(id, block) {
    const rec = futures.get(id);
    if (!rec) return 1; // delivered already, or never issued
    if (rec.result) {
      deliver(id);
      return 1;
    }
    if (!block) return 0;
    return rec.promise.then(() => {
      deliver(id);
      return 1;
    });
  }

  const imports = {
    host_status(msg, cap) {
      if (gpu && hasJspi()) return 1;
      writeStr(msg, cap, !gpu ? unavailable || 'no WebGPU here (navigator.gpu is undefined)'
        : 'this JavaScript engine cannot suspend wasm (no JSPI: WebAssembly.Suspending); ' +
          'WebGPU inside wasm needs Chrome >= 137 or Node >= 25');
      return 0;
    },
    host_name: (buf, cap) => writeStr(buf, cap, name),
    create_instance: () => put(gpu),
    release(h) {
      handles.delete(h);
      const d = devices.get(h);
      if (d) {
        d.live = false; // its lost and error callbacks point at freed state from now on
        devices.delete(h);
      }
    },
    future_wait: futureWait,
    next_callback(cbPtr, msgPtr, cap) {
      const cb = queue.shift();
      if (!cb) return -1;
      const v = new DataView(memory.buffer, cbPtr >>> 0, 4 * CB_WORDS);
      [cb.kind, cb.fn, cb.u1, cb.u2, cb.status, cb.value ?? 0].forEach((x, i) =>
        v.setUint32(4 * i, x >>> 0, true));
      return writeStr(msgPtr, cap, cb.msg ?? '');
    },
    request_adapter(instance, power, forceFallback, fn, u1, u2, mode) {
      const powerPreference = power === 1 ? 'low-power' : power === 2 ? 'high-performance'
        : undefined;
      const p = get(instance).requestAdapter({ powerPreference, forceFallbackAdapter: !!forceFallback })
        .then((a) => {
          if (!a) return { status: ADAPTER_UNAVAILABLE, value: 0, msg: 'requestAdapter() found none' };
          const i = a.info ?? {};
          stats.adapter = [i.vendor, i.architecture, i.device, i.description].filter(Boolean)
            .join(' ') || 'unnamed adapter';
          return { status: SUCCESS, value: put(a), msg: '' };
        });
      return future(KIND.adapter, p, fn, u1, u2, mode);
    },
    info_number(a, n, len) {
      const adapter = get(a), key = str(n, len);
      const v = adapter.info?.[key] ?? (key === 'isFallbackAdapter' ? adapter.isFallbackAdapter : undefined);
      return typeof v === 'number' || typeof v === 'boolean' ? Number(v) : -1;
    },
    info_string: (a, n, len, buf, cap) => writeStr(buf, cap, String(get(a).info?.[str(n, len)] ?? '')),
    limit(h, n, len) {
      const v = get(h).limits[str(n, len)];
      return typeof v === 'number' ? v : -1;
    },
    has_feature: (h, n, len) => (get(h).features.has(str(n, len)) ? 1 : 0),
    require_limit(n, len, value) {
      stagedLimits[str(n, len)] = value;
    },
    require_feature(n, len) {
      stagedFeatures.push(str(n, len));
    },
    request_device(a, fn, u1, u2, mode, lostFn, lostU1, lostU2, errFn, errU1, errU2) {
      const adapter = get(a);
      const requiredLimits = {};
      for (const [k, v] of Object.entries(stagedLimits)) {
        if (typeof adapter.limits[k] === 'number') requiredLimits[k] = v; // unknown here: not asked
        delete stagedLimits[k];
      }
      const requiredFeatures = stagedFeatures.splice(0);
      const p = adapter.requestDevice({ requiredFeatures, requiredLimits }).then((device) => {
        const id = put(device);
        const state = { live: true };
        devices.set(id, state);
        device.lost.then((info) => {
          if (state.live && info.reason !== 'destroyed' && lostFn) {
            queue.push({ kind: KIND.deviceLost, fn: lostFn, u1: lostU1, u2: lostU2,
              status: LOST_UNKNOWN, value: id, msg: info.message });
          }
        });
        device.addEventListener('uncapturederror', (ev) => {
          if (state.live && errFn) {
            queue.push({ kind: KIND.uncapturedError, fn: errFn, u1: errU1, u2: errU2,
              status: errorType(ev.error), value: id, msg: ev.error.message });
          }
        });
        return { status: SUCCESS, value: id, msg: '' };
      });
      return future(KIND.device, p, fn, u1, u2, mode);
    },
    device_queue: (d) => put(get(d).queue),
    device_destroy(d) {
      get(d).destroy();
    },
    push_error_scope(d, filter) {
      get(d).pushErrorScope(ERROR_FILTERS[filter] ?? 'validation');
    },
    pop_error_scope(d, fn, u1, u2, mode) {
      const p = get(d).popErrorScope().then((e) => ({ status: SUCCESS, value: e ? errorType(e) : 1,
        msg: e?.message ?? '' }));
      return future(KIND.popErrorScope, p, fn, u1, u2, mode);
    },
    create_buffer(d, usage, size, mappedAtCreation) {
      try {
        return put(get(d).createBuffer({ usage, size, mappedAtCreation: !!mappedAtCreation }));
      } catch {
        return 0; // a size the implementation refuses outright (RangeError)
      }
    },
    create_shader_module: (d, code, len) => put(get(d).createShaderModule({ code: str(code, len) })),
    create_compute_pipeline: (d, layout, module, entry, len) => put(get(d).createComputePipeline({
      layout: layout ? get(layout) : 'auto',
      compute: { module: get(module), entryPoint: str(entry, len) },
    })),
    bind_group_layout: (p, group) => put(get(p).getBindGroupLayout(group)),
    bind_group_entry(binding, buffer, offset, size) {
      stagedEntries.push({ binding, resource: { buffer: get(buffer), offset,
        size: size < 0 ? undefined : size } });
    },
    create_bind_group: (d, layout) => put(get(d).createBindGroup({ layout: get(layout),
      entries: stagedEntries.splice(0) })),
    create_command_encoder: (d) => put(get(d).createCommandEncoder()),
    begin_compute_pass: (e) => put(get(e).beginComputePass()),
    set_pipeline(p, pipeline) {
      get(p).setPipeline(get(pipeline));
    },
    set_bind_group(p, index, group, offsets, n) {
      if (n > 0) get(p).setBindGroup(index, get(group), wordsAt(offsets, n).slice());
      else get(p).setBindGroup(index, get(group));
    },
    dispatch(p, x, y, z) {
      stats.dispatches++;
      get(p).dispatchWorkgroups(x, y, z);
    },
    end_pass(p) {
      get(p).end();
    },
    copy_buffer(e, src, srcOffset, dst, dstOffset, size) {
      get(e).copyBufferToBuffer(get(src), srcOffset, get(dst), dstOffset, size);
    },
    finish: (e) => put(get(e).finish()),
    submit(q, ids, n) {
      stats.submits++;
      get(q).submit([...wordsAt(ids, n)].map(get));
    },
    write_buffer(q, b, offset, data, size) {
      get(q).writeBuffer(get(b), offset, bytesAt(data, size));
    },
    work_done(q, fn, u1, u2, mode) {
      const p = get(q).onSubmittedWorkDone().then(() => ({ status: SUCCESS, value: 0, msg: '' }));
      return future(KIND.workDone, p, fn, u1, u2, mode);
    },
    map_buffer(b, mode, offset, size, fn, u1, u2, cbMode) {
      const p = get(b).mapAsync(mode, offset, size < 0 ? undefined : size)
        .then(() => ({ status: SUCCESS, value: 0, msg: '' }));
      return future(KIND.map, p, fn, u1, u2, cbMode);
    },
    read_mapped(b, offset, size, dst) {
      try {
        bytesAt(dst, size).set(new Uint8Array(get(b).getMappedRange(offset, size >>> 0)));
      } catch {
        return 0; // not mapped there
      }
      if (!ranges.has(b)) ranges.set(b, []);
      ranges.get(b).push(dst >>> 0);
      return 1;
    },
    take_range(b) {
      const list = ranges.get(b);
      const p = list?.pop() ?? 0;
      if (list && !list.length) ranges.delete(b);
      return p;
    },
    unmap(b) {
      get(b).unmap();
    },
    destroy_buffer(b) {
      get(b).destroy();
    },
  };
  if (hasJspi()) imports.future_wait = new WebAssembly.Suspending(futureWait);
  return {
    imports,
    stats,
    setMemory(m) {
      memory = m;
    },
  };
}

/** Whether a compiled module imports WebGPU (module "webgpu"). */
export const importsWebgpu = (module) =>
  WebAssembly.Module.imports(module).some((i) => i.module === MODULE);

/** The names a compiled module imports from module "webgpu". */
export const webgpuImportNames = (module) =>
  WebAssembly.Module.imports(module).filter((i) => i.module === MODULE).map((i) => i.name);
