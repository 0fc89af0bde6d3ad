/**
 * Plain TypeScript twins of the kernels, written from the equations in each kernel's header
 * comment (assembly/**). They are the test oracles (reference vs wasm scalar vs wasm SIMD) and
 * the "plain TypeScript" baseline of the benchmarks, so they are written monomorphically, over
 * typed arrays, the way a competent TypeScript programmer would write a fast loop.
 *
 * f32 semantics: every intermediate goes through Math.fround, so each operation rounds exactly
 * as one f32 wasm instruction does (double rounding of a single f32 +, -, *, / or sqrt through
 * f64 is innocuous). V8 compiles fround chains to float32 arithmetic.
 */
const fr = Math.fround;

export interface LifParams {
  alphaM: number; alphaS: number; beta: number; gamma: number; vTh: number; vReset: number;
  resetSubtract: boolean; refracHold: number; alphaB: number; dTheta: number;
}

export interface LifState {
  v: Float32Array; i: Float32Array; refr: Int32Array; b: Float32Array; bias: Float32Array;
}

/** Integrate and threshold (assembly/neurons/lif.ts). Returns the number of candidates. */
export function lifStep(n: number, s: LifState, p: LifParams, spikes: Uint32Array, margins: Float32Array): number {
  const am = fr(p.alphaM), as = fr(p.alphaS), beta = fr(p.beta), gamma = fr(p.gamma);
  const vth = fr(p.vTh), ab = fr(p.alphaB);
  const { v, i: cur, refr, b, bias } = s;
  let ns = 0;
  for (let j = 0; j < n; j++) {
    const vn = fr(fr(fr(v[j] * am) + fr(cur[j] * beta)) + fr(bias[j] * gamma));
    const bn = fr(b[j] * ab);
    cur[j] = cur[j] * as;
    b[j] = bn;
    if (refr[j] > 0) {
      refr[j] = refr[j] - 1;
    } else {
      v[j] = vn;
      const thr = fr(vth + bn);
      if (vn > thr) {
        spikes[ns] = j;
        margins[ns] = vn - thr;
        ns++;
      }
    }
  }
  return ns;
}

/** Reset, adaptation increment and refractory hold for the final spikes. */
export function lifReset(n: number, s: LifState, p: LifParams, spikes: Uint32Array, nSpikes: number): void {
  for (let k = 0; k < nSpikes; k++) {
    const j = spikes[k];
    if (j >= n) continue;
    const bj = s.b[j];
    s.v[j] = p.resetSubtract ? s.v[j] - fr(fr(p.vTh) + bj) : p.vReset;
    s.refr[j] = p.refracHold;
    s.b[j] = bj + fr(p.dTheta);
  }
}

export interface IzhParams {
  a: number; b: number; dt: number; alphaS: number; vPeak: number; halfSteps: boolean;
}

/** Izhikevich integrate and threshold (assembly/neurons/izhikevich.ts); u lives in s.b. */
export function izhStep(n: number, s: LifState, p: IzhParams, spikes: Uint32Array, margins: Float32Array): number {
  const a = fr(p.a), b = fr(p.b), dt = fr(p.dt), half = fr(dt * 0.5), as = fr(p.alphaS), vpeak = fr(p.vPeak);
  const f = (v: number, u: number, cur: number) =>
    fr(fr(fr(fr(fr(fr(fr(0.04) * v) * v) + fr(5 * v)) + 140) - u) + cur);
  let ns = 0;
  for (let j = 0; j < n; j++) {
    const v = s.v[j], u = s.b[j], syn = s.i[j];
    const cur = fr(syn + s.bias[j]);
    let vn: number, un: number;
    if (p.halfSteps) {
      const vh = fr(v + fr(half * f(v, u, cur)));
      vn = fr(vh + fr(half * f(vh, u, cur)));
      un = fr(u + fr(dt * fr(a * fr(fr(b * vn) - u))));
    } else {
      vn = fr(v + fr(dt * f(v, u, cur)));
      un = fr(u + fr(dt * fr(a * fr(fr(b * v) - u))));
    }
    s.b[j] = un;
    s.i[j] = syn * as;
    if (s.refr[j] > 0) {
      s.refr[j] = s.refr[j] - 1;
    } else {
      s.v[j] = vn;
      if (vn >= vpeak) {
        spikes[ns] = j;
        margins[ns] = vn - vpeak;
        ns++;
      }
    }
  }
  return ns;
}

export interface CondParams {
  k: number; eRev: number; eLeak: number; alphaS: number; vTh: number; alphaB: number;
}

