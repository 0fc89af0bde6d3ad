/**
 * Post-training quantisation: a learned f32 model becomes an int8 or int16 model for inference,
 * with one f32 scale per target neuron ("per row" of the neuron's weight vector, as TFLite
 * Micro's per-channel quantisation). Plasticity is dropped (integer learning is separate), the
 * learned adaptive thresholds and the readout are carried over, and the arena shrinks with the
 * weights.
 */
import { planModel } from '../plan/plan.js';
import { needsConnectivity } from '../plan/connectivity.js';
import { Runtime } from '../runtime/runtime.js';
import type { ModelSpec, ProjectionSpec } from '../spec/types.js';
import { validateSpec } from '../spec/validate.js';

export type QuantizedDtype = 'int8' | 'int16';

export function quantizedSpec(spec: ModelSpec, dtype: QuantizedDtype): ModelSpec {
  const projections = spec.projections.map((p): ProjectionSpec => {
    // Sparse, conv2d, block-sparse, delayed and STP projections exist in f32 only: kept as they are.
    if (p.weights.dtype !== 'f32' || needsConnectivity(p)) return p;
    const { plasticity: _dropped, ...rest } = p;
    return { ...rest, weights: { ...p.weights, dtype } };
  });
  return validateSpec({ ...spec, name: `${spec.name}-${dtype}`, projections });
}

/** A new runtime holding `rt`'s learned state with quantised weights. */
export function quantizeRuntime(rt: Runtime, dtype: QuantizedDtype): Runtime {
  const spec = quantizedSpec(rt.plan.spec, dtype);
  const q = new Runtime(planModel(spec), rt.build);
  for (const pr of rt.plan.projections) {
    if (pr.connectivity === null) {
      q.setWeights(pr.name, rt.weightsF32(pr.name));
      continue;
    }
    // Kept in f32 with the same layout: copy the stored values and structure (block masks move).
    for (const r of rt.plan.regions) {
      if (r.kind !== 'weights' || !r.name.startsWith(`${pr.name}.`)) continue;
      q.regionBytes(q.plan.regions.find((x) => x.name === r.name && x.bytes === r.bytes)!).set(rt.regionBytes(r));
    }
  }
  for (const pop of rt.plan.populations) q.population(pop.name).b.set(rt.population(pop.name).b);
  if (rt.plan.readout) q.readoutWeights().set(rt.readoutWeights());
  return q;
}
