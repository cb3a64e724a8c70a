// Model bytes from a URL, a File/Blob or a buffer, with progress events. URLs are fetched in
// ranges (Range: bytes=a-b, CHUNK bytes each) when the server honours them, else in one GET, and
// kept in the Cache API (cache "anyinfer-models") where it exists, so a second visit loads with
// no network at all.
import { AnyinferError } from './errors.js';

export const CACHE_NAME = 'anyinfer-models';
const CHUNK = 16 << 20;

const cacheStorage = () => (typeof caches !== 'undefined' ? caches : null);

function emit(onProgress, phase, loaded, total, extra = {}) {
  onProgress?.({ phase, loaded, total, fraction: total ? loaded / total : 0, ...extra });
}

// Reads a response body into out at offset with progress; returns the bytes read.
async function readBody(response, out, offset, report) {
  const reader = response.body.getReader();
  let n = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return n;
    if (offset + n + value.length > out.length) {
      throw new AnyinferError('ERR_MODEL_FETCH', `${response.url}: more bytes than announced`);
    }
    out.set(value, offset + n);
    n += value.length;
    report(n);
  }
}

async function fetchRange(url, start, end, signal) {
  const r = await fetch(url, { headers: { Range: `bytes=${start}-${end}` }, signal });
  if (!r.ok) throw new AnyinferError('ERR_MODEL_FETCH', `${url}: HTTP ${r.status} ${r.statusText}`);
  return r;
}

async function download(url, onProgress, signal) {
  const first = await fetchRange(url, 0, CHUNK - 1, signal);
  let total;
  if (first.status === 206) {
    const m = /\/(\d+)\s*$/.exec(first.headers.get('Content-Range') ?? '');
    if (!m) throw new AnyinferError('ERR_MODEL_FETCH', `${url}: 206 without a total in Content-Range`);
    total = Number(m[1]);
  } else {
    total = Number(first.headers.get('Content-Length') ?? 0); // the server sent the whole file
  }
  let out = new Uint8Array(total);
  let loaded = 0;
  const report = (base) => (n) => emit(onProgress, 'download', base + n, total, { url });
  if (first.status !== 206 && !total) { // no length: grow as it comes
    const parts = [];
    const reader = first.body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      parts.push(value);
      loaded += value.length;
      emit(onProgress, 'download', loaded, 0, { url });
    }
    out = new Uint8Array(loaded);
    let o = 0;
    for (const p of parts) out.set(p, (o += p.length) - p.length);
    return out;
  }
  loaded = await readBody(first, out, 0, report(0));
  while (first.status === 206 && loaded < total) {
    const end = Math.min(loaded + CHUNK, total) - 1;
    const r = await fetchRange(url, loaded, end, signal);
    if (r.status !== 206) throw new AnyinferError('ERR_MODEL_FETCH', `${url}: range request answered ${r.status}`);
    loaded += await readBody(r, out, loaded, report(loaded));
  }
  if (loaded !== total) {
    throw new AnyinferError('ERR_MODEL_FETCH', `${url}: got ${loaded} of ${total} bytes`);
  }
  return out;
}

/**
 * The bytes of a model. source: a URL (string or URL), a Blob/File, an ArrayBuffer or typed array.
 * Progress events: {phase: 'cache'|'download'|'read', loaded, total, fraction, url?}.
 * @returns {Promise<{bytes: Uint8Array, name: string, fromCache: boolean}>}
 */
export async function fetchModel(source, { onProgress, cache = true, signal } = {}) {
  if (source instanceof ArrayBuffer || ArrayBuffer.isView(source)) {
    const bytes = source instanceof ArrayBuffer ? new Uint8Array(source)
      : new Uint8Array(source.buffer, source.byteOffset, source.byteLength);
    return { bytes, name: 'model.gguf', fromCache: false };
  }
  if (typeof Blob !== 'undefined' && source instanceof Blob) {
    emit(onProgress, 'read', 0, source.size);
    const bytes = new Uint8Array(await source.arrayBuffer());
    emit(onProgress, 'read', bytes.length, bytes.length);
    return { bytes, name: source.name ?? 'model.gguf', fromCache: false };
  }
  if (typeof source !== 'string' && !(source instanceof URL)) {
    throw new AnyinferError('ERR_ARGUMENT', 'model: expected a URL, a File/Blob or an ArrayBuffer');
  }
  const url = new URL(source, globalThis.location?.href).href;
  const name = decodeURIComponent(new URL(url).pathname.split('/').pop() || 'model.gguf');
  if (url.startsWith('file:')) { // Node: read the file
    const { readFile } = await import('node:fs/promises');
    const bytes = new Uint8Array(await readFile(new URL(url)));
    emit(onProgress, 'read', bytes.length, bytes.length);
    return { bytes, name, fromCache: false };
  }
  const store = cache ? cacheStorage() : null;
  const opened = store ? await store.open(CACHE_NAME).catch(() => null) : null;
  const hit = opened ? await opened.match(url) : undefined;
  if (hit) {
    const bytes = new Uint8Array(await hit.arrayBuffer());
    emit(onProgress, 'cache', bytes.length, bytes.length, { url });
    return { bytes, name, fromCache: true };
  }
  let bytes;
  try {
    bytes = await download(url, onProgress, signal);
  } catch (e) {
    if (e instanceof AnyinferError) throw e;
    if (e?.name === 'AbortError') throw new AnyinferError('ERR_ABORTED', `${url}: download aborted`);
    throw new AnyinferError('ERR_MODEL_FETCH', `${url}: ${e.message}`, { cause: e });
  }
  if (opened) {
    await opened.put(url, new Response(bytes, { headers: {
      'Content-Type': 'application/octet-stream', 'Content-Length': String(bytes.length) } }))
      .catch((e) => emit(onProgress, 'cache-error', 0, 0, { url, message: e.message }));
  }
  return { bytes, name, fromCache: false };
}

/** Removes a URL's bytes from the cache (or every model's, without a URL). */
export async function clearModelCache(url) {
  const store = cacheStorage();
  if (!store) return false;
  if (url === undefined) return store.delete(CACHE_NAME);
  const c = await store.open(CACHE_NAME);
  return c.delete(new URL(url, globalThis.location?.href).href);
}
