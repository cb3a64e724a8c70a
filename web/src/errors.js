// The one error type of the JS host: a code to branch on, a message that says what and where.

/**
 * Codes: ERR_WASM (the module could not be fetched or instantiated), ERR_MODEL_FETCH (download
 * or cache), ERR_MODEL_LOAD (the engine refused the file), ERR_SESSION, ERR_TEMPLATE (chat
 * template), ERR_CONTEXT_FULL (the prompt does not fit), ERR_GENERATE, ERR_ABORTED, ERR_BUSY
 * (one request at a time), ERR_ARGUMENT (a bad option), ERR_DISPOSED (the engine was unloaded),
 * ERR_WORKER.
 */
export class AnyinferError extends Error {
  constructor(code, message, options) {
    super(message, options);
    this.name = 'AnyinferError';
    this.code = code;
  }
}

// Rebuilds an error posted from a worker (structured clone keeps name and message only).
export function errorFromMessage({ code, message }) {
  return new AnyinferError(code ?? 'ERR_WORKER', message);
}
