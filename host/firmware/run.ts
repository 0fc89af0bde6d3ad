/**
 * Running a firmware image under Node's built-in WASI (`node:wasi`, preview1): the framed stream
 * on stdin (or as a file in a preopened directory), the checkpoint directory preopened as /ckpt,
 * stdout and stderr captured, and the image's exit code returned (proc_exit is propagated with
 * returnOnExit). A trap inside the image is reported as FirmwareTrapError, never swallowed.
 *
 * Not the npm package `wasi` (an obsolete 2019 prototype whose proc_exit kills the host process).
 */
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import type { WASI as WasiClass } from 'node:wasi';
import { NeuriteError, UsageError } from '../errors.js';
import { compileImage, loadImageBytes } from './image.js';

export class FirmwareTrapError extends NeuriteError {
  override readonly name = 'FirmwareTrapError';
  constructor(readonly detail: string, readonly stderr: string) {
    super(`the firmware image trapped: ${detail}${stderr ? `\n${stderr}` : ''}`);
  }
}

/** Guest path of the preopened checkpoint directory. */
export const GUEST_CHECKPOINT_DIR = '/ckpt';
/** Guest path of the preopened input directory (input mode 'preopen'). */
export const GUEST_INPUT_DIR = '/input';

export interface RunImageOptions {
  /** The image (.wasm path or bytes). */
  wasm: string | Uint8Array;
  /** Path of a framed event stream (see framing.ts). */
  stream: string;
  /** Feed the stream on stdin (default) or let the image open it in a preopened directory. */
  input?: 'stdin' | 'preopen';
  /** Host directory preopened as /ckpt for checkpoints (none: the image writes no checkpoint). */
  checkpointDir?: string;
  checkpointEvery?: number;
  checkpointName?: string;
  keepCheckpoints?: boolean;
  quiet?: boolean;
  /** Extra arguments passed to the image as is. */
  args?: readonly string[];
}

export type FirmwareLine = Record<string, unknown> & { type: string };

export interface RunImageResult {
  exitCode: number;
  stdout: string;
  stderr: string;
  /** stdout parsed as JSON lines (lines that do not parse are skipped). */
  lines: FirmwareLine[];
  start: FirmwareLine | null;
  end: FirmwareLine | null;
  samples: FirmwareLine[];
  checkpoints: FirmwareLine[];
  seconds: number;
  /** The argv the image saw (argv[0] included). */
  argv: string[];
}

let wasiCtor: typeof WasiClass | null = null;

/** node:wasi, loaded once with its ExperimentalWarning silenced (it is the supported runtime here). */
function wasiClass(): typeof WasiClass {
  if (wasiCtor) return wasiCtor;
  const original = process.emitWarning;
  process.emitWarning = ((warning: string | Error, ...rest: unknown[]) => {
    const text = typeof warning === 'string' ? warning : warning.message;
    if (/WASI/.test(text)) return;
    (original as (...a: unknown[]) => void).call(process, warning, ...rest);
  }) as typeof process.emitWarning;
  try {
    wasiCtor = (createRequire(import.meta.url)('node:wasi') as { WASI: typeof WasiClass }).WASI;
  } finally {
    process.emitWarning = original;
  }
  return wasiCtor;
}

export function runFirmwareImage(opts: RunImageOptions): RunImageResult {
  const bytes = loadImageBytes(opts.wasm);
  const mod = compileImage(bytes, typeof opts.wasm === 'string' ? opts.wasm : undefined);
  const stream = resolve(opts.stream);
  const mode = opts.input ?? 'stdin';
  const args = ['neurite-firmware'];
  const preopens: Record<string, string> = {};
  if (mode === 'preopen') {
    preopens[GUEST_INPUT_DIR] = dirname(stream);
    args.push('--input', `${GUEST_INPUT_DIR}/${basename(stream)}`);
  }
  if (opts.checkpointDir !== undefined) {
    preopens[GUEST_CHECKPOINT_DIR] = resolve(opts.checkpointDir);
    args.push('--checkpoint-dir', GUEST_CHECKPOINT_DIR);
  }
  if (opts.checkpointEvery !== undefined) args.push('--checkpoint-every', String(opts.checkpointEvery));
  if (opts.checkpointName !== undefined) args.push('--checkpoint-name', opts.checkpointName);
  if (opts.keepCheckpoints) args.push('--keep-checkpoints');
  if (opts.quiet) args.push('--quiet');
  if (opts.args) args.push(...opts.args);

  const tmp = mkdtempSync(join(tmpdir(), 'neurite-fw-run-'));
  const outPath = join(tmp, 'stdout');
  const errPath = join(tmp, 'stderr');
  let fdIn = -1;
  let fdOut = -1;
  let fdErr = -1;
  try {
    try {
      fdIn = openSync(mode === 'stdin' ? stream : '/dev/null', 'r');
    } catch (e) {
      throw new UsageError(`cannot open the input stream ${stream}: ${(e as Error).message}`);
    }
    fdOut = openSync(outPath, 'w');
    fdErr = openSync(errPath, 'w');
    const WASI = wasiClass();
    const wasi = new WASI({ version: 'preview1', args, env: {}, preopens, stdin: fdIn, stdout: fdOut, stderr: fdErr, returnOnExit: true });
    const inst = new WebAssembly.Instance(mod, wasi.getImportObject() as WebAssembly.Imports);
    const t0 = performance.now();
    let exitCode: number;
    let trap: Error | null = null;
    try {
      exitCode = wasi.start(inst);
    } catch (e) {
      trap = e as Error;
      exitCode = -1;
    }
    const seconds = (performance.now() - t0) / 1000;
    closeSync(fdOut);
    fdOut = -1;
    closeSync(fdErr);
    fdErr = -1;
    const stdout = readFileSync(outPath, 'utf8');
    const stderr = readFileSync(errPath, 'utf8');
    if (trap) throw new FirmwareTrapError(trap.message, stderr);
    const lines: FirmwareLine[] = [];
    for (const l of stdout.split('\n')) {
      if (!l.startsWith('{')) continue;
      try {
        lines.push(JSON.parse(l) as FirmwareLine);
      } catch {
        /* not a JSON line */
      }
    }
    return {
      exitCode,
      stdout,
      stderr,
      lines,
      start: lines.find((l) => l.type === 'start') ?? null,
      end: lines.find((l) => l.type === 'end') ?? null,
      samples: lines.filter((l) => l.type === 'sample'),
      checkpoints: lines.filter((l) => l.type === 'checkpoint'),
      seconds,
      argv: args,
    };
  } finally {
    for (const fd of [fdIn, fdOut, fdErr]) if (fd >= 0) closeSync(fd);
    rmSync(tmp, { recursive: true, force: true });
  }
}
