/**
 * Plan-time layouts and constants for the synapse kernels of assembly/synapses/ (CSR, event-driven
 * convolution, block-sparse modules, delays, short-term plasticity). Pure functions: the Plan
 * (and the tests) call them once; nothing here runs per step.
 *
 * Invalid geometry or parameters raise a SpecError whose path names the offending field, relative
 * to `path` (the projection's JSON path in the model spec).
 */
import { SpecError } from '../errors.js';
import { CONV, STP } from '../runtime/abi.js';

function fail(path: string, field: string, message: string): never {
  throw new SpecError([{ path: `${path}.${field}`, message }]);
}

function checkInt(path: string, field: string, v: number, lo: number, hi: number): void {
  if (!Number.isInteger(v) || v < lo || v > hi) fail(path, field, `must be an integer in [${lo}, ${hi}], got ${v}`);
}

// ── CSR ─────────────────────────────────────────────────────────────────────────────────────

export interface Csr {
  rowPtr: Uint32Array; // nIn + 1
  colIdx: Uint32Array; // nnz
  vals: Float32Array; // nnz
  nnz: number;
}

/** CSR of a dense row-major [nIn][nOut] matrix, keeping the entries where `keep` holds (default: != 0). */
export function denseToCsr(w: Float32Array, nIn: number, nOut: number, keep: (v: number, i: number, j: number) => boolean = (v) => v !== 0): Csr {
  const rowPtr = new Uint32Array(nIn + 1);
  let nnz = 0;
  for (let i = 0; i < nIn; i++) {
    for (let j = 0; j < nOut; j++) if (keep(w[i * nOut + j], i, j)) nnz++;
    rowPtr[i + 1] = nnz;
  }
  const colIdx = new Uint32Array(nnz);
  const vals = new Float32Array(nnz);
  let p = 0;
  for (let i = 0; i < nIn; i++) {
    for (let j = 0; j < nOut; j++) {
      if (!keep(w[i * nOut + j], i, j)) continue;
      colIdx[p] = j;
      vals[p] = w[i * nOut + j];
      p++;
    }
  }
  return { rowPtr, colIdx, vals, nnz };
}

/** Bytes of a CSR projection: 4 (nIn + 1) + 8 nnz. */
export function csrBytes(nIn: number, nnz: number): number {
  return 4 * (nIn + 1) + 8 * nnz;
}

// ── Event-driven 2D convolution ─────────────────────────────────────────────────────────────

export interface Conv2dGeometry {
  wIn: number; hIn: number; cIn: number; cOut: number;
  /** square kernel side */
  k: number;
  stride: number;
  /** zero padding on every side */
  pad: number;
}

/** floor((n + 2 pad - k) / stride) + 1 */
export function conv2dOutputSize(n: number, k: number, stride: number, pad: number): number {
  return Math.floor((n + 2 * pad - k) / stride) + 1;
}

export function validateConv2d(g: Conv2dGeometry, path = 'conv'): { wOut: number; hOut: number } {
  checkInt(path, 'wIn', g.wIn, 1, 65535);
  checkInt(path, 'hIn', g.hIn, 1, 65535);
  checkInt(path, 'cIn', g.cIn, 1, 256);
  checkInt(path, 'cOut', g.cOut, 1, 65535);
  checkInt(path, 'k', g.k, 1, 255);
  checkInt(path, 'stride', g.stride, 1, 255);
  checkInt(path, 'pad', g.pad, 0, g.k - 1);
  const wOut = conv2dOutputSize(g.wIn, g.k, g.stride, g.pad);
  const hOut = conv2dOutputSize(g.hIn, g.k, g.stride, g.pad);
  if (wOut < 1 || hOut < 1) fail(path, 'k', `kernel ${g.k} larger than the padded input ${g.wIn + 2 * g.pad} x ${g.hIn + 2 * g.pad}`);
  return { wOut, hOut };
}

/** The CONV_* i32 parameter block. */
export function conv2dParams(g: Conv2dGeometry, path = 'conv'): Int32Array {
  const { wOut, hOut } = validateConv2d(g, path);
  const p = new Int32Array(CONV.PARAM_SLOTS);
  p[CONV.W_IN] = g.wIn; p[CONV.H_IN] = g.hIn; p[CONV.C_IN] = g.cIn; p[CONV.C_OUT] = g.cOut;
  p[CONV.K] = g.k; p[CONV.STRIDE] = g.stride; p[CONV.PAD] = g.pad; p[CONV.W_OUT] = wOut; p[CONV.H_OUT] = hOut;
  return p;
}

/** Taps per stride phase, T = ceil(k / stride). */
export function conv2dTaps(g: Conv2dGeometry): number {
  return Math.ceil(g.k / g.stride);
}

/**
 * Packs a kernel K[co][ci][ky][kx] (f32, row-major) into the kernel's layout
 * Wp[ci][co][ky][phi][m] = K[co][ci][ky][k - 1 - (phi + m stride)] (0 where phi + m stride >= k).
 */
