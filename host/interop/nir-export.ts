/**
 * NIR export of a neurite model (`neurite export --format nir`).
 *
 * Graph: Input (shape [2, H, W] for split polarity, OFF plane first; [H, W] merged) -> Flatten ->
 * one Linear node per projection (weight [nOut, nIn], the learned weights) -> one CubaLIF node per
 * LIF population -> (readout) Linear [nClass, nFeat] -> Output; without a readout, each
 * population that feeds no other one goes to an Output node.
 *
 * Continuous-time parameters (docs/interop.md has the derivations). Time constants are written in
 * seconds (the unit snnTorch, Norse, Rockpool and Sinabs use; `neurite.time_unit` says so):
 *   tau_mem = tauMemMs / 1000, tau_syn = tauSynMs / 1000, r = 1, v_leak = 0,
 *   v_threshold = threshold + b_j (the effective, per-neuron threshold at export time),
 *   v_reset = the reset value (0 for reset by subtraction, which NIR's LIF cannot express),
 *   w_in = tau_syn, so that a unit spike through weight W makes the synaptic current jump by
 *   w_in W / tau_syn = W, the runtime's `I += w` (spikes read as Dirac impulses of unit area).
 * What NIR has no primitive for is written to node metadata (refractory period, reset by
 * subtraction, winner-take-all, threshold adaptation and its state b, teacher, bias currents,
 * plasticity rules and traces, integer weights, the readout rule) and to graph metadata (the full
 * spec, dt, PRNG state, step count), so that neurite -> NIR -> neurite restores the same model.
 * Other tools ignore metadata: for them the graph is the frozen network of CubaLIF layers.
 * Refused (InteropError naming the population): Izhikevich, conductance-based and escape-noise
 * neurons, which no NIR primitive describes.
 */
import { InteropError } from '../errors.js';
import { nonLinearReadoutReason } from '../runtime/readouts.js';
import { PERSISTENT_KINDS } from '../plan/plan.js';
import type { Runtime } from '../runtime/runtime.js';
import { writeHdf5 } from './hdf5.js';
import { nirToH5, scalar, str, tensor, type NirGraph, type NirMeta, type NirNode } from './nir.js';

export const NIR_VERSION = '1.0.0';

export interface NirExportResult {
  bytes: Uint8Array;
  graph: NirGraph;
  /** What other tools will not reproduce from the primitives alone. */
  warnings: string[];
}

function f32Meta(a: ArrayLike<number>): NirMeta {
  return tensor(a, [a.length], 'float32');
}

function regionArray(rt: Runtime, name: string, n: number): Float32Array | null {
  const r = rt.plan.regions.find((q) => q.name === name);
  if (!r) return null;
  const b = rt.regionBytes(r);
  return new Float32Array(b.buffer, b.byteOffset, n).slice();
}

