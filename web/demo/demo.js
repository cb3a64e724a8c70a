// The demo page: load a GGUF (URL or local file) with download/cache progress, then chat with
// streamed replies and live tokens/s, or transcribe audio with a Whisper model. ?model=URL preloads a model; ?worker=0 runs on the page.
import { clearModelCache, createEngine } from '../src/engine.js';

const $ = (id) => document.getElementById(id);
const ui = {
  form: $('model-form'), url: $('model-url'), file: $('model-file'), load: $('load'),
  useWorker: $('use-worker'), clear: $('clear-cache'), progress: $('progress'), status: $('status'),
  info: $('model-info'), backend: $('backend'), messages: $('messages'), chat: $('chat-form'),
  prompt: $('prompt'), send: $('send'), stop: $('stop'), temperature: $('temperature'),
  maxTokens: $('max-tokens'), tps: $('tps'), speech: $('speech'), speechForm: $('speech-form'),
  audioFile: $('audio-file'), translate: $('translate'), transcript: $('transcript'),
  chatCard: document.querySelector('.card.chat'),
};
let engine = null;
let history = [];
let abort = null;

const mib = (n) => `${(n / 1048576).toFixed(n < 10485760 ? 2 : 0)} MiB`;
function setStatus(text, isError = false) {
  ui.status.textContent = text;
  ui.status.classList.toggle('error', isError);
}
function setChatEnabled(on) {
  ui.prompt.disabled = !on;
  ui.send.disabled = !on;
}

function onProgress(p) {
  ui.progress.hidden = false;
  ui.progress.value = p.fraction || 0;
  if (p.phase === 'download') {
    setStatus(`Downloading ${mib(p.loaded)}${p.total ? ` of ${mib(p.total)}` : ''}…`);
  } else if (p.phase === 'cache') setStatus(`Loaded ${mib(p.total)} from the browser cache.`);
  else if (p.phase === 'read') setStatus(`Reading the file: ${mib(p.loaded)}…`);
  else if (p.phase === 'load') setStatus(p.fraction < 1 ? 'Loading the model…' : 'Model ready.');
}

async function load(model) {
  ui.load.disabled = true;
  setChatEnabled(false);
  try {
    await engine?.unload();
    engine = null;
    history = [];
    ui.messages.replaceChildren();
    setStatus('Starting…');
    const t0 = performance.now();
    engine = await createEngine({ model, onProgress, worker: ui.useWorker.checked });
    const m = engine.model;
    const secs = ((performance.now() - t0) / 1000).toFixed(1);
    setStatus(`Model ready in ${secs} s${m.fromCache ? ' (from the cache, no download)' : ''}.`);
    ui.info.textContent = `${m.name} · ${m.architecture} · ${m.type} · ${mib(m.fileBytes)} · ` +
      `${(m.parameters / 1e6).toFixed(1)} M parameters · context ${m.context}`;
    ui.backend.textContent = `backend: ${engine.backendNote}${ui.useWorker.checked ? ' · worker' : ''}`;
    ui.backend.dataset.backend = engine.backend;
    document.body.dataset.ready = 'true';
    const isWhisper = m.architecture === 'whisper';
    ui.speech.hidden = !isWhisper;
    ui.chatCard.hidden = isWhisper;
    setChatEnabled(!isWhisper);
    (isWhisper ? ui.audioFile : ui.prompt).focus();
  } catch (e) {
    setStatus(`${e.code ?? 'Error'}: ${e.message}`, true);
  } finally {
    ui.load.disabled = false;
  }
}

function addMessage(role, text) {
  const div = document.createElement('div');
  div.className = `msg ${role}`;
  const who = document.createElement('span');
  who.className = 'who';
  who.textContent = role === 'user' ? 'You' : 'Model';
  const body = document.createElement('span');
  body.className = 'text';
  body.textContent = text;
  div.append(who, body);
  ui.messages.append(div);
  ui.messages.scrollTop = ui.messages.scrollHeight;
  return { div, body };
}