/** Conductance-based LIF, forward Euler (assembly/neurons/lif_cond.ts); g lives in s.i. */
export function lifCondStep(n: number, s: LifState, p: CondParams, spikes: Uint32Array, margins: Float32Array): number {
  const k = fr(p.k), er = fr(p.eRev), el = fr(p.eLeak), as = fr(p.alphaS), vth = fr(p.vTh), ab = fr(p.alphaB);
  let ns = 0;
  for (let j = 0; j < n; j++) {
    const v = s.v[j], g = s.i[j];
    const vn = fr(v + fr(k * fr(fr(fr(g * fr(er - v)) + fr(el - v)) + s.bias[j])));
    const bn = fr(s.b[j] * ab);
    s.i[j] = g * as;
    s.b[j] = bn;
    if (s.refr[j] > 0) {
      s.refr[j] = s.refr[j] - 1;
    } else {
      s.v[j] = vn;
      const thr = fr(vth + bn);
      if (vn > thr) {
        spikes[ns] = j;
        margins[ns] = vn - thr;
        ns++;
      }
    }
  }
  return ns;
}

/** k-winner-take-all (assembly/neurons/wta.ts). Returns the number of winners. */
export function wtaSelect(
  n: number, v: Float32Array, spikes: Uint32Array, margins: Float32Array, nSpikes: number,
  k: number, inhibition: number, vFloor: number,
): number {
  if (nSpikes === 0) return 0;
  let keep = nSpikes;
  if (k > 0 && nSpikes > k) {
    const order = Array.from({ length: nSpikes }, (_, q) => q);
    order.sort((a, b) => (margins[b] - margins[a]) || (spikes[a] - spikes[b]));
    const winners = order.slice(0, k).map((q) => spikes[q]).sort((a, b) => a - b);
    for (let q = 0; q < k; q++) spikes[q] = winners[q];
    keep = k;
  }
  if (inhibition !== 0) {
    const amount = fr(fr(inhibition) * keep);
    const saved = Array.from({ length: keep }, (_, q) => v[spikes[q]]);
    const floor = fr(vFloor);
    for (let j = 0; j < n; j++) v[j] = Math.max(fr(v[j] - amount), floor);
    for (let q = 0; q < keep; q++) v[spikes[q]] = saved[q];
  }
  return keep;
}

/** I_j += W[i][j] for every valid event i (assembly/synapses/dense.ts). */
export function denseAccumulateF32(w: Float32Array, nIn: number, nOut: number, idx: Uint32Array, nIdx: number, target: Float32Array): void {
  for (let k = 0; k < nIdx; k++) {
    const i = idx[k];
    if (i >= nIn) continue;
    const row = i * nOut;
    for (let j = 0; j < nOut; j++) target[j] += w[row + j];
  }
}

/** acc_j = sat16(acc_j + Wq[i][j]) for every valid event i. */
export function denseAccumulateI8(w: Int8Array, nIn: number, nOut: number, idx: Uint32Array, nIdx: number, acc: Int16Array): void {
  for (let k = 0; k < nIdx; k++) {
    const i = idx[k];
    if (i >= nIn) continue;
    const row = i * nOut;
    for (let j = 0; j < nOut; j++) {
      const s = acc[j] + w[row + j];
      acc[j] = s > 32767 ? 32767 : s < -32768 ? -32768 : s;
    }
  }
}

/** I_j += acc_j * scale_j ; acc_j = 0. */
export function denseFlushI8(acc: Int16Array, scale: Float32Array, nOut: number, target: Float32Array): void {
  for (let j = 0; j < nOut; j++) {
    target[j] = target[j] + fr(acc[j] * scale[j]);
    acc[j] = 0;
  }
}

/** acc_j += Wq[i][j] (i32) for every valid event i. */
export function denseAccumulateI16(w: Int16Array, nIn: number, nOut: number, idx: Uint32Array, nIdx: number, acc: Int32Array): void {
  for (let k = 0; k < nIdx; k++) {
    const i = idx[k];
    if (i >= nIn) continue;
    const row = i * nOut;
    for (let j = 0; j < nOut; j++) acc[j] = (acc[j] + w[row + j]) | 0;
  }
}

/** I_j += acc_j * scale_j ; acc_j = 0 (int16 path). */
export function denseFlushI16(acc: Int32Array, scale: Float32Array, nOut: number, target: Float32Array): void {
  for (let j = 0; j < nOut; j++) {
    target[j] = target[j] + fr(fr(acc[j]) * scale[j]);
    acc[j] = 0;
  }
}

/** x = alpha x, flushed to 0 below floor. */
export function traceDecay(x: Float32Array, n: number, alpha: number, floor: number): void {
  const a = fr(alpha), f = fr(floor);
  for (let j = 0; j < n; j++) {
    const d = fr(x[j] * a);
    x[j] = d < f ? 0 : d;
  }
}

export function traceBump(x: Float32Array, n: number, idx: Uint32Array, nIdx: number, impulse: number, nearest: boolean): void {
  for (let k = 0; k < nIdx; k++) {
    const i = idx[k];
    if (i >= n) continue;
    x[i] = nearest ? impulse : x[i] + fr(impulse);
  }
}

