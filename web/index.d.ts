// Types of @anyinfer/web (web/src/engine.js).

export type ErrorCode =
  | 'ERR_WASM' | 'ERR_MODEL_FETCH' | 'ERR_MODEL_LOAD' | 'ERR_SESSION' | 'ERR_TEMPLATE'
  | 'ERR_CONTEXT_FULL' | 'ERR_GENERATE' | 'ERR_ABORTED' | 'ERR_BUSY' | 'ERR_ARGUMENT'
  | 'ERR_DISPOSED' | 'ERR_WORKER';

export class AnyinferError extends Error {
  name: 'AnyinferError';
  code: ErrorCode;
}

export interface ProgressEvent {
  /** download: bytes over the network; cache: served from the Cache API; read: a File/Blob;
   *  load: the engine reading the weights. */
  phase: 'download' | 'cache' | 'read' | 'load' | 'cache-error';
  loaded: number;
  total: number;
  fraction: number;
  url?: string;
  message?: string;
}

export interface EngineOptions {
  /** A GGUF: URL (fetched in HTTP ranges, cached), File/Blob, or bytes. */
  model: string | URL | Blob | ArrayBuffer | ArrayBufferView;
  onProgress?: (event: ProgressEvent) => void;
  /** Lines the engine logs (warnings, errors). */
  onLog?: (line: string) => void;
  /** anyinfer-web.wasm; default build-wasm/anyinfer-web.wasm next to web/. */
  wasmUrl?: string | URL;
  /** Keep downloaded models in the Cache API (default true). */
  cache?: boolean;
  /** Context length; 0: the model's, at most 4096. */
  nCtx?: number;
  /** Run the engine in a module Web Worker (default false). */
  worker?: boolean;
  /** 'auto' (default) and 'webgpu': WebGPU where there is one (and JSPI to wait for it), else the
   *  wasm CPU, with backendNote saying why; 'cpu': the wasm CPU. */
  backend?: 'auto' | 'webgpu' | 'cpu';
  /** The GPU object to use instead of navigator.gpu (Node: the npm `webgpu` package's
   *  create([])); not with worker: true. */
  gpu?: unknown;
  signal?: AbortSignal;
}

export interface ModelInfo {
  name: string;
  architecture: string;
  type: string;
  fileBytes: number;
  parameters: number;
  vocabulary: number;
  contextTrain: number;
  context: number;
  fromCache: boolean;
  source: string;
}

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant' | string;
  content: string | null | Array<{ type: 'text'; text: string }>;
}

export interface SamplingOptions {
  max_tokens?: number;
  max_completion_tokens?: number;
  /** 0 is greedy (default 0.8). */
  temperature?: number;
  top_p?: number;
  top_k?: number;
  min_p?: number;
  repeat_penalty?: number;
  /** 32-bit. */
  seed?: number;
  stop?: string | string[];
  signal?: AbortSignal;
}

export interface ChatCompletionRequest extends SamplingOptions {
  messages: ChatMessage[];
  stream?: boolean;
}

export interface Usage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  prompt_tokens_details: { cached_tokens: number };
}

/** anyinfer's additions to the last chunk / the completion. */
export interface AnyinferExtra {
  backend: 'cpu' | 'webgpu';
  prompt_seconds: number;
  generate_seconds: number;
  tokens_per_second: number;
  token_ids: number[];
}

export type FinishReason = 'stop' | 'length';

export interface ChatCompletionChunk {
  id: string;
  object: 'chat.completion.chunk';
  created: number;
  model: string;
  choices: Array<{
    index: number;
    delta: { role?: 'assistant'; content?: string };
    logprobs: null;
    finish_reason: FinishReason | null;
  }>;
  usage?: Usage;
  x_anyinfer?: AnyinferExtra;
}

export interface ChatCompletion {
  id: string;
  object: 'chat.completion';
  created: number;
  model: string;
  choices: Array<{
    index: number;
    message: { role: 'assistant'; content: string };
    logprobs: null;
    finish_reason: FinishReason;
  }>;
  usage: Usage;
  x_anyinfer: AnyinferExtra;
}

export interface Completion {
  id: string;
  object: 'text_completion';
  created: number;
  model: string;
  choices: Array<{ index: number; text: string; logprobs: null; finish_reason: FinishReason }>;
  usage: Usage;
  x_anyinfer: AnyinferExtra;
}

export type TranscriptionFormat = 'json' | 'text' | 'verbose_json' | 'srt' | 'vtt';

export interface TranscriptionRequest {
  /** WAV bytes (any format the browser decodes where WebAudio exists). */
  file: Blob | ArrayBuffer | ArrayBufferView;
  response_format?: TranscriptionFormat;
  /** Spoken language code ("en", "de"); detected when absent. Transcriptions only. */
  language?: string;
  prompt?: string;
  /** First temperature in [0, 1] (default 0, with Whisper's fallback). */
  temperature?: number;
}

export interface TranscriptionSegment {
  id: number; seek: number; start: number; end: number; text: string; tokens: number[];
  temperature: number; avg_logprob: number; compression_ratio: number; no_speech_prob: number;
}

/** response_format json gives {text}; verbose_json adds task, language, duration, segments;
 *  text, srt and vtt give a string, exactly what `anyinfer transcribe --format F` prints. */
export interface Transcription {
  text: string;
  task?: 'transcribe' | 'translate';
  language?: string;
  duration?: number;
  segments?: TranscriptionSegment[];
}

export interface Engine {
  backend: 'cpu' | 'webgpu';
  /** The WebGPU adapter, or why the engine runs on the wasm CPU. */
  backendNote: string;
  model: ModelInfo;
  /** Whisper models only (engine.model.architecture === 'whisper'). */
  audio: {
    transcriptions: { create(request: TranscriptionRequest): Promise<Transcription | string> };
    translations: { create(request: Omit<TranscriptionRequest, 'language'>): Promise<Transcription | string> };
  };
  chat: {
    completions: {
      create(request: ChatCompletionRequest & { stream: true }): AsyncIterable<ChatCompletionChunk>;
      create(request: ChatCompletionRequest & { stream?: false }): Promise<ChatCompletion>;
    };
  };
  completions: {
    create(request: SamplingOptions & { prompt: string }): Promise<Completion>;
  };
  renderChat(messages: ChatMessage[]): Promise<string>;
  tokenize(text: string, options?: { special?: boolean }): Promise<number[]>;
  unload(): Promise<void>;
  /** Worker mode only. */
  worker?: Worker;
}

export function createEngine(options: EngineOptions): Promise<Engine>;
export function createLocalEngine(options: EngineOptions): Promise<Engine>;
/** Removes one URL's model from the cache, or all models without a URL. */
export function clearModelCache(url?: string | URL): Promise<boolean>;
