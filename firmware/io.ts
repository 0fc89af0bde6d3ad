/**
 * Allocation-free I/O for the firmware driver: JSON-line output, error exit, a buffered input
 * reader, command-line arguments, preopened-directory lookup, CRC-32 and the UTC clock.
 *
 * Nothing here allocates (no `new`, no string concatenation): the image is built with the stub
 * runtime, whose bump allocator would grow into the arena. String literals are static data and
 * are only read with charCodeAt. Every buffer is a byte range in the driver area after the arena,
 * set once by `ioInit`.
 */
import {
  fd_write, fd_read, fd_prestat_get, fd_prestat_dir_name, args_get, args_sizes_get,
  clock_time_get, proc_exit, errno, prestat,
} from 'bindings/wasi_snapshot_preview1';

// Buffers (absolute addresses) and their ends.
let LINE: usize = 0;
let LINE_END: usize = 0;
let SCRATCH: usize = 0;
let CRC_TABLE: usize = 0;
let lp: usize = 0; // write cursor in LINE

export function ioInit(line: usize, lineBytes: usize, scratch: usize, crcTable: usize): void {
  LINE = line;
  LINE_END = line + lineBytes - 2; // room for the newline
  SCRATCH = scratch;
  CRC_TABLE = crcTable;
  for (let n: u32 = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    store<u32>(crcTable + (<usize>n << 2), c);
  }
}

/** Scratch words for WASI out-parameters (iovec at 0, results at 16..). */
export function scratch(): usize {
  return SCRATCH;
}

// ── Output lines ────────────────────────────────────────────────────────────────────────────

export function lineStart(): void {
  lp = LINE;
}

export function putByte(b: u32): void {
  if (lp < LINE_END) store<u8>(lp++, <u8>b);
}

/** Appends an ASCII string literal. */
export function put(s: string): void {
  const n = s.length;
  for (let i = 0; i < n; i++) putByte(<u32>s.charCodeAt(i));
}

export function putBytes(p: usize, n: usize): void {
  for (let i: usize = 0; i < n; i++) putByte(<u32>load<u8>(p + i));
}

export function putU64(v: u64): void {
  const tmp = SCRATCH + 64; // 20 digits at most
  let k: usize = 0;
  do {
    store<u8>(tmp + k++, <u8>(0x30 + <u32>(v % 10)));
    v /= 10;
  } while (v != 0);
  while (k > 0) putByte(<u32>load<u8>(tmp + --k));
}

export function putI64(v: i64): void {
  if (v < 0) {
    putByte(0x2d);
    putU64(<u64>(-v));
  } else putU64(<u64>v);
}

/** Fixed-width decimal with leading zeros. */
export function putPadded(v: u32, width: i32): void {
  const tmp = SCRATCH + 96;
  for (let k = width - 1; k >= 0; k--) {
    store<u8>(tmp + <usize>k, <u8>(0x30 + v % 10));
    v /= 10;
  }
  putBytes(tmp, <usize>width);
}

export function putHex32(v: u32): void {
  for (let k = 7; k >= 0; k--) {
    const d = (v >>> (<u32>k << 2)) & 15;
    putByte(d < 10 ? 0x30 + d : 0x57 + d);
  }
}

export function putBool(b: bool): void {
  put(b ? 'true' : 'false');
}

/** Appends bytes as the inside of a JSON string (quotes, backslashes, control bytes escaped). */
export function putJsonChars(p: usize, n: usize): void {
  for (let i: usize = 0; i < n; i++) {
    const c = <u32>load<u8>(p + i);
    if (c == 0x22 || c == 0x5c) {
      putByte(0x5c);
      putByte(c);
    } else if (c < 0x20) {
      put('\\u00');
      putByte(0x30 + (c >>> 4));
      const d = c & 15;
      putByte(d < 10 ? 0x30 + d : 0x57 + d);
    } else putByte(c);
  }
}

/** Writes all of [p, p + n) to fd; returns 0 or the WASI errno. */
export function writeAll(fd: u32, p: usize, n: usize): u32 {
  const iov = SCRATCH;
  while (n > 0) {
    store<u32>(iov, <u32>p);
    store<u32>(iov, <u32>n, 4);
    const err = fd_write(fd, iov, 1, iov + 8);
    if (err != 0) return <u32>err;
    const w = <usize>load<u32>(iov, 8);
    if (w == 0) return 29; // EIO: no progress
    p += w;
    n -= w;
  }
  return 0;
}

/** Ends the line with '\n' and writes it to fd (1 = stdout, 2 = stderr). */
export function lineEnd(fd: u32): void {
  store<u8>(lp++, 0x0a);
  writeAll(fd, LINE, lp - LINE);
}

