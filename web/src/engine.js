// anyinfer in the page (or a worker, or Node): build-wasm/anyinfer-web.wasm (web/wasm/anyinfer_web.c)
// behind an API shaped like the OpenAI SDK's:
//   const engine = await createEngine({ model: url, onProgress });
//   for await (const chunk of engine.chat.completions.create({ messages, stream: true }))
//     out.textContent += chunk.choices[0]?.delta?.content ?? '';
// createEngine({ worker: true }) runs the same engine in a Web Worker (web/src/worker.js).
import { AnyinferError } from './errors.js';
import { fetchModel } from './fetch.js';
import { WasiExit, createWasi } from './wasi.js';
import { createWebgpuHost, hasJspi } from './webgpu.js';

export { AnyinferError } from './errors.js';
export { clearModelCache } from './fetch.js';

const DEFAULT_WASM_URL = new URL('../../build-wasm/anyinfer-web.wasm', import.meta.url);
const ERR_CAP = 1024;
const FINISH = ['stop', 'length', 'stop', 'stop', 'length']; // by anyinfer_stop_reason
const MODEL_PATH = 'model.gguf';

async function compileModule(url) {
  const href = new URL(url, globalThis.location?.href).href;
  try {
    if (href.startsWith('file:')) {
      const { readFile } = await import('node:fs/promises');
      return await WebAssembly.compile(await readFile(new URL(href)));
    }
    const response = await fetch(href);
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    return WebAssembly.compileStreaming
      ? await WebAssembly.compileStreaming(response)
      : await WebAssembly.compile(await response.arrayBuffer());
  } catch (e) {
    throw new AnyinferError('ERR_WASM', `${href}: cannot load the anyinfer module: ${e.message}`,
                            { cause: e });
  }
}

// Lets the page paint between tokens: a macrotask without setTimeout's 4 ms clamp.
function yieldToHost() {
  if (typeof MessageChannel === 'undefined') return new Promise((r) => setTimeout(r, 0));
  return new Promise((resolve) => {
    const ch = new MessageChannel();
    ch.port1.onmessage = () => {
      ch.port1.close();
      resolve();
    };
    ch.port2.postMessage(0);
  });
}

// The instance and the C strings and buffers it is called with.
class Runtime {
  constructor(instance, wasi) {
    this.x = instance.exports;
    this.wasi = wasi;
    this.enc = new TextEncoder();
    this.dec = new TextDecoder();
    // The exports that may wait for the GPU, which suspends the module (JSPI): they return
    // promises. Without JSPI there is no WebGPU (the host says so) and they never wait.
    const suspendable = (f) => (hasJspi() ? WebAssembly.promising(f) : f);
    this.gpu = { session_create: suspendable(this.x.aiw_session_create),
                 run_start: suspendable(this.x.aiw_run_start),
                 run_step: suspendable(this.x.aiw_run_step),
                 transcriber_create: suspendable(this.x.aiw_transcriber_create),
                 transcribe: suspendable(this.x.aiw_transcribe) };
  }
  mem() {
    return new Uint8Array(this.x.memory.buffer);
  }
  alloc(n) {
    const p = this.x.aiw_malloc(n);
    if (!p) throw new AnyinferError('ERR_GENERATE', `out of wasm memory (${n} bytes)`);
    return p;
  }
  // A NUL-terminated copy of a JS string; [ptr, byte length].
  str(s) {
    const b = this.enc.encode(s);
    const p = this.alloc(b.length + 1);
    const m = this.mem();
    m.set(b, p);
    m[p + b.length] = 0;
    return [p, b.length];
  }
  // An array of pointers to copies of the strings; [array ptr, [string ptrs]].
  strArray(list) {
    const ptrs = list.map((s) => this.str(s)[0]);
    const arr = this.alloc(4 * Math.max(1, ptrs.length));
    const v = new DataView(this.x.memory.buffer);
    ptrs.forEach((p, i) => v.setUint32(arr + 4 * i, p, true));
    return [arr, ptrs];
  }
  cstr(p, len) {
    if (!p) return '';
    const m = this.mem();
    let end = p;
    if (len === undefined) while (m[end]) end++;
    else end = p + len;
    return this.dec.decode(m.subarray(p, end));
  }
  bytes(p, len) {
    return this.mem().slice(p, p + len);
  }
  free(...ptrs) {
    for (const p of ptrs.flat()) if (p) this.x.aiw_free(p);
  }
  // Runs fn(errPtr, ERR_CAP); a zero result becomes AnyinferError(code) with the engine's text.
  call(code, fn) {
    const err = this.alloc(ERR_CAP);
    this.mem()[err] = 0;
    try {
      return this.checked(code, err, fn(err, ERR_CAP));
    } catch (e) {
      throw this.failure(code, e);
    } finally {
      this.free(err);
    }
  }
  // call() for fn that returns a promise (a this.gpu export).
  async callAsync(code, fn) {
    const err = this.alloc(ERR_CAP);
    this.mem()[err] = 0;
    try {
      return this.checked(code, err, await fn(err, ERR_CAP));
    } catch (e) {
      throw this.failure(code, e);
    } finally {
      this.free(err);
    }
  }
  checked(code, err, r) {
    if (!r) throw new AnyinferError(code, this.cstr(err) || 'unknown error');
    return r;
  }
  failure(code, e) {
    return e instanceof WasiExit ? new AnyinferError(code, `the engine exited (${e.code})`) : e;
  }
}

