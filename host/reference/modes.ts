/**
 * Reference twin of assembly/plasticity/modes.ts: per-neuron gain/threshold modes over frozen
 * weights.
 */
import { MODE } from '../runtime/abi.js';
import { clamp } from './eligibility.js';

const fr = Math.fround;

export interface ModeParams { etaGain: number; etaThr: number; gainMin: number; gainMax: number; thrMin: number; thrMax: number }

/** The MODE_* parameter block (8 slots). */
export function packModeParams(p: ModeParams): Float32Array {
  const f = new Float32Array(MODE.PARAM_SLOTS);
  f[MODE.ETA_GAIN] = p.etaGain; f[MODE.ETA_THR] = p.etaThr; f[MODE.GAIN_MIN] = p.gainMin;
  f[MODE.GAIN_MAX] = p.gainMax; f[MODE.THR_MIN] = p.thrMin; f[MODE.THR_MAX] = p.thrMax;
  return f;
}

/** out_j = g_j d_j - theta_j. */
export function modeApply(n: number, drive: Float32Array, gain: Float32Array, thr: Float32Array, out: Float32Array): void {
  for (let j = 0; j < n; j++) out[j] = fr(fr(gain[j] * drive[j]) - thr[j]);
}

/** g_j += eta_g delta_j d_j, theta_j -= eta_theta delta_j, both clipped to their ranges. */
export function modeAdapt(n: number, drive: Float32Array, err: Float32Array, gain: Float32Array, thr: Float32Array, p: ModeParams): void {
  const eg = fr(p.etaGain), et = fr(p.etaThr);
  const gmin = fr(p.gainMin), gmax = fr(p.gainMax), tmin = fr(p.thrMin), tmax = fr(p.thrMax);
  for (let j = 0; j < n; j++) {
    const d = err[j];
    const g = fr(gain[j] + fr(fr(eg * d) * drive[j]));
    const t = fr(thr[j] - fr(et * d));
    gain[j] = clamp(g, gmin, gmax);
    thr[j] = clamp(t, tmin, tmax);
  }
}
