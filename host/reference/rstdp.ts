/**
 * Reference twin of assembly/plasticity/rstdp.ts: one step of R-STDP eligibility (Izhikevich 2007;
 * Florian 2007). The reward is delivered with eligApply (host/reference/eligibility.ts).
 */
import { traceBump, type StdpParams } from './kernels.js';
import type { EligParams } from './eligibility.js';

const fr = Math.fround;

export function rstdpStep(
  e: Float32Array, nIn: number, nOut: number, pre: Uint32Array, nPre: number, post: Uint32Array, nPost: number,
  preTrace: Float32Array, postTrace: Float32Array, sp: StdpParams, ep: EligParams,
): void {
  const alpha = fr(ep.alpha), floor = fr(ep.floor);
  const total = nIn * nOut;
  for (let k = 0; k < total; k++) {
    const v = fr(alpha * e[k]);
    e[k] = Math.abs(v) < floor ? 0 : v;
  }
  traceBump(preTrace, nIn, pre, nPre, sp.impulsePre, sp.nearest);
  const am = fr(sp.etaMinus);
  if (am !== 0) {
    for (let q = 0; q < nPre; q++) {
      const i = pre[q];
      if (i >= nIn) continue;
      const row = i * nOut;
      for (let j = 0; j < nOut; j++) e[row + j] = fr(e[row + j] - fr(am * postTrace[j]));
    }
  }
  traceBump(postTrace, nOut, post, nPost, sp.impulsePost, sp.nearest);
  const ap = fr(sp.etaPlus);
  if (ap !== 0) {
    for (let q = 0; q < nPost; q++) {
      const j = post[q];
      if (j >= nOut) continue;
      for (let i = 0; i < nIn; i++) {
        const dl = fr(ap * preTrace[i]);
        if (dl === 0) continue;
        e[i * nOut + j] = fr(e[i * nOut + j] + dl);
      }
    }
  }
}