/** Starts an error message on the line buffer; finish with `fail(code)`. */
export function errStart(): void {
  lineStart();
  put('neurite-firmware: error: ');
}

/** Writes the error line to stderr and exits with `code` (never returns). */
export function fail(code: u32): void {
  lineEnd(2);
  proc_exit(code);
  unreachable();
}

// ── Clock ───────────────────────────────────────────────────────────────────────────────────

/** Nanoseconds of the monotonic clock (0 if unavailable). */
export function monotonicNs(): u64 {
  const t = SCRATCH + 32;
  if (clock_time_get(1, 1000, t) != 0) return 0;
  return load<u64>(t);
}

/** Milliseconds since the Unix epoch (0 if unavailable). */
export function realtimeMs(): i64 {
  const t = SCRATCH + 32;
  if (clock_time_get(0, 1000000, t) != 0) return 0;
  return <i64>(load<u64>(t) / 1000000);
}

/** Appends the UTC time as ISO 8601 with milliseconds, like JavaScript's toISOString(). */
export function putIsoTime(ms: i64): void {
  let days = ms / 86400000;
  let rem = ms % 86400000;
  if (rem < 0) {
    rem += 86400000;
    days -= 1;
  }
  // Civil date from days since 1970-01-01 (proleptic Gregorian, 400-year eras).
  const z = days + 719468;
  const era = (z >= 0 ? z : z - 146096) / 146097;
  const doe = z - era * 146097;
  const yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  let y = yoe + era * 400;
  const doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const mp = (5 * doy + 2) / 153;
  const d = doy - (153 * mp + 2) / 5 + 1;
  const m = mp < 10 ? mp + 3 : mp - 9;
  if (m <= 2) y += 1;
  putPadded(<u32>y, 4);
  putByte(0x2d);
  putPadded(<u32>m, 2);
  putByte(0x2d);
  putPadded(<u32>d, 2);
  putByte(0x54);
  putPadded(<u32>(rem / 3600000), 2);
  putByte(0x3a);
  putPadded(<u32>((rem / 60000) % 60), 2);
  putByte(0x3a);
  putPadded(<u32>((rem / 1000) % 60), 2);
  putByte(0x2e);
  putPadded(<u32>(rem % 1000), 3);
  putByte(0x5a);
}

/** Current write position and length of the line buffer (to reuse it as a byte builder). */
export function lineCursor(): usize {
  return lp;
}

export function lineBase(): usize {
  return LINE;
}

// ── CRC-32 (zlib polynomial, as node:zlib crc32) ─────────────────────────────────────────────

export function crcUpdate(crc: u32, p: usize, n: usize): u32 {
  let c = ~crc;
  for (let i: usize = 0; i < n; i++) {
    c = load<u32>(CRC_TABLE + (<usize>((c ^ <u32>load<u8>(p + i)) & 0xff) << 2)) ^ (c >>> 8);
  }
  return ~c;
}

// ── Buffered reader ─────────────────────────────────────────────────────────────────────────

let RB: usize = 0;
let RB_CAP: usize = 0;
let rbFd: u32 = 0;
let rbPos: usize = 0; // next unread byte
let rbEnd: usize = 0; // end of the valid bytes
let rbEof = false;
let rbOffset: u64 = 0; // stream offset of the byte at rbPos
let rbErr: u32 = 0;

export function readerInit(fd: u32, buf: usize, cap: usize): void {
  RB = buf;
  RB_CAP = cap;
  rbFd = fd;
  rbPos = buf;
  rbEnd = buf;
  rbEof = false;
  rbOffset = 0;
  rbErr = 0;
}

/** Makes at least n (<= capacity) bytes available at `cursor()`; false at end of input. */
export function need(n: usize): bool {
  if (rbEnd - rbPos >= n) return true;
  const left = rbEnd - rbPos;
  if (rbPos != RB) {
    memory.copy(RB, rbPos, left);
    rbPos = RB;
    rbEnd = RB + left;
  }
  const iov = SCRATCH + 16;
  while (rbEnd - rbPos < n && !rbEof) {
    store<u32>(iov, <u32>rbEnd);
    store<u32>(iov, <u32>(RB + RB_CAP - rbEnd), 4);
    const err = fd_read(rbFd, iov, 1, iov + 8);
    if (err != 0) {
      if (err == errno.INTR || err == errno.AGAIN) continue;
      rbErr = <u32>err;
      rbEof = true;
      break;
    }
    const got = <usize>load<u32>(iov, 8);
    if (got == 0) rbEof = true;
    rbEnd += got;
  }
  return rbEnd - rbPos >= n;
}

export function cursor(): usize {
  return rbPos;
}

export function available(): usize {
  return rbEnd - rbPos;
}