function samplerArgs(req) {
  const num = (v, def, name, lo, hi) => {
    const x = v ?? def;
    if (typeof x !== 'number' || !(x >= lo && x <= hi)) {
      throw new AnyinferError('ERR_ARGUMENT', `${name}: ${v} is outside [${lo}, ${hi}]`);
    }
    return x;
  };
  const stop = req.stop == null ? [] : Array.isArray(req.stop) ? req.stop : [req.stop];
  if (stop.length > 8 || stop.some((s) => typeof s !== 'string' || !s)) {
    throw new AnyinferError('ERR_ARGUMENT', 'stop: at most 8 non-empty strings');
  }
  return {
    maxTokens: num(req.max_completion_tokens ?? req.max_tokens, -1, 'max_tokens', -1, 1 << 24),
    temperature: num(req.temperature, 0.8, 'temperature', 0, 100),
    topK: num(req.top_k, 40, 'top_k', 0, 1 << 20),
    topP: num(req.top_p, 0.95, 'top_p', 0, 1),
    minP: num(req.min_p, 0.05, 'min_p', 0, 1),
    repeatPenalty: num(req.repeat_penalty, 1, 'repeat_penalty', 0, 100),
    seed: num(req.seed, Math.floor(Math.random() * 2 ** 32), 'seed', 0, 2 ** 32 - 1) >>> 0,
    stop,
  };
}

/**
 * The engine on this thread. Options: model (URL, File/Blob or ArrayBuffer; required),
 * onProgress(event), wasmUrl (default: build-wasm/anyinfer-web.wasm of this checkout), cache
 * (default true: Cache API), nCtx (0: the model's, at most 4096), onLog(line), signal,
 * backend ('auto' (default) or 'webgpu': WebGPU where there is one (navigator.gpu, or options.gpu:
 * a GPU object such as the npm `webgpu` package's create([])) and JSPI, else the wasm CPU with
 * backendNote saying why; 'cpu').
 */
