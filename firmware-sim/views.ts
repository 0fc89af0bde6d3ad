/**
 * The two hardware-independent views reported beside the device estimate.
 *
 * NeuroBench-style operation counts (after the definitions in NeuroBench/neurobench v2.3.0
 * metrics, summarised in ../shared/reference/mcu-energy.md section 2.3), for the inference pass of
 * one sample (the learning pass is listed separately, NeuroBench has no learning metric):
 *   footprint            bytes of parameters and buffers: weights, readout, parameter blocks,
 *                        neuron state and traces (zeros count)
 *   connectionSparsity   zero weights / all weights of the projections
 *   activationSparsity   1 - spikes / (neurons x steps)
 *   effectiveACs         synaptic ops driven by binary spikes (the synops counters)
 *   effectiveMACs        readout multiply-accumulates on non-binary spike counts (non-zero features)
 *   dense                what a dense evaluation would do: sum nIn x nOut per projection per step,
 *                        plus nFeat x nClass per readout
 *   membraneUpdates      neuron state updates (every neuron every step: the kernels update all)
 *
 * The 45 nm compute-only estimate used in the SNN literature (Horowitz, ISSCC 2014, 32-bit float
 * at 45 nm: E_AC = 0.9 pJ, E_MAC = 4.6 pJ), E = ACs x E_AC + MACs x E_MAC. It ignores memory,
 * control and static power (Yan et al. arXiv 2409.08290; Dampfhoffer et al. TETCI 2023): it is
 * shown for comparison with papers, not as an energy estimate for a device.
 */
import type { Plan } from '../host/plan/plan.js';
import type { Runtime } from '../host/runtime/runtime.js';
import type { Workload } from './cycles.js';

export const E_AC_PJ = 0.9;
export const E_MAC_PJ = 4.6;

export interface NeuroBenchView {
  readonly footprintBytes: number;
  readonly connectionSparsity: number;
  readonly activationSparsity: number;
  readonly effectiveACs: number;
  readonly effectiveMACs: number;
  readonly dense: number;
  readonly membraneUpdates: number;
  /** Learning pass per sample (not a NeuroBench metric): plastic weight writes and trace updates. */
  readonly learning: { readonly weightUpdates: number; readonly traceUpdates: number };
}

export interface LiteratureView {
  readonly acPJ: number;
  readonly macPJ: number;
  readonly energyPerSampleJ: number;
  readonly label: string;
}

/** Per-sample NeuroBench-style counts of the inference pass. */
export function neuroBenchView(plan: Plan, w: Workload, rt: Runtime | null): NeuroBenchView {
  const n = Math.max(w.samples, 1);
  const c = w.infer.counters as Record<string, number>;
  const footprintKinds = new Set(['weights', 'readout', 'params', 'neuronState', 'traces']);
  const footprintBytes = plan.regions.filter((r) => footprintKinds.has(r.kind)).reduce((s, r) => s + r.bytes, 0);
  let zeros = 0;
  let total = 0;
  if (rt) {
    for (const pr of plan.projections) {
      const wv = rt.weights(pr.name);
      for (let i = 0; i < wv.length; i++) if (wv[i] === 0) zeros++;
      total += wv.length;
    }
  }
  const neurons = plan.populations.reduce((s, p) => s + p.size, 0);
  const steps = w.infer.steps;
  const r = plan.readout;
  const rc = w.readout.counters as Record<string, number>;
  const calls = w.readout.predictCalls + w.readout.learnCalls;
  const counted = w.readout.predictCalls + 2 * w.readout.learnCalls;
  const readoutMacs = r && counted > 0 ? (Math.max(0, rc.readoutMacs - r.nFeat * counted) / counted) * calls : 0;
  const denseSyn = plan.projections.reduce((s, p) => s + p.nIn * p.nOut, 0) * steps;
  const denseReadout = r ? r.nFeat * r.nClass * calls : 0;
  const membrane = Object.entries(c).filter(([k]) => k.startsWith('neuronUpdates')).reduce((s, [, v]) => s + v, 0);
  const lc = w.learn.counters as Record<string, number>;
  return {
    footprintBytes,
    connectionSparsity: total > 0 ? zeros / total : 0,
    activationSparsity: neurons * steps > 0 ? 1 - c.spikes / (neurons * steps) : 1,
    effectiveACs: (c.synopsF32 + c.synopsI8 + (c.synopsI16 ?? 0)) / n,
    effectiveMACs: readoutMacs / n,
    dense: (denseSyn + denseReadout) / n,
    membraneUpdates: membrane / n,
    learning: { weightUpdates: (lc.weightUpdates + (rc.weightUpdates ?? 0)) / n, traceUpdates: lc.traceUpdates / n },
  };
}

export function literatureView(nb: NeuroBenchView): LiteratureView {
  return {
    acPJ: E_AC_PJ,
    macPJ: E_MAC_PJ,
    energyPerSampleJ: (nb.effectiveACs * E_AC_PJ + nb.effectiveMACs * E_MAC_PJ) * 1e-12,
    label: '45 nm compute-only (Horowitz 2014: 32-bit float AC 0.9 pJ, MAC 4.6 pJ); inference pass; no memory, control or static energy',
  };
}