export interface StdpParams {
  etaPlus: number; etaMinus: number; wMin: number; wMax: number; soft: boolean; xOffset: number;
  impulsePre: number; impulsePost: number; nearest: boolean;
}

/** Pre pathway (assembly/plasticity/stdp_pair.ts): bump x_i, then LTD along row i. */
export function stdpPre(w: Float32Array, nIn: number, nOut: number, pre: Uint32Array, nPre: number, preTrace: Float32Array, postTrace: Float32Array, p: StdpParams): void {
  traceBump(preTrace, nIn, pre, nPre, p.impulsePre, p.nearest);
  const em = fr(p.etaMinus), lo = fr(p.wMin), hi = fr(p.wMax);
  if (em === 0) return;
  for (let k = 0; k < nPre; k++) {
    const i = pre[k];
    if (i >= nIn) continue;
    const row = i * nOut;
    for (let j = 0; j < nOut; j++) {
      const wv = w[row + j];
      const d = fr(em * postTrace[j]);
      w[row + j] = p.soft ? wv - fr(d * fr(wv - lo)) : Math.min(Math.max(fr(wv - d), lo), hi);
    }
  }
}

/** Post pathway: bump y_j, then LTP along column j. */
export function stdpPost(w: Float32Array, nIn: number, nOut: number, post: Uint32Array, nPost: number, preTrace: Float32Array, postTrace: Float32Array, p: StdpParams): void {
  traceBump(postTrace, nOut, post, nPost, p.impulsePost, p.nearest);
  const ep = fr(p.etaPlus), lo = fr(p.wMin), hi = fr(p.wMax), xoff = fr(p.xOffset);
  if (ep === 0) return;
  for (let k = 0; k < nPost; k++) {
    const j = post[k];
    if (j >= nOut) continue;
    for (let i = 0; i < nIn; i++) {
      const d = fr(ep * fr(preTrace[i] - xoff));
      if (d === 0) continue;
      const q = i * nOut + j;
      const wv = w[q];
      if (p.soft) w[q] = wv + (d > 0 ? fr(d * fr(hi - wv)) : fr(d * fr(wv - lo)));
      else w[q] = Math.min(Math.max(fr(wv + d), lo), hi);
    }
  }
}

/** Synaptic scaling (L1 or L2) of the columns of the neurons that spiked. */
export function scaleColumns(w: Float32Array, nIn: number, nOut: number, post: Uint32Array, nPost: number, target: number, l2: boolean): void {
  for (let k = 0; k < nPost; k++) {
    const j = post[k];
    if (j >= nOut) continue;
    let s = 0;
    if (l2) {
      for (let i = 0; i < nIn; i++) s = fr(s + fr(w[i * nOut + j] * w[i * nOut + j]));
      s = fr(Math.sqrt(s));
    } else {
      for (let i = 0; i < nIn; i++) s = fr(s + w[i * nOut + j]);
    }
    if (s <= 0) continue;
    const f = fr(fr(target) / s);
    for (let i = 0; i < nIn; i++) w[i * nOut + j] = w[i * nOut + j] * f;
  }
}

function invNorm(x: Float32Array, n: number): number {
  let s = 0;
  for (let f = 0; f < n; f++) s = fr(s + fr(x[f] * x[f]));
  return s > 0 ? fr(1 / fr(Math.sqrt(s))) : 0;
}

/** y_c = sum_f W[f][c] x_f / ||x|| (assembly/readout/delta.ts). */
export function readoutPredict(w: Float32Array, nFeat: number, nClass: number, x: Float32Array, scores: Float32Array): void {
  const inv = invNorm(x, nFeat);
  scores.fill(0, 0, nClass);
  for (let f = 0; f < nFeat; f++) {
    if (x[f] === 0) continue;
    const xh = fr(x[f] * inv);
    for (let c = 0; c < nClass; c++) scores[c] = scores[c] + fr(xh * w[f * nClass + c]);
  }
}

/** One normalised delta-rule step. */
export function readoutLearn(w: Float32Array, nFeat: number, nClass: number, x: Float32Array, label: number, lr: number, scores: Float32Array): void {
  readoutPredict(w, nFeat, nClass, x, scores);
  const inv = invNorm(x, nFeat);
  const err = new Float32Array(nClass);
  for (let c = 0; c < nClass; c++) err[c] = fr(fr(lr) * fr((c === label ? 1 : 0) - scores[c]));
  for (let f = 0; f < nFeat; f++) {
    if (x[f] === 0) continue;
    const xh = fr(x[f] * inv);
    for (let c = 0; c < nClass; c++) w[f * nClass + c] = w[f * nClass + c] + fr(xh * err[c]);
  }
}