/** The NIR graph of a runtime's model and learned state. */
export function nirGraphOf(rt: Runtime): { graph: NirGraph; warnings: string[] } {
  const spec = rt.plan.spec;
  const warnings: string[] = [];
  const nodes: NirNode[] = [];
  const edges: [string, string][] = [];
  const used = new Set<string>();
  const unique = (want: string): string => {
    let name = want.replace(/\//g, '_');
    while (used.has(name)) name += '_';
    used.add(name);
    return name;
  };
  const { width, height, polarity } = spec.input;
  const inputShape = polarity === 'split' ? [2, height, width] : [height, width];
  const inputName = unique('input');
  nodes.push({ name: inputName, type: 'Input', params: { shape: tensor(inputShape, [inputShape.length], 'int64') }, metadata: {} });
  const flatName = unique('input_flatten');
  nodes.push({
    name: flatName,
    type: 'Flatten',
    params: { start_dim: scalar(0, 'int64'), end_dim: scalar(-1, 'int64'), 'input_type.input': tensor(inputShape, [inputShape.length], 'int64') },
    metadata: {},
  });
  edges.push([inputName, flatName]);

  const popNode = new Map<string, string>();
  spec.populations.forEach((p, q) => {
    const nrn = p.neuron;
    if (nrn.model !== 'lif') {
      throw new InteropError('nir', p.name, `neuron model "${nrn.model}" has no NIR primitive (NIR describes LIF, CubaLIF, IF, LI and I neurons)`);
    }
    const layout = rt.plan.populations[q];
    const n = p.size;
    const view = rt.population(p.name);
    const b = Float32Array.from(view.b);
    const tauSyn = nrn.tauSynMs / 1000;
    const thresholds = Array.from(b, (bj) => nrn.threshold + bj);
    const resetValue = nrn.reset.mode === 'value' ? nrn.reset.value : 0;
    const metadata: Record<string, NirMeta> = {
      'neurite.population': str(p.name),
      'neurite.neuron': str(JSON.stringify(nrn)),
      'neurite.b': f32Meta(b),
      'neurite.refractory_ms': scalar(nrn.refractoryMs),
      'neurite.reset': str(nrn.reset.mode),
    };
    if (p.wta) metadata['neurite.wta'] = str(JSON.stringify(p.wta));
    if (p.teacher) metadata['neurite.teacher'] = str(JSON.stringify(p.teacher));
    const bias = layout.teacher ? new Float32Array(n) : Float32Array.from(view.bias);
    if (bias.some((x) => x !== 0)) metadata['neurite.bias'] = f32Meta(bias);
    if (nrn.refractoryMs > 0) warnings.push(`population "${p.name}": the ${nrn.refractoryMs} ms refractory period is in node metadata only (NIR's CubaLIF has none)`);
    if (nrn.reset.mode === 'subtract') warnings.push(`population "${p.name}": reset by subtraction is in node metadata only (NIR's CubaLIF resets to v_reset = 0)`);
    if (p.wta) warnings.push(`population "${p.name}": ${p.wta.k}-winner-take-all is in node metadata only (no NIR primitive)`);
    if (nrn.adaptation) warnings.push(`population "${p.name}": threshold adaptation continues only in neurite (NIR gets the current thresholds v_th + b)`);
    const name = unique(p.name);
    popNode.set(p.name, name);
    nodes.push({
      name,
      type: 'CubaLIF',
      params: {
        tau_syn: tensor(new Array(n).fill(tauSyn), [n], 'float64'),
        tau_mem: tensor(new Array(n).fill(nrn.tauMemMs / 1000), [n], 'float64'),
        r: tensor(new Array(n).fill(1), [n], 'float64'),
        v_leak: tensor(new Array(n).fill(0), [n], 'float64'),
        v_threshold: tensor(thresholds, [n], 'float64'),
        v_reset: tensor(new Array(n).fill(resetValue), [n], 'float64'),
        w_in: tensor(new Array(n).fill(tauSyn), [n], 'float64'),
      },
      metadata,
    });
  });

  const sources = new Set<string>();
  rt.plan.projections.forEach((pr) => {
    const ps = spec.projections[pr.index];
    // Sparse, conv2d and block-sparse export as their dense matrix; delays and STP have no NIR form here.
    if (pr.connectivity?.delay || pr.connectivity?.stp) {
      throw new InteropError('nir', pr.name, `${pr.connectivity.delay ? 'synaptic delays' : 'short-term plasticity'} cannot be exported to NIR yet`);
    }
    const w = rt.weightsF32(pr.name);
    const wt = new Float32Array(pr.nIn * pr.nOut);
    for (let i = 0; i < pr.nIn; i++) for (let j = 0; j < pr.nOut; j++) wt[j * pr.nIn + i] = w[i * pr.nOut + j];
    const metadata: Record<string, NirMeta> = {
      'neurite.projection': str(pr.name),
      'neurite.spec': str(JSON.stringify(ps)),
    };
    if (pr.dtype !== 'f32') {
      const raw = rt.weights(pr.name);
      metadata['neurite.weights_q'] = tensor(raw, [raw.length], pr.dtype);
      metadata['neurite.scale'] = f32Meta(regionArray(rt, `${pr.name}.scale`, pr.nOut)!);
    }
    if (pr.preTrace !== null) metadata['neurite.pre_trace'] = f32Meta(regionArray(rt, `${pr.name}.preTrace`, pr.nIn)!);
    if (pr.postTrace !== null) metadata['neurite.post_trace'] = f32Meta(regionArray(rt, `${pr.name}.postTrace`, pr.nOut)!);
    if (pr.extraTraces.length === 2) {
      metadata['neurite.pre_trace_slow'] = f32Meta(regionArray(rt, `${pr.name}.preTraceSlow`, pr.nIn)!);
      metadata['neurite.post_trace_slow'] = f32Meta(regionArray(rt, `${pr.name}.postTraceSlow`, pr.nOut)!);
    }
    if (ps.plasticity) warnings.push(`projection "${pr.name}": the ${ps.plasticity.rule} rule and its traces are in node metadata only (NIR graphs are frozen)`);
    const name = unique(pr.name);
    nodes.push({ name, type: 'Linear', params: { weight: tensor(wt, [pr.nOut, pr.nIn], 'float32') }, metadata });
    edges.push([pr.from === 'input' ? flatName : popNode.get(pr.from)!, name]);
    edges.push([name, popNode.get(pr.to)!]);
    sources.add(pr.from);
  });

  const r = rt.plan.readout;
  const nonLinear = r ? nonLinearReadoutReason(r) : null;
  if (nonLinear) throw new InteropError('nir', 'readout', `model "${spec.name}": ${nonLinear}`);
  if (r) {
    const w = rt.readoutWeights();
    const wt = new Float32Array(r.nFeat * r.nClass);
    for (let f = 0; f < r.nFeat; f++) for (let c = 0; c < r.nClass; c++) wt[c * r.nFeat + f] = w[f * r.nClass + c];
    const name = unique('readout');
    nodes.push({
      name,
      type: 'Linear',
      params: { weight: tensor(wt, [r.nClass, r.nFeat], 'float32') },
      metadata: {
        'neurite.role': str('readout'),
        'neurite.readout': str(JSON.stringify(spec.readout)),
        'neurite.note': str('class = argmax of the time sum of this node\'s output (neurite normalises the spike counts first, which does not change the argmax)'),
      },
    });
    const out = unique('output');
    nodes.push({ name: out, type: 'Output', params: { shape: tensor([r.nClass], [1], 'int64') }, metadata: {} });
    edges.push([r.from === 'input' ? flatName : popNode.get(r.from)!, name]);
    edges.push([name, out]);
  } else {
    const sinks = spec.populations.filter((p) => !sources.has(p.name));
    for (const p of sinks) {
      const out = unique(sinks.length === 1 ? 'output' : `output_${p.name}`);
      nodes.push({ name: out, type: 'Output', params: { shape: tensor([p.size], [1], 'int64') }, metadata: {} });
      edges.push([popNode.get(p.name)!, out]);
    }
  }

  const prng = rt.plan.regions.find((q) => q.name === 'prng' && PERSISTENT_KINDS.has(q.kind))!;
  const pb = rt.regionBytes(prng);
  const metadata: Record<string, NirMeta> = {
    'neurite.spec': str(JSON.stringify(spec)),
    'neurite.time_unit': str('s'),
    'neurite.dt': scalar(spec.dtMs / 1000),
    'neurite.spike_convention': str('dirac'),
    'neurite.prng': tensor(new Uint32Array(pb.buffer, pb.byteOffset, 4), [4], 'uint32'),
    'neurite.step_count': scalar(rt.stepCount),
    'neurite.generator': str('neurite 0.1.0'),
  };
  return { graph: { version: NIR_VERSION, nodes, edges, metadata }, warnings };
}

/** The NIR file (HDF5 bytes) of a runtime's model and learned state. */
export async function exportNir(rt: Runtime): Promise<NirExportResult> {
  const { graph, warnings } = nirGraphOf(rt);
  return { bytes: await writeHdf5(nirToH5(graph)), graph, warnings };
}

/** Writes any NIR graph (for example one built by hand) as HDF5 bytes. */
export async function writeNir(graph: NirGraph): Promise<Uint8Array> {
  return writeHdf5(nirToH5(graph));
}
