// A WASI preview 1 shim for browsers, workers and Node: enough of wasi_snapshot_preview1 for
// anyinfer's modules. Files live in memory (a Map of path -> Uint8Array under one preopened
// folder "/"), read-only; stdout and stderr go to callbacks line by line; no stdin, no clock
// beyond performance.now() and Date.now(). Every call returns a WASI errno; proc_exit throws
// WasiExit.

export const ERRNO = Object.freeze({
  SUCCESS: 0, BADF: 8, INVAL: 28, ISDIR: 31, NOENT: 44, NOSYS: 52, ROFS: 69, SPIPE: 70,
  NOTCAPABLE: 76,
});
const FILETYPE_CHARACTER_DEVICE = 2, FILETYPE_DIRECTORY = 3, FILETYPE_REGULAR_FILE = 4;
const PREOPEN_FD = 3;
const O_CREAT = 1, O_DIRECTORY = 2, O_EXCL = 4, O_TRUNC = 8;
const ALL_RIGHTS = 0xffffffffffffffffn;

/** Thrown by proc_exit; code is the exit status. */
export class WasiExit extends Error {
  constructor(code) {
    super(`exit ${code}`);
    this.name = 'WasiExit';
    this.code = code;
  }
}

// Splits written bytes into lines for a callback; a partial line waits for its newline.
function lineSink(onLine) {
  const decoder = new TextDecoder();
  let pending = '';
  return {
    write(bytes) {
      pending += decoder.decode(bytes, { stream: true });
      let nl;
      while ((nl = pending.indexOf('\n')) >= 0) {
        onLine(pending.slice(0, nl));
        pending = pending.slice(nl + 1);
      }
    },
    flush() {
      if (pending) onLine(pending);
      pending = '';
    },
  };
}

/**
 * @param {object} [options]
 * @param {string[]} [options.args] argv, program name first
 * @param {Record<string,string>} [options.env]
 * @param {Map<string,Uint8Array>} [options.files] paths under "/" without the leading slash
 * @param {(line: string) => void} [options.stdout]
 * @param {(line: string) => void} [options.stderr]
 */
