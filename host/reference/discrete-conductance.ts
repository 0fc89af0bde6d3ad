/**
 * Reference twin of assembly/plasticity/discrete_conductance.ts (bounded discrete-conductance
 * synapse, pulse-based updates), plus the plan-time helpers: the nonlinear level table and the
 * per-device gains drawn once from a seed.
 */
import { DCOND } from '../runtime/abi.js';
import { Xoshiro128 } from '../util/prng.js';

const fr = Math.fround;

export interface DcondParams {
  wMin: number; wMax: number;
  /** Number of conductance levels N (2..256). */
  levels: number;
  /** Levels moved per potentiating / depressing pulse (>= 0). */
  stepUp: number; stepDown: number;
  /** Only potentiating pulses are applied. */
  unidirectional: boolean;
  /** Post pathway: a pre trace above xTh potentiates, otherwise depresses. */
  xTh: number;
  /** Pre pathway: e > eTh potentiates, e < -eTh depresses. */
  eTh: number;
}

export function packDcondParams(p: DcondParams): Float32Array {
  if (!(Number.isInteger(p.levels) && p.levels >= 2 && p.levels <= 256)) throw new RangeError(`levels must be an integer in [2, 256], got ${p.levels}`);
  const f = new Float32Array(DCOND.PARAM_SLOTS);
  const i = new Int32Array(f.buffer);
  f[DCOND.W_MIN] = p.wMin; f[DCOND.W_MAX] = p.wMax; i[DCOND.LEVELS] = p.levels;
  i[DCOND.STEP_UP] = p.stepUp; i[DCOND.STEP_DOWN] = p.stepDown; i[DCOND.UNIDIRECTIONAL] = p.unidirectional ? 1 : 0;
  f[DCOND.X_TH] = p.xTh; f[DCOND.E_TH] = p.eTh;
  return f;
}

/**
 * The level table L[n] = (wMax - wMin) (1 - exp(-nu n/(N-1))) / (1 - exp(-nu)), n = 0..N-1
 * (linear for nu = 0): the conductance above w_min after n potentiating steps on a device with
 * nonlinearity nu.
 */
export function dcondLevels(levels: number, nonlinearity: number, wMin: number, wMax: number): Float32Array {
  if (!(Number.isInteger(levels) && levels >= 2 && levels <= 256)) throw new RangeError(`levels must be an integer in [2, 256], got ${levels}`);
  if (!(nonlinearity >= 0 && Number.isFinite(nonlinearity))) throw new RangeError(`nonlinearity must be finite and >= 0, got ${nonlinearity}`);
  if (!(wMax > wMin)) throw new RangeError(`need wMin < wMax, got ${wMin}, ${wMax}`);
  const t = new Float32Array(levels);
  const span = wMax - wMin;
  for (let n = 0; n < levels; n++) {
    const u = n / (levels - 1);
    t[n] = nonlinearity === 0 ? span * u : (span * Math.expm1(-nonlinearity * u)) / Math.expm1(-nonlinearity);
  }
  return t;
}

/**
 * Device-to-device variation, drawn once: g = 1 - spread * u with u uniform in [0, 1), so each
 * device reaches a fraction g in (1 - spread, 1] of the nominal range. spread in [0, 1).
 */
export function dcondGains(count: number, spread: number, seed: number): Float32Array {
  if (!(spread >= 0 && spread < 1)) throw new RangeError(`spread must be in [0, 1), got ${spread}`);
  const r = new Xoshiro128(seed);
  const g = new Float32Array(count);
  for (let k = 0; k < count; k++) g[k] = 1 - spread * r.nextFloat();
  return g;
}

/** The weight a device at level n reads out as. */
export function dcondWeight(n: number, g: number, table: Float32Array, wMin: number, wMax: number): number {
  const lo = fr(wMin), hi = fr(wMax);
  return Math.min(Math.max(fr(lo + fr(g * table[n])), lo), hi);
}

function stepOf(level: number, step: number, top: number): number {
  return Math.min(Math.max(level + step, 0), top);
}

/** Pre spikes: one pulse per synapse of row i, direction from e_j (Manhattan rule). */
export function dcondPre(w: Float32Array, level: Uint8Array, gain: Float32Array, nIn: number, nOut: number, pre: Uint32Array, nPre: number, e: Float32Array, table: Float32Array, p: DcondParams): void {
  const top = p.levels - 1, up = p.stepUp, down = p.unidirectional ? 0 : p.stepDown, eth = fr(p.eTh);
  for (let k = 0; k < nPre; k++) {
    const i = pre[k];
    if (i >= nIn) continue;
    for (let j = 0; j < nOut; j++) {
      const q = i * nOut + j;
      const step = (e[j] > eth ? up : 0) - (e[j] < -eth ? down : 0);
      const n = stepOf(level[q], step, top);
      level[q] = n;
      w[q] = dcondWeight(n, gain[q], table, p.wMin, p.wMax);
    }
  }
}

/** Post spikes: one pulse per synapse of column j, up where x_i > xTh, down elsewhere. */
export function dcondPost(w: Float32Array, level: Uint8Array, gain: Float32Array, nIn: number, nOut: number, post: Uint32Array, nPost: number, x: Float32Array, table: Float32Array, p: DcondParams): void {
  const top = p.levels - 1, up = p.stepUp, down = p.unidirectional ? 0 : p.stepDown, xth = fr(p.xTh);
  for (let k = 0; k < nPost; k++) {
    const j = post[k];
    if (j >= nOut) continue;
    for (let i = 0; i < nIn; i++) {
      const q = i * nOut + j;
      const n = stepOf(level[q], x[i] > xth ? up : -down, top);
      level[q] = n;
      w[q] = dcondWeight(n, gain[q], table, p.wMin, p.wMax);
    }
  }
}
