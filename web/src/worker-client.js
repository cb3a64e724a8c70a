// createEngine({ worker: true }): the engine API of engine.js, answered by web/src/worker.js in
// a module Web Worker, so generation never blocks the page.
import { AnyinferError, errorFromMessage } from './errors.js';

export async function createWorkerEngine(options) {
  const { onProgress, onLog, signal, worker: _, gpu, ...rest } = options;
  if (gpu) throw new AnyinferError('ERR_ARGUMENT', 'gpu: not with worker: true (the worker uses its navigator.gpu)');
  if (typeof Worker === 'undefined') throw new AnyinferError('ERR_WORKER', 'no Web Workers here');
  const worker = new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });
  let next = 1;
  const pending = new Map(); // id -> {onMessage}
  worker.onmessage = ({ data }) => pending.get(data.id)?.(data);
  worker.onerror = (e) => {
    const err = new AnyinferError('ERR_WORKER', `worker: ${e.message ?? 'failed to start'}`);
    for (const handler of pending.values()) handler({ type: 'error', code: err.code, message: err.message });
  };
  // One request: resolves with its result, passing other messages to onOther.
  const request = (msg, onOther = () => {}) => new Promise((resolve, reject) => {
    const id = next++;
    pending.set(id, (m) => {
      if (m.type === 'result') {
        pending.delete(id);
        resolve(m.value);
      } else if (m.type === 'error') {
        pending.delete(id);
        reject(errorFromMessage(m));
      } else onOther(m);
    });
    worker.postMessage({ ...msg, id });
  });
  const wasmUrl = rest.wasmUrl === undefined ? undefined : new URL(rest.wasmUrl, globalThis.location?.href).href;
  const model = typeof rest.model === 'string' ? new URL(rest.model, globalThis.location?.href).href : rest.model;
  let created;
  try {
    created = await request({ op: 'create', options: { ...rest, model, wasmUrl } }, (m) => {
      if (m.type === 'progress') onProgress?.(m.progress);
      else if (m.type === 'log') onLog?.(m.line);
    });
  } catch (e) {
    worker.terminate();
    throw e;
  }

  // Chunks arrive as messages; the iterator hands them out in order.
  async function* chatStream(req) {
    const { signal: reqSignal, ...plain } = req;
    const queue = [];
    let wake = null, finished = false, error = null;
    const push = () => { wake?.(); wake = null; };
    const id = next; // the id request() is about to use
    const done = request({ op: 'chat', request: plain }, (m) => {
      if (m.type === 'chunk') queue.push(m.chunk);
      else if (m.type === 'log') onLog?.(m.line);
      push();
    }).then(() => { finished = true; push(); }, (e) => { error = e; push(); });
    const onAbort = () => worker.postMessage({ id: next++, op: 'abort', target: id });
    reqSignal?.addEventListener('abort', onAbort);
    try {
      for (;;) {
        if (queue.length) yield queue.shift();
        else if (error) throw error;
        else if (finished) break;
        else await new Promise((r) => { wake = r; });
      }
      await done;
    } finally {
      reqSignal?.removeEventListener('abort', onAbort);
      if (!finished && !error) onAbort();
    }
  }

  return {
    backend: created.backend,
    backendNote: created.backendNote,
    model: created.model,
    worker,
    chat: {
      completions: {
        create(req = {}) {
          if (req.stream) return chatStream(req);
          return (async () => {
            let text = '', last;
            for await (const c of chatStream(req)) {
              text += c.choices[0]?.delta?.content ?? '';
              last = c;
            }
            return {
              id: last.id, object: 'chat.completion', created: last.created, model: last.model,
              choices: [{ index: 0, message: { role: 'assistant', content: text }, logprobs: null,
                          finish_reason: last.choices[0].finish_reason }],
              usage: last.usage, x_anyinfer: last.x_anyinfer,
            };
          })();
        },
      },
    },
    audio: {
      transcriptions: { create: (req = {}) => request({ op: 'transcribe', request: req }) },
      translations: { create: (req = {}) => request({ op: 'translate', request: req }) },
    },
    completions: { create: ({ signal: _s, ...req } = {}) => request({ op: 'complete', request: req }) },
    renderChat: (messages) => request({ op: 'render', messages }),
    tokenize: (text, opts) => request({ op: 'tokenize', text, options: opts }),
    async unload() {
      await request({ op: 'unload' });
      worker.terminate();
    },
  };
}