export function createWasi({ args = ['anyinfer'], env = {}, files = new Map(), stdout, stderr } = {}) {
  let memory = null;
  const sinks = { 1: lineSink(stdout ?? (() => {})), 2: lineSink(stderr ?? (() => {})) };
  const open = new Map(); // fd -> { data: Uint8Array, pos: number }
  let nextFd = PREOPEN_FD + 1;
  const enc = new TextEncoder();
  const argBytes = args.map((a) => enc.encode(`${a}\0`));
  const envBytes = Object.entries(env).map(([k, v]) => enc.encode(`${k}=${v}\0`));

  const view = () => new DataView(memory.buffer);
  const bytes = () => new Uint8Array(memory.buffer);
  const iovecs = (ptr, n) => {
    const v = view(), out = [];
    for (let i = 0; i < n; i++) out.push([v.getUint32(ptr + 8 * i, true), v.getUint32(ptr + 8 * i + 4, true)]);
    return out;
  };
  const normalize = (path) => {
    const parts = [];
    for (const p of path.split('/')) {
      if (p === '' || p === '.') continue;
      if (p === '..') {
        if (!parts.length) return null; // outside the preopened folder
        parts.pop();
      } else parts.push(p);
    }
    return parts.join('/');
  };
  const isDir = (path) => path === '' || [...files.keys()].some((k) => k.startsWith(`${path}/`));
  const writeList = (list, ptrsPtr, bufPtr) => {
    const v = view(), b = bytes();
    for (const item of list) {
      v.setUint32(ptrsPtr, bufPtr, true);
      b.set(item, bufPtr);
      ptrsPtr += 4;
      bufPtr += item.length;
    }
    return ERRNO.SUCCESS;
  };
  const writeSizes = (list, countPtr, sizePtr) => {
    view().setUint32(countPtr, list.length, true);
    view().setUint32(sizePtr, list.reduce((s, x) => s + x.length, 0), true);
    return ERRNO.SUCCESS;
  };
  // pread/read into iovecs from a file at pos; returns the bytes copied.
  const readInto = (file, iovs, iovsLen, pos) => {
    let done = 0;
    for (const [ptr, len] of iovecs(iovs, iovsLen)) {
      const n = Math.max(0, Math.min(len, file.data.length - pos));
      bytes().set(file.data.subarray(pos, pos + n), ptr);
      pos += n;
      done += n;
      if (n < len) break;
    }
    return done;
  };

  const imports = {
    args_get: (argv, buf) => writeList(argBytes, argv, buf),
    args_sizes_get: (count, size) => writeSizes(argBytes, count, size),
    environ_get: (environ, buf) => writeList(envBytes, environ, buf),
    environ_sizes_get: (count, size) => writeSizes(envBytes, count, size),
    clock_res_get: (id, resPtr) => {
      view().setBigUint64(resPtr, 1000n, true);
      return ERRNO.SUCCESS;
    },
    clock_time_get: (id, precision, timePtr) => {
      const ns = id === 0 ? BigInt(Date.now()) * 1000000n
                          : BigInt(Math.round(performance.now() * 1e6));
      view().setBigUint64(timePtr, ns, true);
      return ERRNO.SUCCESS;
    },
    fd_write: (fd, iovs, iovsLen, nwrittenPtr) => {
      const sink = sinks[fd];
      if (!sink) return ERRNO.BADF;
      let n = 0;
      for (const [ptr, len] of iovecs(iovs, iovsLen)) {
        sink.write(bytes().slice(ptr, ptr + len));
        n += len;
      }
      view().setUint32(nwrittenPtr, n, true);
      return ERRNO.SUCCESS;
    },
    fd_read: (fd, iovs, iovsLen, nreadPtr) => {
      if (fd === 0) { // no stdin: end of file
        view().setUint32(nreadPtr, 0, true);
        return ERRNO.SUCCESS;
      }
      const file = open.get(fd);
      if (!file) return ERRNO.BADF;
      const n = readInto(file, iovs, iovsLen, file.pos);
      file.pos += n;
      view().setUint32(nreadPtr, n, true);
      return ERRNO.SUCCESS;
    },
    fd_pread: (fd, iovs, iovsLen, offset, nreadPtr) => {
      const file = open.get(fd);
      if (!file) return ERRNO.BADF;
      view().setUint32(nreadPtr, readInto(file, iovs, iovsLen, Number(offset)), true);
      return ERRNO.SUCCESS;
    },
    fd_seek: (fd, offset, whence, newOffsetPtr) => {
      const file = open.get(fd);
      if (!file) return sinks[fd] || fd === 0 ? ERRNO.SPIPE : ERRNO.BADF;
      const base = whence === 0 ? 0 : whence === 1 ? file.pos : whence === 2 ? file.data.length : NaN;
      const pos = base + Number(offset);
      if (!(pos >= 0)) return ERRNO.INVAL;
      file.pos = pos;
      view().setBigUint64(newOffsetPtr, BigInt(pos), true);
      return ERRNO.SUCCESS;
    },
    fd_close: (fd) => {
      if (!open.delete(fd)) return fd <= PREOPEN_FD ? ERRNO.SUCCESS : ERRNO.BADF;
      return ERRNO.SUCCESS;
    },
    fd_fdstat_get: (fd, statPtr) => {
      const type = fd <= 2 ? FILETYPE_CHARACTER_DEVICE
                 : fd === PREOPEN_FD ? FILETYPE_DIRECTORY
                 : open.has(fd) ? FILETYPE_REGULAR_FILE : -1;
      if (type < 0) return ERRNO.BADF;
      const v = view();
      v.setUint8(statPtr, type);
      v.setUint16(statPtr + 2, 0, true);
      v.setBigUint64(statPtr + 8, ALL_RIGHTS, true);
      v.setBigUint64(statPtr + 16, ALL_RIGHTS, true);
      return ERRNO.SUCCESS;
    },
    fd_fdstat_set_flags: () => ERRNO.SUCCESS,
    fd_filestat_get: (fd, statPtr) => {
      const file = open.get(fd);
      const type = file ? FILETYPE_REGULAR_FILE : fd === PREOPEN_FD ? FILETYPE_DIRECTORY
                 : fd <= 2 ? FILETYPE_CHARACTER_DEVICE : -1;
      if (type < 0) return ERRNO.BADF;
      const v = view();
      for (let i = 0; i < 64; i += 8) v.setBigUint64(statPtr + i, 0n, true);
      v.setBigUint64(statPtr + 8, BigInt(fd), true); // ino
      v.setUint8(statPtr + 16, type);
      v.setBigUint64(statPtr + 24, 1n, true); // nlink
      v.setBigUint64(statPtr + 32, BigInt(file ? file.data.length : 0), true);
      return ERRNO.SUCCESS;
    },
    fd_prestat_get: (fd, prestatPtr) => {
      if (fd !== PREOPEN_FD) return ERRNO.BADF;
      view().setUint8(prestatPtr, 0); // a directory
      view().setUint32(prestatPtr + 4, 1, true); // "/"
      return ERRNO.SUCCESS;
    },
    fd_prestat_dir_name: (fd, pathPtr, len) => {
      if (fd !== PREOPEN_FD) return ERRNO.BADF;
      if (len >= 1) bytes()[pathPtr] = 0x2f;
      return ERRNO.SUCCESS;
    },
    path_open: (dirFd, dirFlags, pathPtr, pathLen, oflags, rightsBase, rightsInh, fdFlags, fdPtr) => {
      if (dirFd !== PREOPEN_FD) return ERRNO.BADF;
      const path = normalize(new TextDecoder().decode(bytes().slice(pathPtr, pathPtr + pathLen)));
      if (path === null) return ERRNO.NOTCAPABLE;
      if (oflags & (O_CREAT | O_EXCL | O_TRUNC)) return ERRNO.ROFS;
      const data = files.get(path);
      if (!data) return isDir(path) ? ERRNO.ISDIR : ERRNO.NOENT;
      if (oflags & O_DIRECTORY) return ERRNO.INVAL;
      const fd = nextFd++;
      open.set(fd, { data, pos: 0 });
      view().setUint32(fdPtr, fd, true);
      return ERRNO.SUCCESS;
    },
    path_unlink_file: () => ERRNO.ROFS,
    path_rename: () => ERRNO.ROFS,
    path_remove_directory: () => ERRNO.ROFS,
    proc_exit: (code) => {
      throw new WasiExit(code);
    },
    random_get: (ptr, len) => {
      crypto.getRandomValues(bytes().subarray(ptr, ptr + len));
      return ERRNO.SUCCESS;
    },
    sched_yield: () => ERRNO.SUCCESS,
  };

  return {
    /** The import object's wasi_snapshot_preview1 namespace. */
    imports,
    /** Call once the instance exists: every call reads and writes this memory. */
    setMemory(m) {
      memory = m;
    },
    /** Writes out what stdout and stderr hold without a newline yet. */
    flush() {
      sinks[1].flush();
      sinks[2].flush();
    },
  };
}