export async function createLocalEngine(options = {}) {
  const { model, onProgress, wasmUrl = DEFAULT_WASM_URL, cache = true, nCtx = 0, onLog, signal,
          backend = 'auto' } = options;
  if (model == null) throw new AnyinferError('ERR_ARGUMENT', 'createEngine: model is required');
  if (!['auto', 'webgpu', 'cpu'].includes(backend)) {
    throw new AnyinferError('ERR_ARGUMENT', `backend: '${backend}' is not auto, webgpu or cpu`);
  }
  const [module, file] = await Promise.all([
    compileModule(wasmUrl),
    fetchModel(model, { onProgress, cache, signal }),
  ]);
  const files = new Map([[MODEL_PATH, file.bytes]]);
  let lastWarning = '';
  const wasi = createWasi({ args: ['anyinfer-web'], files, stderr: (l) => {
    if (l.startsWith('anyinfer: warning: ')) lastWarning = l.slice(19);
    onLog?.(l);
  } });
  const gpu = backend === 'cpu' ? null : options.gpu ?? globalThis.navigator?.gpu ?? null;
  const host = createWebgpuHost({ gpu, name: options.gpu ? 'options.gpu' : 'navigator.gpu' });
  let instance;
  try {
    instance = await WebAssembly.instantiate(module, { wasi_snapshot_preview1: wasi.imports,
                                                       webgpu: host.imports });
  } catch (e) {
    throw new AnyinferError('ERR_WASM', `cannot instantiate the anyinfer module: ${e.message}`,
                            { cause: e });
  }
  wasi.setMemory(instance.exports.memory);
  host.setMemory(instance.exports.memory);
  instance.exports._initialize();
  const rt = new Runtime(instance, wasi);
  onProgress?.({ phase: 'load', loaded: 0, total: file.bytes.length, fraction: 0 });
  const [pathPtr] = rt.str(`/${MODEL_PATH}`);
  let modelPtr, sessionPtr;
  try {
    modelPtr = rt.call('ERR_MODEL_LOAD', (e, c) => rt.x.aiw_model_load(pathPtr, e, c));
  } finally {
    rt.free(pathPtr);
    files.delete(MODEL_PATH); // the engine holds the weights now
    wasi.flush();
  }
  const isWhisper = rt.cstr(rt.x.aiw_model_str(modelPtr, 0)) === 'whisper';
  const [backendPtr] = rt.str(backend);
  try {
    sessionPtr = isWhisper
      ? await rt.callAsync('ERR_SESSION', (e, c) =>
        rt.gpu.transcriber_create(modelPtr, backendPtr, e, c))
      : await rt.callAsync('ERR_SESSION', (e, c) =>
        rt.gpu.session_create(modelPtr, nCtx, backendPtr, e, c));
  } catch (e) {
    rt.x.aiw_model_free(modelPtr);
    throw e;
  } finally {
    rt.free(backendPtr);
    wasi.flush();
  }
  // Where it runs, and why not on WebGPU when that was asked for but not had.
  const onGpu = rt.cstr(isWhisper ? rt.x.aiw_transcriber_backend(sessionPtr)
    : rt.x.aiw_session_backend(sessionPtr)) === 'webgpu';
  const cpuNote = 'wasm CPU (SIMD128, one thread)';
  const backendNote = onGpu ? `WebGPU: ${host.stats.adapter}`
    : backend === 'cpu' ? cpuNote : `${cpuNote}: ${lastWarning.replace(/; using the CPU backend$/, '')}`;
  onProgress?.({ phase: 'load', loaded: file.bytes.length, total: file.bytes.length, fraction: 1 });
  const info = {
    name: rt.cstr(rt.x.aiw_model_str(modelPtr, 1)) || file.name,
    architecture: rt.cstr(rt.x.aiw_model_str(modelPtr, 0)),
    type: rt.cstr(rt.x.aiw_model_str(modelPtr, 2)),
    fileBytes: rt.x.aiw_model_num(modelPtr, 0),
    parameters: rt.x.aiw_model_num(modelPtr, 1),
    vocabulary: rt.x.aiw_model_num(modelPtr, 2),
    contextTrain: rt.x.aiw_model_num(modelPtr, 3),
    context: isWhisper ? 0 : rt.x.aiw_session_n_ctx(sessionPtr),
    fromCache: file.fromCache,
    source: typeof model === 'string' || model instanceof URL ? String(model) : file.name,
  };
  let busy = false, disposed = false;

  const guard = (needWhisper = false) => {
    if (disposed) throw new AnyinferError('ERR_DISPOSED', 'the engine was unloaded');
    if (needWhisper !== isWhisper) {
      throw new AnyinferError('ERR_ARGUMENT', isWhisper
        ? `${info.name} is a Whisper model: use audio.transcriptions.create`
        : `${info.name} is not a Whisper model: it cannot transcribe`);
    }
    if (busy) throw new AnyinferError('ERR_BUSY', 'one request at a time: the last one is still running');
  };

  const renderChat = (messages) => {
    guard();
    if (!Array.isArray(messages) || messages.length === 0) {
      throw new AnyinferError('ERR_ARGUMENT', 'messages: a non-empty array of {role, content}');
    }
    const text = (c) => (typeof c === 'string' ? c : Array.isArray(c)
      ? c.filter((p) => p?.type === 'text').map((p) => p.text).join('') : c == null ? '' : String(c));
    const [roles, rolePtrs] = rt.strArray(messages.map((m) => String(m.role ?? 'user')));
    const [contents, contentPtrs] = rt.strArray(messages.map((m) => text(m.content)));
    try {
      const p = rt.call('ERR_TEMPLATE', (e, c) =>
        rt.x.aiw_chat_render(modelPtr, roles, contents, messages.length, e, c));
      const s = rt.cstr(p);
      rt.free(p);
      return s;
    } finally {
      rt.free(roles, rolePtrs, contents, contentPtrs);
    }
  };

  // Steps one generation; yields {text, token, done, reason} per step, then stats.
  async function* steps(prompt, parseSpecial, req) {
    guard();
    const s = samplerArgs(req);
    busy = true;
    const [textPtr, textLen] = rt.str(prompt);
    const [stops, stopPtrs] = rt.strArray(s.stop);
    let run = 0;
    const t0 = performance.now();
    try {
      run = await rt.callAsync('ERR_GENERATE', (e, c) => rt.gpu.run_start(sessionPtr, modelPtr, textPtr,
        textLen, parseSpecial ? 1 : 0, s.maxTokens, s.temperature, s.topK, s.topP, s.minP,
        s.repeatPenalty, s.seed, stops, s.stop.length, e, c));
    } catch (e) {
      busy = false;
      rt.free(textPtr, stops, stopPtrs);
      if (/do(es)? not fit/.test(e.message)) e.code = 'ERR_CONTEXT_FULL';
      throw e;
    }
    const t1 = performance.now();
    const ids = [];
    let lastYield = t1, reason = 1;
    try {
      for (;;) {
        if (req.signal?.aborted) {
          rt.x.aiw_run_cancel(run);
          const text = rt.cstr(rt.x.aiw_run_text(run), rt.x.aiw_run_len(run));
          if (text) yield { text, token: -1 };
          reason = 3;
          break;
        }
        if (await rt.gpu.run_step(run) !== 0) {
          throw new AnyinferError('ERR_GENERATE', rt.cstr(rt.x.aiw_run_error(run)));
        }
        const done = rt.x.aiw_run_done(run) !== 0;
        reason = rt.x.aiw_run_reason(run);
        const token = rt.x.aiw_run_token(run);
        if (!(done && reason === 0) && !(done && reason === 4)) ids.push(token);
        const text = rt.cstr(rt.x.aiw_run_text(run), rt.x.aiw_run_len(run));
        if (text) yield { text, token };
        if (done) break;
        if (performance.now() - lastYield > 12) {
          await yieldToHost();
          lastYield = performance.now();
        }
      }
      const t2 = performance.now();
      yield {
        done: true,
        reason,
        stats: {
          prompt_tokens: rt.x.aiw_run_n_prompt(run),
          cached_tokens: rt.x.aiw_run_n_cached(run),
          completion_tokens: rt.x.aiw_run_n_generated(run),
          prompt_seconds: (t1 - t0) / 1000,
          generate_seconds: (t2 - t1) / 1000,
          token_ids: ids,
        },
      };
    } finally {
      rt.x.aiw_run_free(run);
      rt.free(textPtr, stops, stopPtrs);
      wasi.flush();
      busy = false;
    }
  }

  let counter = 0;
  const makeId = (prefix) => `${prefix}-${Date.now().toString(36)}${(counter++).toString(36)}`;
  const usageOf = (st) => ({
    prompt_tokens: st.prompt_tokens,
    completion_tokens: st.completion_tokens,
    total_tokens: st.prompt_tokens + st.completion_tokens,
    prompt_tokens_details: { cached_tokens: st.cached_tokens },
  });
  const extra = (st) => ({
    backend: onGpu ? 'webgpu' : 'cpu',
    prompt_seconds: st.prompt_seconds,
    generate_seconds: st.generate_seconds,
    tokens_per_second: st.generate_seconds > 0 ? st.completion_tokens / st.generate_seconds : 0,
    token_ids: st.token_ids,
  });

  async function* chatStream(req) {
    const prompt = renderChat(req.messages);
    const id = makeId('chatcmpl'), created = Math.floor(Date.now() / 1000);
    const chunk = (delta, finish, more = {}) => ({
      id, object: 'chat.completion.chunk', created, model: info.name,
      choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }], ...more,
    });
    yield chunk({ role: 'assistant', content: '' }, null);
    for await (const step of steps(prompt, true, req)) {
      if (!step.done) yield chunk({ content: step.text }, null);
      else yield chunk({}, FINISH[step.reason], { usage: usageOf(step.stats), x_anyinfer: extra(step.stats) });
    }
  }

  async function collect(gen) {
    let text = '', last;
    for await (const step of gen) {
      if (step.done) last = step;
      else text += step.text;
    }
    return { text, reason: FINISH[last.reason], stats: last.stats };
  }

  // 16 kHz mono samples in wasm memory ([ptr, n]) from a WAV (decoded by the engine, as the CLI
  // does) or, where WebAudio exists, any format the browser decodes.
  async function audioSamples(file) {
    const bytes = file instanceof ArrayBuffer ? new Uint8Array(file)
      : ArrayBuffer.isView(file) ? new Uint8Array(file.buffer, file.byteOffset, file.byteLength)
      : typeof Blob !== 'undefined' && file instanceof Blob ? new Uint8Array(await file.arrayBuffer())
      : null;
    if (!bytes) throw new AnyinferError('ERR_ARGUMENT', 'file: a File/Blob, ArrayBuffer or typed array');
    const tag = String.fromCharCode(...bytes.subarray(0, 4));
    const nOut = rt.alloc(4);
    try {
      if (tag === 'RIFF' || tag === 'RF64' || typeof OfflineAudioContext === 'undefined') {
        const p = rt.alloc(bytes.length || 1);
        rt.mem().set(bytes, p);
        try {
          const s = rt.call('ERR_ARGUMENT', (e, c) => rt.x.aiw_audio_file(p, bytes.length, nOut, e, c));
          return [s, new DataView(rt.x.memory.buffer).getInt32(nOut, true)];
        } finally {
          rt.free(p);
        }
      }
      let audio;
      try {
        audio = await new OfflineAudioContext(1, 1, 16000).decodeAudioData(bytes.slice().buffer);
      } catch (e) {
        throw new AnyinferError('ERR_ARGUMENT', `file: the browser cannot decode this audio (${e.message})`);
      }
      const ch = audio.numberOfChannels, n = audio.length;
      const pcm = new Float32Array(n * ch);
      for (let c = 0; c < ch; c++) {
        const data = audio.getChannelData(c);
        for (let i = 0; i < n; i++) pcm[i * ch + c] = data[i];
      }
      const p = rt.alloc(pcm.byteLength || 4);
      new Float32Array(rt.x.memory.buffer, p, pcm.length).set(pcm);
      try {
        const s = rt.call('ERR_ARGUMENT', (e, c) =>
          rt.x.aiw_audio_pcm(p, n, ch, audio.sampleRate, nOut, e, c));
        return [s, new DataView(rt.x.memory.buffer).getInt32(nOut, true)];
      } finally {
        rt.free(p);
      }
    } finally {
      rt.free(nOut);
    }
  }

  async function transcribe(req, translate) {
    guard(true);
    const format = req.response_format ?? 'json';
    if (!['json', 'text', 'verbose_json', 'srt', 'vtt'].includes(format)) {
      throw new AnyinferError('ERR_ARGUMENT', `response_format: '${format}' is not json, text, verbose_json, srt or vtt`);
    }
    const temperature = req.temperature ?? 0;
    if (typeof temperature !== 'number' || !(temperature >= 0 && temperature <= 1)) {
      throw new AnyinferError('ERR_ARGUMENT', `temperature: ${req.temperature} is outside [0, 1]`);
    }
    busy = true;
    const ptrs = [];
    try {
      const [samples, n] = await audioSamples(req.file);
      ptrs.push(samples);
      const [fmt] = rt.str(String(format));
      const [lang] = rt.str(translate ? '' : String(req.language ?? ''));
      const [prompt] = rt.str(String(req.prompt ?? ''));
      ptrs.push(fmt, lang, prompt);
      const out = await rt.callAsync('ERR_GENERATE', (e, c) => rt.gpu.transcribe(sessionPtr, samples,
        n, fmt, lang, translate ? 1 : 0, temperature, prompt, e, c));
      const text = rt.cstr(out);
      rt.free(out);
      return format === 'json' || format === 'verbose_json' ? JSON.parse(text) : text;
    } finally {
      rt.free(ptrs);
      wasi.flush();
      busy = false;
    }
  }

  const engine = {
    backend: onGpu ? 'webgpu' : 'cpu',
    backendNote,
    model: info,
    /** OpenAI's audio API over a Whisper model: file is a WAV (any format the browser decodes,
     *  where WebAudio exists); response_format json (default), text, verbose_json, srt, vtt. */
    audio: {
      transcriptions: { create: (req = {}) => transcribe(req, false) },
      translations: { create: (req = {}) => transcribe(req, true) },
    },
    chat: {
      completions: {
        /** OpenAI's chat.completions.create: stream: true gives an async iterable of chunks. */
        create(req = {}) {
          if (req.stream) return chatStream(req);
          return (async () => {
            const prompt = renderChat(req.messages);
            const r = await collect(steps(prompt, true, req));
            return {
              id: makeId('chatcmpl'), object: 'chat.completion', created: Math.floor(Date.now() / 1000),
              model: info.name,
              choices: [{ index: 0, message: { role: 'assistant', content: r.text }, logprobs: null,
                          finish_reason: r.reason }],
              usage: usageOf(r.stats), x_anyinfer: extra(r.stats),
            };
          })();
        },
      },
    },
    completions: {
      /** OpenAI's (legacy) completions on a raw prompt (BOS added, special tokens as text). */
      async create(req = {}) {
        if (typeof req.prompt !== 'string') throw new AnyinferError('ERR_ARGUMENT', 'prompt: a string');
        const r = await collect(steps(req.prompt, false, req));
        return {
          id: makeId('cmpl'), object: 'text_completion', created: Math.floor(Date.now() / 1000),
          model: info.name, choices: [{ index: 0, text: r.text, logprobs: null, finish_reason: r.reason }],
          usage: usageOf(r.stats), x_anyinfer: extra(r.stats),
        };
      },
    },
    /** The prompt text the chat template makes of messages (assistant turn opened). */
    async renderChat(messages) {
      return renderChat(messages);
    },
    /** Token ids of text (BOS as the vocabulary asks). */
    async tokenize(text, { special = false } = {}) {
      guard(isWhisper);
      const [p, len] = rt.str(String(text));
      try {
        let cap = len + 8;
        for (;;) {
          const out = rt.alloc(4 * cap);
          try {
            const n = rt.call('ERR_ARGUMENT', (e, c) => 1 + rt.x.aiw_tokenize(modelPtr, p, len,
              special ? 1 : 0, out, cap, e, c)) - 1;
            if (n <= cap) return Array.from(new Int32Array(rt.x.memory.buffer, out, n));
            cap = n;
          } finally {
            rt.free(out);
          }
        }
      } finally {
        rt.free(p);
      }
    },
    /** Frees the session and the model; the engine cannot be used afterwards. */
    async unload() {
      if (disposed) return;
      if (busy) throw new AnyinferError('ERR_BUSY', 'one request at a time: the last one is still running');
      disposed = true;
      if (isWhisper) rt.x.aiw_transcriber_free(sessionPtr);
      else rt.x.aiw_session_free(sessionPtr);
      rt.x.aiw_model_free(modelPtr);
    },
  };
  return engine;
}

/**
 * createEngine(options): createLocalEngine's options, plus worker: true to run the engine in a
 * Web Worker (the page never blocks; same API).
 */
export async function createEngine(options = {}) {
  if (options.worker) {
    const { createWorkerEngine } = await import('./worker-client.js');
    return createWorkerEngine(options);
  }
  return createLocalEngine(options);
}