async function send(text) {
  history.push({ role: 'user', content: text });
  addMessage('user', text);
  const reply = addMessage('assistant', '');
  reply.div.setAttribute('aria-busy', 'true');
  setChatEnabled(false);
  ui.stop.disabled = false;
  abort = new AbortController();
  let content = '', n = 0, t0 = 0;
  try {
    const stream = engine.chat.completions.create({
      messages: history, stream: true, signal: abort.signal,
      temperature: Number(ui.temperature.value), max_tokens: Number(ui.maxTokens.value),
    });
    for await (const chunk of stream) {
      const delta = chunk.choices[0]?.delta?.content;
      if (delta) {
        if (!t0) t0 = performance.now();
        n++;
        content += delta;
        reply.body.textContent = content;
        ui.messages.scrollTop = ui.messages.scrollHeight;
        const s = (performance.now() - t0) / 1000;
        if (s > 0) ui.tps.textContent = `${(n / s).toFixed(1)} tok/s (streaming)`;
      }
      if (chunk.x_anyinfer) {
        const x = chunk.x_anyinfer;
        ui.tps.textContent = `${x.tokens_per_second.toFixed(1)} tok/s · ${chunk.usage.completion_tokens} tokens · ` +
          `prompt ${chunk.usage.prompt_tokens} tokens (${chunk.usage.prompt_tokens_details.cached_tokens} cached) in ` +
          `${x.prompt_seconds.toFixed(2)} s · ${chunk.choices[0].finish_reason}`;
        reply.div.dataset.tokenIds = x.token_ids.join(' ');
        reply.div.dataset.finish = chunk.choices[0].finish_reason;
      }
    }
    history.push({ role: 'assistant', content });
  } catch (e) {
    reply.body.textContent = content;
    setStatus(`${e.code ?? 'Error'}: ${e.message}`, true);
    history.pop();
  } finally {
    reply.div.removeAttribute('aria-busy');
    reply.div.dataset.done = 'true';
    ui.stop.disabled = true;
    abort = null;
    setChatEnabled(true);
    ui.prompt.focus();
  }
}

ui.form.addEventListener('submit', (e) => {
  e.preventDefault();
  const file = ui.file.files[0];
  if (file) load(file);
  else if (ui.url.value.trim()) load(ui.url.value.trim());
  else setStatus('Enter a URL or pick a file.', true);
});
ui.file.addEventListener('change', () => {
  if (ui.file.files[0]) load(ui.file.files[0]);
});
ui.clear.addEventListener('click', async () => {
  await clearModelCache();
  setStatus('The model cache is empty.');
});
ui.chat.addEventListener('submit', (e) => {
  e.preventDefault();
  const text = ui.prompt.value.trim();
  if (!text || !engine) return;
  ui.prompt.value = '';
  send(text);
});
ui.prompt.addEventListener('keydown', (e) => {
  if (e.key === 'Enter' && !e.shiftKey) {
    e.preventDefault();
    ui.chat.requestSubmit();
  }
});
ui.stop.addEventListener('click', () => abort?.abort());
ui.speechForm.addEventListener('submit', async (e) => {
  e.preventDefault();
  const file = ui.audioFile.files[0];
  if (!file || !engine) return setStatus('Pick an audio file.', true);
  const api = ui.translate.checked ? engine.audio.translations : engine.audio.transcriptions;
  ui.transcript.textContent = 'Transcribing…';
  const t0 = performance.now();
  try {
    const r = await api.create({ file, response_format: 'verbose_json' });
    ui.transcript.textContent = r.text.trim();
    setStatus(`Transcribed ${r.duration.toFixed(1)} s of ${r.language} in ` +
              `${((performance.now() - t0) / 1000).toFixed(1)} s.`);
  } catch (err) {
    ui.transcript.textContent = '';
    setStatus(`${err.code ?? 'Error'}: ${err.message}`, true);
  }
});

const params = new URLSearchParams(location.search);
if (params.get('worker') === '0') ui.useWorker.checked = false;
if (params.get('model')) {
  ui.url.value = params.get('model');
  load(ui.url.value);
}
