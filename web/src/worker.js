// The Web Worker side of createEngine({ worker: true }): one engine (createLocalEngine) per
// worker, driven by worker-client.js. Messages in: {id, op: 'create'|'chat'|'complete'|
// 'transcribe'|'translate'|'tokenize'|'render'|'abort'|'unload', ...}; out: {id, type: 'progress'|'log'|'chunk'|'result'|
// 'error', ...}.
import { createLocalEngine } from './engine.js';

let engine = null;
const aborts = new Map(); // request id -> AbortController

const post = (msg) => self.postMessage(msg);
const fail = (id, e) => post({ id, type: 'error', code: e.code ?? 'ERR_WORKER', message: e.message });

self.onmessage = async ({ data }) => {
  const { id, op } = data;
  try {
    if (op === 'create') {
      engine = await createLocalEngine({
        ...data.options,
        onProgress: (p) => post({ id, type: 'progress', progress: p }),
        onLog: (line) => post({ id, type: 'log', line }),
      });
      post({ id, type: 'result', value: { model: engine.model, backend: engine.backend,
                                          backendNote: engine.backendNote } });
    } else if (op === 'chat') {
      const ctl = new AbortController();
      aborts.set(id, ctl);
      try {
        for await (const chunk of engine.chat.completions.create({ ...data.request, stream: true,
                                                                   signal: ctl.signal })) {
          post({ id, type: 'chunk', chunk });
        }
        post({ id, type: 'result' });
      } finally {
        aborts.delete(id);
      }
    } else if (op === 'complete') {
      post({ id, type: 'result', value: await engine.completions.create(data.request) });
    } else if (op === 'transcribe' || op === 'translate') {
      const api = op === 'transcribe' ? engine.audio.transcriptions : engine.audio.translations;
      post({ id, type: 'result', value: await api.create(data.request) });
    } else if (op === 'tokenize') {
      post({ id, type: 'result', value: engine.tokenize(data.text, data.options) });
    } else if (op === 'render') {
      post({ id, type: 'result', value: engine.renderChat(data.messages) });
    } else if (op === 'abort') {
      aborts.get(data.target)?.abort();
    } else if (op === 'unload') {
      await engine?.unload();
      post({ id, type: 'result' });
    } else {
      fail(id, { code: 'ERR_WORKER', message: `unknown operation '${op}'` });
    }
  } catch (e) {
    fail(id, e);
  }
};