export function advance(n: usize): void {
  rbPos += n;
  rbOffset += <u64>n;
}

/** Stream offset of the next unread byte. */
export function offset(): u64 {
  return rbOffset;
}

/** WASI errno of a failed read (0 = none; a failed read looks like end of input to `need`). */
export function readError(): u32 {
  return rbErr;
}

// ── Arguments ───────────────────────────────────────────────────────────────────────────────

let ARGV: usize = 0; // argc pointers, then the strings
let argc: i32 = 0;

/** Loads argv into [buf, buf + cap); false if it does not fit. */
export function argsInit(buf: usize, cap: usize): bool {
  const s = SCRATCH + 16;
  if (args_sizes_get(s, s + 4) != 0) return false;
  const n = load<u32>(s);
  const bytes = load<u32>(s, 4);
  if (<usize>n * 4 + <usize>bytes > cap) return false;
  if (args_get(buf, buf + <usize>n * 4) != 0) return false;
  ARGV = buf;
  argc = <i32>n;
  return true;
}

export function argCount(): i32 {
  return argc;
}

export function argPtr(i: i32): usize {
  return <usize>load<u32>(ARGV + (<usize>i << 2));
}

export function cstrLen(p: usize): usize {
  let n: usize = 0;
  while (load<u8>(p + n) != 0) n++;
  return n;
}

/** True if the NUL-terminated string at p equals the ASCII literal s. */
export function cstrIs(p: usize, s: string): bool {
  const n = s.length;
  for (let i = 0; i < n; i++) if (<u32>load<u8>(p + <usize>i) != <u32>s.charCodeAt(i)) return false;
  return load<u8>(p + <usize>n) == 0;
}

/** Parses a non-negative decimal integer below 2^31; -1 if malformed. */
export function cstrInt(p: usize): i32 {
  const n = cstrLen(p);
  if (n == 0 || n > 9) return -1;
  let v: i32 = 0;
  for (let i: usize = 0; i < n; i++) {
    const c = <i32>load<u8>(p + i) - 0x30;
    if (c < 0 || c > 9) return -1;
    v = v * 10 + c;
  }
  return v;
}

// ── Preopened directories ───────────────────────────────────────────────────────────────────

/**
 * Finds the preopened directory that holds `path` (the longest preopen name that is a prefix of
 * it at a '/' boundary; a preopen named "." or "" holds relative paths). On success returns the
 * directory fd and leaves the path relative to it in `relPtr()` / `relLen()`; returns -1 if no
 * preopen matches. `nameBuf` receives preopen names (up to nameCap bytes).
 */
let relP: usize = 0;
let relN: usize = 0;

export function relPtr(): usize {
  return relP;
}

export function relLen(): usize {
  return relN;
}

export function resolvePreopen(path: usize, pathLen: usize, nameBuf: usize, nameCap: usize): i32 {
  const st = SCRATCH + 48;
  let best: i32 = -1;
  let bestLen: i32 = -1;
  for (let fd: u32 = 3; fd < 1024; fd++) {
    if (fd_prestat_get(fd, changetype<prestat>(st)) != 0) break;
    if (load<u8>(st) != 0) continue; // not a directory
    let n = <usize>load<u32>(st, 4);
    if (n > nameCap) continue;
    if (fd_prestat_dir_name(fd, nameBuf, n) != 0) continue;
    while (n > 0 && load<u8>(nameBuf + n - 1) == 0) n--; // some runtimes count a NUL
    while (n > 1 && load<u8>(nameBuf + n - 1) == 0x2f) n--; // trailing '/'
    let matchLen: i32 = -1;
    let skip: usize = 0;
    const absolute = pathLen > 0 && load<u8>(path) == 0x2f;
    if (n == 0 || (n == 1 && load<u8>(nameBuf) == 0x2e)) {
      if (!absolute) {
        matchLen = 0;
        skip = 0;
      }
    } else if (n == 1 && load<u8>(nameBuf) == 0x2f) {
      if (absolute) {
        matchLen = 1;
        skip = 1;
      }
    } else if (pathLen >= n && memory.compare(path, nameBuf, n) == 0 && (pathLen == n || load<u8>(path + n) == 0x2f)) {
      matchLen = <i32>n;
      skip = pathLen == n ? n : n + 1;
    }
    if (matchLen > bestLen) {
      bestLen = matchLen;
      best = <i32>fd;
      relP = path + skip;
      relN = pathLen - skip;
    }
  }
  // "./x" and "x" are the same relative path.
  while (best >= 0 && relN >= 2 && load<u8>(relP) == 0x2e && load<u8>(relP + 1) == 0x2f) {
    relP += 2;
    relN -= 2;
  }
  return best;
}