export function packConv2dWeights(kernel: Float32Array, g: Conv2dGeometry): Float32Array {
  const { k, stride: s, cIn, cOut } = g;
  const T = conv2dTaps(g);
  const rowW = s * T;
  const out = new Float32Array(cIn * cOut * k * rowW);
  for (let ci = 0; ci < cIn; ci++) {
    for (let co = 0; co < cOut; co++) {
      for (let ky = 0; ky < k; ky++) {
        const dst = ((ci * cOut + co) * k + ky) * rowW;
        const src = ((co * cIn + ci) * k + ky) * k;
        for (let phi = 0; phi < s; phi++) {
          for (let m = 0; m < T; m++) {
            const f = phi + m * s;
            if (f < k) out[dst + phi * T + m] = kernel[src + (k - 1 - f)];
          }
        }
      }
    }
  }
  return out;
}

// ── Block-sparse modules ────────────────────────────────────────────────────────────────────

export interface BlockMask {
  /** i32[gIn * gOut]: slot of each (g, h) block or -1 */
  slotOf: Int32Array;
  /** u32[nActive]: g * gOut + h of the block in each slot */
  blockId: Uint32Array;
}

/** The block mask for the given active blocks (ids g * gOut + h, in slot order). */
export function blockMask(gIn: number, gOut: number, active: readonly number[], path = 'blocks'): BlockMask {
  const slotOf = new Int32Array(gIn * gOut).fill(-1);
  const blockId = new Uint32Array(active.length);
  active.forEach((b, q) => {
    checkInt(path, `active[${q}]`, b, 0, gIn * gOut - 1);
    if (slotOf[b] !== -1) fail(path, `active[${q}]`, `block ${b} listed twice`);
    slotOf[b] = q;
    blockId[q] = b;
  });
  return { slotOf, blockId };
}

/** Blocks pruned (and regrown) per call: floor(fraction * nActive), limited by the inactive blocks. */
export function blockPruneCount(fraction: number, nActive: number, nBlocks: number, path = 'blocks'): number {
  if (!(fraction >= 0 && fraction <= 1)) fail(path, 'pruneFraction', `must be in [0, 1], got ${fraction}`);
  return Math.min(Math.floor(fraction * nActive), nBlocks - nActive);
}

/** Scratch bytes block_prune_regrow_f32 needs. */
export function blockScratchBytes(nActive: number): number {
  return 12 * nActive;
}

// ── Delays ──────────────────────────────────────────────────────────────────────────────────

/** Steps of a delay in ms, rounded to the step (Brian2 rounds delays to the step the same way). */
export function delaySteps(delayMs: number, dtMs: number, path = 'delay'): number {
  if (!(delayMs >= 0) || !Number.isFinite(delayMs)) fail(path, 'delayMs', `must be a finite number >= 0, got ${delayMs}`);
  const d = Math.round(delayMs / dtMs);
  if (d > 255) fail(path, 'delayMs', `at most 255 steps (${255 * dtMs} ms at dt = ${dtMs} ms), got ${d} steps`);
  return d;
}

/** Ring-buffer bytes for delays up to maxDelay steps onto nOut neurons: 4 (maxDelay + 1) nOut. */
export function delayRingBytes(maxDelay: number, nOut: number): number {
  return 4 * (maxDelay + 1) * nOut;
}

// ── Short-term plasticity ───────────────────────────────────────────────────────────────────

export interface StpParams {
  /** baseline utilisation U in (0, 1] */
  U: number;
  /** facilitation time constant, ms (0 = no facilitation: u = U at every spike) */
  tauF: number;
  /** depression (recovery) time constant, ms, > 0 */
  tauD: number;
  dt: number;
}

/** The STP_* parameter block: U and the tables exp(-2^k dt / tau), k = 0..30. */
export function stpParamBlock(p: StpParams, path = 'stp'): Float32Array {
  if (!(p.U > 0 && p.U <= 1)) fail(path, 'U', `must be in (0, 1], got ${p.U}`);
  if (!(p.tauF >= 0) || !Number.isFinite(p.tauF)) fail(path, 'tauF', `must be >= 0 ms, got ${p.tauF}`);
  if (!(p.tauD > 0) || !Number.isFinite(p.tauD)) fail(path, 'tauD', `must be > 0 ms, got ${p.tauD}`);
  if (!(p.dt > 0)) fail(path, 'dt', `must be > 0 ms, got ${p.dt}`);
  const b = new Float32Array(STP.PARAM_SLOTS);
  b[STP.U] = p.U;
  for (let k = 0; k < STP.DECAY_TERMS; k++) {
    const span = 2 ** k * p.dt;
    b[STP.DECAY_F + k] = p.tauF > 0 ? Math.exp(-span / p.tauF) : 0;
    b[STP.DECAY_D + k] = Math.exp(-span / p.tauD);
  }
  return b;
}

/** Initial STP state for nIn units: u = U, x = 1, last = 0 (as the f32/i32 bytes of the block). */
export function stpInitState(nIn: number, U: number): Float32Array {
  const nPad = Math.ceil(nIn / 4) * 4;
  const s = new Float32Array(STP.STATE_ARRAYS * nPad);
  s.fill(U, 0, nIn);
  s.fill(1, nPad, nPad + nIn);
  return s; // the last-spike array stays 0 (0.0f and int 0 share the bit pattern)
}
