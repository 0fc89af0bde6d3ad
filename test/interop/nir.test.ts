/**
 * NIR import and export: a neurite -> NIR -> neurite round trip restores the model and its
 * learned state bit for bit; NIR graphs written by hand from the published primitive definitions
 * (CubaLIF with an Affine input, an LI readout, IF with and without a bias, Conv2d + SumPool2d
 * unrolled into a projection) import and simulate as the closed-form solutions of their ODEs
 * say; bad files give InteropErrors naming the node; a light fuzz of the reader.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InteropError, NeuriteError } from '../../host/errors.js';
import type { EventBatch } from '../../host/events/types.js';
import { readHdf5, writeHdf5 } from '../../host/interop/hdf5.js';
import { exportNir, writeNir } from '../../host/interop/nir-export.js';
import { importNir, importNirGraph, type NirImportResult } from '../../host/interop/nir-import.js';
import { parseNirTree, scalar, str, tensor, type NirGraph, type NirNode } from '../../host/interop/nir.js';
import { FolderSource } from '../../host/learn/folder.js';
import { presentSample, trainOnline } from '../../host/learn/online.js';
import { PERSISTENT_KINDS, planModel } from '../../host/plan/plan.js';
import { Runtime } from '../../host/runtime/runtime.js';
import { loadModelSpec } from '../../host/spec/models.js';
import { sharedPath } from '../helpers/shared.js';

const trainDir = sharedPath('fixtures/nmnist-small/train');

const node = (name: string, type: string, params: NirNode['params'] = {}, metadata: NirNode['metadata'] = {}): NirNode => ({ name, type, params, metadata });
const graphOf = (nodes: NirNode[], edges: [string, string][]): NirGraph => ({ version: '1.0.0', nodes, edges, metadata: {} });
const f64 = (a: number[], shape: number[] = [a.length]) => tensor(a, shape, 'float64');
const i64 = (a: number[], shape: number[] = [a.length]) => tensor(a, shape, 'int64');

async function load(graph: NirGraph, opts: Parameters<typeof importNir>[1] = {}): Promise<NirImportResult> {
  return importNir(await writeNir(graph), { dtMs: 1, ...opts });
}

/** Runs `steps` steps; `events[k]` lists the input indices of step k (merged polarity, height 1). */
function simulate(r: NirImportResult, events: number[][], steps: number, record: (k: number) => void): void {
  const rt = r.runtime;
  const w = rt.plan.spec.input.width;
  rt.resetState();
  for (let k = 0; k < steps; k++) {
    const idx = events[k] ?? [];
    const batch: EventBatch = {
      length: idx.length,
      t: Float64Array.from(idx, () => k * 1000),
      x: Uint16Array.from(idx, (i) => i % w),
      y: Uint16Array.from(idx, (i) => Math.floor(i / w)),
      p: new Uint8Array(idx.length),
    };
    rt.run(batch, { startUs: k * 1000, steps: 1 });
    record(k);
  }
}

/** The NIR membrane of neuron j of node `name`, and whether it spiked in the last step. */
function probe(r: NirImportResult, name: string) {
  const m = r.nodes[name];
  const prev = new Map<string, Float32Array>();
  return {
    v: (j: number) => r.runtime.population(m.population[j]).v[m.index[j]] + m.vOffset[j],
    spiked: (j: number) => {
      const c = r.runtime.population(m.population[j]).counts;
      const key = m.population[j];
      const before = prev.get(key) ?? new Float32Array(c.length);
      return c[m.index[j]] !== before[m.index[j]];
    },
    commit: () => { for (const p of new Set(m.population)) prev.set(p, Float32Array.from(r.runtime.population(p).counts)); },
  };
}

describe('NIR: hand-built graphs from the primitive definitions', () => {
  it('CubaLIF with an Affine input: membrane and first spike follow the closed form (per-neuron r, v_leak, thresholds, time constants)', async () => {
    // tau_syn dI/dt = -I + w_in S, tau_mem dv/dt = (v_leak - v) + r I; a unit spike (Dirac) makes I
    // jump by w_in W / tau_syn, and v - v_leak = r dI tau_s / (tau_s - tau_m) (e^{-t/tau_s} - e^{-t/tau_m}).
    const tauS = [0.005, 0.005];
    const tauM = [0.02, 0.01];
    const r = [1, 2];
    const vLeak = [0, 0.25];
    const W = [[0.01, 0, 0.5], [0.02, 0, 0.5]];
    const g = graphOf([
      node('in', 'Input', { shape: i64([3]) }),
      node('fc', 'Affine', { weight: f64(W.flat(), [2, 3]), bias: f64([0, 0]) }),
      node('lif', 'CubaLIF', { tau_syn: f64(tauS), tau_mem: f64(tauM), r: f64(r), v_leak: f64(vLeak), v_threshold: f64([100, 100]), v_reset: f64([0, 0]), w_in: f64([1, 1]) }),
      node('out', 'Output', { shape: i64([2]) }),
    ], [['in', 'fc'], ['fc', 'lif'], ['lif', 'out']]);
    const res = await load(g);
    expect(new Set(res.nodes.lif.population).size).toBe(2); // different tau_mem: two populations
    const expected = (j: number, k: number): number => {
      if (k < 1) return vLeak[j];
      const t = k * 0.001; // the jump happens at the end of step 0; after step k, k ms have passed
      const dI = (1 * W[j][0]) / tauS[j];
      return vLeak[j] + r[j] * dI * (tauS[j] / (tauS[j] - tauM[j])) * (Math.exp(-t / tauS[j]) - Math.exp(-t / tauM[j]));
    };
    const p = probe(res, 'lif');
    let maxErr = 0;
    simulate(res, [[0]], 40, (k) => {
      for (let j = 0; j < 2; j++) maxErr = Math.max(maxErr, Math.abs(p.v(j) - expected(j, k)));
    });
    expect(maxErr).toBeLessThan(2e-6);

    // Thresholds low enough to cross: the first spike is the first step whose value exceeds v_threshold.
    const vTh = [0.2, 0.6];
    const g2 = structuredClone(g);
    g2.nodes[2].params.v_threshold = f64(vTh);
    const res2 = await load(g2);
    const p2 = probe(res2, 'lif');
    const first = [-1, -1];
    const after: number[] = [NaN, NaN];
    simulate(res2, [[0]], 40, (k) => {
      for (let j = 0; j < 2; j++) {
        if (p2.spiked(j) && first[j] < 0) { first[j] = k; after[j] = p2.v(j); }
      }
      p2.commit();
    });
    for (let j = 0; j < 2; j++) {
      let k = 1;
      while (expected(j, k) <= vTh[j]) k++;
      expect(expected(j, k) - vTh[j]).toBeGreaterThan(1e-4); // not a borderline case
      expect(first[j]).toBe(k);
      expect(after[j]).toBeCloseTo(0, 6); // reset to v_reset = 0 (NIR units)
    }
  });

  it('LI readout: the membrane is the sum of decaying jumps r W / tau (v_leak offset kept)', async () => {
    const tau = 0.01;
    const W = [0.005, -0.0025];
    const vLeak = 0.1;
    const g = graphOf([
      node('in', 'Input', { shape: i64([2]) }),
      node('w', 'Linear', { weight: f64(W, [1, 2]) }),
      node('li', 'LI', { tau: f64([tau]), r: f64([1]), v_leak: f64([vLeak]) }),
      node('out', 'Output', { shape: i64([1]) }),
    ], [['in', 'w'], ['w', 'li'], ['li', 'out']]);
    const res = await load(g);
    const events = [[0], [], [], [1], [], [0, 0]];
    const jumps = events.map((ev) => ev.reduce((s, i) => s + W[i] / tau, 0));
    const p = probe(res, 'li');
    let maxErr = 0;
    simulate(res, events, 30, (m) => {
      // A spike in step k lands at the end of step k+1: v_m = v_leak + sum_{k <= m-1} jump_k e^{-(m-1-k) dt / tau}.
      let v = vLeak;
      for (let k = 0; k <= m - 1; k++) v += (jumps[k] ?? 0) * Math.exp(-((m - 1 - k) * 0.001) / tau);
      maxErr = Math.max(maxErr, Math.abs(p.v(0) - v));
    });
    expect(maxErr).toBeLessThan(1e-6);
    expect(res.spec.populations[0].neuron).toMatchObject({ model: 'lif', threshold: 1e38 });

    // The same graph written in ms behaves the same under --time-unit ms. With Dirac spikes the
    // jump is r W / tau, and a unit-area impulse in 1/ms is 1000 times one in 1/s: W scales too.
    const gms = structuredClone(g);
    gms.nodes[2].params.tau = f64([tau * 1000]);
    gms.nodes[1].params.weight = f64(W.map((x) => x * 1000), [1, 2]);
    const rms = await load(gms, { timeUnit: 'ms' });
    const pms = probe(rms, 'li');
    const a: number[] = [];
    const b: number[] = [];
    simulate(res, events, 12, () => a.push(p.v(0)));
    simulate(rms, events, 12, () => b.push(pms.v(0)));
    b.forEach((x, k) => expect(x).toBeCloseTo(a[k], 6));
  });

  it('IF: jumps of r W, a spike when v > v_threshold, reset to v_reset (default 0); a bias integrates r b dt per step', async () => {
    const g = graphOf([
      node('in', 'Input', { shape: i64([1]) }),
      node('w', 'Linear', { weight: f64([0.3], [1, 1]) }),
      node('if', 'IF', { r: f64([1]), v_threshold: f64([1]) }),
      node('out', 'Output', { shape: i64([1]) }),
    ], [['in', 'w'], ['w', 'if'], ['if', 'out']]);
    const res = await load(g);
    const p = probe(res, 'if');
    const spikes: number[] = [];
    simulate(res, Array.from({ length: 10 }, () => [0]), 12, (k) => { if (p.spiked(0)) spikes.push(k); p.commit(); });
    // Inputs of steps 0..3 land at the ends of steps 1..4: 0.3, 0.6, 0.9, 1.2 > 1 -> spike at 4, reset, ... spike at 8.
    expect(spikes).toEqual([4, 8]);

    // Read as one-step pulses of height 1 (--spikes pulse), each jump is r W dt: W = 300 per second.
    const gp = structuredClone(g);
    gp.nodes[1].params.weight = f64([300], [1, 1]);
    const rp = await load(gp, { spikes: 'pulse' });
    const pp = probe(rp, 'if');
    const sp: number[] = [];
    simulate(rp, Array.from({ length: 10 }, () => [0]), 12, (k) => { if (pp.spiked(0)) sp.push(k); pp.commit(); });
    expect(sp).toEqual([4, 8]);

    const gb = graphOf([
      node('in', 'Input', { shape: i64([1]) }),
      node('aff', 'Affine', { weight: f64([0], [1, 1]), bias: f64([300]) }),
      node('if', 'IF', { r: f64([1]), v_threshold: f64([1]), v_reset: f64([0]) }),
      node('out', 'Output', { shape: i64([1]) }),
    ], [['in', 'aff'], ['aff', 'if'], ['if', 'out']]);
    const rb = await load(gb);
    const pb = probe(rb, 'if');
    const sb: number[] = [];
    const vs: number[] = [];
    simulate(rb, [], 12, (k) => { vs.push(pb.v(0)); if (pb.spiked(0)) sb.push(k); pb.commit(); });
    // dv/dt = r b = 300 per second: 0.3 per 1 ms step -> 0.3, 0.6, 0.9, 1.2 (spike), ...
    expect(sb).toEqual([3, 7, 11]);
    expect(vs[0]).toBeCloseTo(0.3, 6);
    expect(vs[2]).toBeCloseTo(0.9, 6);
    expect(rb.needsCheckpoint).toBe(true); // the bias current lives in the runtime state
  });

  it('Conv2d -> SumPool2d -> Flatten is unrolled into one projection that matches a direct computation', async () => {
    const cOut = 2;
    const w = Array.from({ length: cOut * 9 }, (_, k) => ((Math.floor(k / 9) + 1) * ((k % 9) + 1)) / 100);
    const g = graphOf([
      node('in', 'Input', { shape: i64([1, 4, 4]) }),
      node('conv', 'Conv2d', { weight: f64(w, [cOut, 1, 3, 3]), bias: f64([0, 0]), stride: i64([1, 1]), padding: i64([1, 1]), dilation: i64([1, 1]), groups: scalar(1, 'int64') }),
      node('pool', 'SumPool2d', { kernel_size: i64([2, 2]), stride: i64([2, 2]), padding: i64([0, 0]) }),
      node('flat', 'Flatten', { start_dim: scalar(0, 'int64'), end_dim: scalar(-1, 'int64') }),
      node('acc', 'I', { r: f64([1]) }),
      node('out', 'Output', { shape: i64([8]) }),
    ], [['in', 'conv'], ['conv', 'pool'], ['pool', 'flat'], ['flat', 'acc'], ['acc', 'out']]);
    const res = await load(g);
    expect(res.nodes.acc.size).toBe(8);
    // Reference: one event at (y, x) = (1, 2); conv with zero padding 1, then 2x2 sum pooling.
    const conv = (c: number, oy: number, ox: number): number => {
      let s = 0;
      for (let ky = 0; ky < 3; ky++) for (let kx = 0; kx < 3; kx++) if (oy - 1 + ky === 1 && ox - 1 + kx === 2) s += w[c * 9 + ky * 3 + kx];
      return s;
    };
    const expected: number[] = [];
    for (let c = 0; c < cOut; c++) for (let py = 0; py < 2; py++) for (let px = 0; px < 2; px++) {
      let s = 0;
      for (let dy = 0; dy < 2; dy++) for (let dx = 0; dx < 2; dx++) s += conv(c, 2 * py + dy, 2 * px + dx);
      expected.push(s);
    }
    const p = probe(res, 'acc');
    const got: number[][] = [];
    simulate(res, [[1 * 4 + 2]], 3, () => got.push(Array.from({ length: 8 }, (_, j) => p.v(j))));
    for (let j = 0; j < 8; j++) {
      expect(got[0][j]).toBe(0); // nothing has landed after step 0
      expect(got[1][j]).toBeCloseTo(expected[j], 6);
      expect(got[2][j]).toBeCloseTo(expected[j], 6); // an integrator keeps it
    }
  });
});

describe('NIR: bad graphs give errors that name the node', () => {
  const base = (): NirGraph => graphOf([
    node('in', 'Input', { shape: i64([3]) }),
    node('fc', 'Linear', { weight: f64([1, 2, 3, 4, 5, 6], [2, 3]) }),
    node('lif', 'LIF', { tau: f64([0.02, 0.02]), r: f64([1, 1]), v_leak: f64([0, 0]), v_threshold: f64([1, 1]) }),
    node('out', 'Output', { shape: i64([2]) }),
  ], [['in', 'fc'], ['fc', 'lif'], ['lif', 'out']]);

  const expectError = async (g: NirGraph, nodeName: string | null, pattern: RegExp) => {
    const err = await load(g).then(() => null, (e: unknown) => e);
    expect(err).toBeInstanceOf(InteropError);
    expect((err as InteropError).node).toBe(nodeName);
    expect((err as Error).message).toMatch(pattern);
  };

  it('the base graph imports', async () => {
    const r = await load(base());
    expect(r.spec.populations).toHaveLength(1);
  });

  it('a missing parameter', async () => {
    const g = base();
    delete g.nodes[2].params.tau;
    await expectError(g, 'lif', /missing its parameter "tau"/);
  });

  it('wrong shapes: a per-neuron parameter of the wrong length, a weight that does not fit its input', async () => {
    const g = base();
    g.nodes[2].params.v_threshold = f64([1, 1, 1, 1], [4]);
    await expectError(g, 'lif', /shape \[4\]/);
    const g2 = base();
    g2.nodes[1].params.weight = f64([1, 2, 3, 4], [2, 2]);
    await expectError(g2, 'fc', /2 columns but its input provides 3 values/);
  });

  it('an unsupported primitive, an edge to nowhere, a non-numeric parameter, a second Input', async () => {
    const g = base();
    g.nodes.push(node('d', 'Delay', { delay: f64([0.001, 0.001]) }));
    g.edges.push(['lif', 'd']);
    await expectError(g, 'd', /primitive "Delay" has no neurite equivalent/);
    const g2 = base();
    g2.edges.push(['lif', 'nowhere']);
    await expectError(g2, 'nowhere', /no such node/);
    const g3 = base();
    g3.nodes[2].params.r = str('one');
    await expectError(g3, 'lif', /"r" must be numeric/);
    const g4 = base();
    g4.nodes.push(node('in2', 'Input', { shape: i64([3]) }));
    await expectError(g4, 'in2', /second Input/);
  });

  it('a Conv2d whose unrolled projection is too large is refused, naming it', async () => {
    const g = graphOf([
      node('in', 'Input', { shape: i64([2, 34, 34]) }),
      node('conv', 'Conv2d', { weight: f64(new Array(8 * 2 * 9).fill(0.1), [8, 2, 3, 3]), bias: f64(new Array(8).fill(0)), stride: i64([1, 1]), padding: i64([1, 1]), dilation: i64([1, 1]), groups: scalar(1, 'int64') }),
      node('flat', 'Flatten', { start_dim: scalar(0, 'int64'), end_dim: scalar(-1, 'int64') }),
      node('if', 'IF', { r: f64([1]), v_threshold: f64([1]) }),
      node('out', 'Output', { shape: i64([8 * 34 * 34]) }),
    ], [['in', 'conv'], ['conv', 'flat'], ['flat', 'if'], ['if', 'out']]);
    const err = await load(g, { maxWeights: 1_000_000 }).then(() => null, (e: unknown) => e);
    expect(err).toBeInstanceOf(InteropError);
    expect((err as Error).message).toMatch(/"if".*2312 x|would need|weights/);
  });

  it('files that are not NIR: not HDF5 at all, HDF5 without a graph', async () => {
    const e1 = await importNir(new TextEncoder().encode('hello, not a NIR file'), { source: 'x.nir' }).then(() => null, (e: unknown) => e);
    expect(e1).toBeInstanceOf(InteropError);
    expect((e1 as Error).message).toMatch(/x\.nir: NIR: not an HDF5 file/);
    const h5 = await writeHdf5({ group: { something: { data: new Float32Array([1, 2]) } } });
    const e2 = await importNir(h5).then(() => null, (e: unknown) => e);
    expect((e2 as Error).message).toMatch(/no "node" group/);
  });
});

describe('NIR: light fuzzing of the reader', () => {
  it('random graphs into the importer: only typed errors', () => {
    // Nodes start from valid parameter sets (scalars, so any size fits), then get mutated.
    const templates: Record<string, NirNode['params']> = {
      LIF: { tau: f64([0.02]), r: f64([1]), v_leak: f64([0]), v_threshold: f64([1]) },
      CubaLIF: { tau_syn: f64([0.005]), tau_mem: f64([0.02]), r: f64([1]), v_leak: f64([0]), v_threshold: f64([1]) },
      IF: { r: f64([1]), v_threshold: f64([1]) },
      LI: { tau: f64([0.01]), r: f64([1]), v_leak: f64([0]) },
      I: { r: f64([1]) },
      CubaLI: { tau_syn: f64([0.005]), tau_mem: f64([0.02]), r: f64([1]), v_leak: f64([0]) },
      Flatten: { start_dim: scalar(0, 'int64'), end_dim: scalar(-1, 'int64') },
      Scale: { scale: f64([2]) },
      SumPool2d: { kernel_size: i64([2, 2]), stride: i64([2, 2]), padding: i64([0, 0]) },
      Conv2d: { weight: f64(new Array(9).fill(0.1), [1, 1, 3, 3]), padding: i64([1, 1]) },
      Output: {},
      Delay: { delay: f64([0.001]) },
    };
    const keys = ['weight', 'bias', 'tau', 'tau_mem', 'tau_syn', 'r', 'v_leak', 'v_threshold', 'v_reset', 'w_in', 'kernel_size', 'stride', 'padding', 'start_dim', 'end_dim', 'groups', 'scale', 'input_shape'];
    const num = fc.oneof(fc.double({ min: -4, max: 4, noNaN: false }), fc.integer({ min: -2, max: 6 }), fc.constantFrom(0.02, 0.005, 1, 2));
    const value = fc.oneof(
      fc.array(num, { minLength: 0, maxLength: 6 }).map((a) => tensor(a, [a.length], 'float64')),
      fc.constant(str('same')),
      fc.tuple(fc.integer({ min: 0, max: 4 }), fc.integer({ min: 0, max: 4 }), num).map(([a, b, x]) => tensor(new Array(a * b).fill(x), [a, b], 'float64')),
    );
    // Linear layers are sized to their input when built (below), unless a mutation breaks them.
    const linear = fc.tuple(fc.integer({ min: 1, max: 5 }), fc.boolean()).map(([o, affine]) => ({ type: affine ? 'Affine' : 'Linear', params: { out: f64([o]) } as NirNode['params'] }));
    const fromTemplate = fc.constantFrom(...Object.keys(templates)).map((type) => ({ type, params: structuredClone(templates[type]) }));
    const mutation = fc.oneof(
      fc.record({ drop: fc.constantFrom(...keys) }),
      fc.record({ set: fc.constantFrom(...keys), value }),
    );
    const nodeArb = fc.tuple(fc.oneof(linear, fromTemplate), fc.array(mutation, { maxLength: 2 })).map(([n, muts]) => {
      for (const m of muts) {
        if ('drop' in m) delete n.params[m.drop];
        else n.params[m.set] = m.value;
      }
      return n;
    });
    const shapeArb = fc.oneof(fc.array(fc.integer({ min: 1, max: 6 }), { minLength: 1, maxLength: 3 }), fc.constant<number[]>([1, 6, 6]), fc.constant<number[]>([2, 4, 4]));
    const outcomes = new Map<string, number>();
    fc.assert(fc.property(shapeArb, fc.array(nodeArb, { minLength: 1, maxLength: 5 }), fc.array(fc.tuple(fc.nat(), fc.nat()), { maxLength: 2 }), (shape, nodes, extra) => {
      // A chain from the input, plus a few random edges between existing nodes (recurrence, skips).
      const all = [node('n0', 'Input', { shape: i64(shape) })];
      let size = shape.reduce((a, b) => a * b, 1);
      nodes.forEach((n, k) => {
        const params = { ...n.params };
        if ('out' in params) {
          const o = (params.out as { data: Float64Array }).data[0];
          delete params.out;
          params.weight ??= f64(Array.from({ length: o * size }, (_, q) => ((q % 7) - 3) / 10), [o, size]);
          if (n.type === 'Affine') params.bias ??= f64(new Array(o).fill(0.1));
          size = o;
        }
        all.push(node(`n${k + 1}`, n.type, params));
      });
      const edges: [string, string][] = all.slice(1).map((n, k) => [`n${k}`, n.name]);
      for (const [a, b] of extra) edges.push([`n${a % all.length}`, `n${1 + (b % (all.length - 1))}`]);
      try {
        const r = importNirGraph({ version: '1.0.0', nodes: all, edges, metadata: {} }, { dtMs: 1, maxWeights: 1 << 16 });
        outcomes.set('imported', (outcomes.get('imported') ?? 0) + 1);
        r.runtime.dispose();
      } catch (e) {
        if (!(e instanceof NeuriteError)) throw e;
        const key = (e as Error).message.replace(/"[^"]*"/g, '""').replace(/\d+/g, '#').slice(0, 60);
        outcomes.set(key, (outcomes.get(key) ?? 0) + 1);
      }
    }), { numRuns: 1500 });
    console.log(`[nir fuzz] ${outcomes.get('imported') ?? 0} of 1500 random graphs imported; the rest refused with ${outcomes.size - 1} kinds of InteropError`);
    expect(outcomes.get('imported') ?? 0).toBeGreaterThan(50);
  });

  it('byte-flipped NIR files: only typed errors, never a hang', async () => {
    const g = graphOf([
      node('in', 'Input', { shape: i64([3]) }),
      node('fc', 'Linear', { weight: f64([1, 2, 3, 4, 5, 6], [2, 3]) }),
      node('lif', 'LIF', { tau: f64([0.02, 0.02]), r: f64([1, 1]), v_leak: f64([0, 0]), v_threshold: f64([1, 1]) }),
      node('out', 'Output', { shape: i64([2]) }),
    ], [['in', 'fc'], ['fc', 'lif'], ['lif', 'out']]);
    const bytes = await writeNir(g);
    await fc.assert(fc.asyncProperty(fc.array(fc.tuple(fc.nat(bytes.length - 1), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 6 }), async (flips) => {
      const c = Uint8Array.from(bytes);
      for (const [at, v] of flips) c[at] = v;
      try {
        const r = await importNir(c, { dtMs: 1 });
        r.runtime.dispose();
      } catch (e) {
        if (!(e instanceof NeuriteError)) throw e;
      }
    }), { numRuns: 40 });
    // The reader still works after the corrupt files.
    expect(parseNirTree(await readHdf5(bytes)).nodes).toHaveLength(4);
  });
});

describe.skipIf(!trainDir)('NIR: neurite -> NIR -> neurite round trip of learned models', () => {
  for (const model of ['nmnist-stdp-wta', 'nmnist-triplet']) {
    it(`${model}: the same spec, the same learned state bit for bit, the same spikes on a real sample`, async () => {
      const source = FolderSource.open(trainDir!, `${trainDir}/labels.tsv`);
      const rt = new Runtime(planModel(loadModelSpec(model)));
      trainOnline(rt, source, Array.from({ length: 100 }, (_, i) => i));
      rt.resetState();
      const ex = await exportNir(rt);
      expect(ex.graph.nodes.map((n) => n.type).sort()).toEqual(['CubaLIF', 'Flatten', 'Input', 'Linear', 'Linear', 'Output']);
      const im = await importNir(ex.bytes, { source: `${model}.nir` });
      expect(im.warnings).toEqual([]);
      expect(im.spec).toEqual(rt.plan.spec);
      for (const r of rt.plan.regions.filter((q) => PERSISTENT_KINDS.has(q.kind))) {
        const other = im.runtime.plan.regions.find((q) => q.name === r.name)!;
        expect(Buffer.from(im.runtime.regionBytes(other)).equals(Buffer.from(rt.regionBytes(r))), r.name).toBe(true);
      }
      // Behaviour: the same sample (with plasticity on) gives the same spike counts and weights.
      for (const [i, learn] of [[900, false], [901, true]] as const) {
        presentSample(rt, source.events(i), { learn, teacher: learn ? source.label(i) : null });
        presentSample(im.runtime, source.events(i), { learn, teacher: learn ? source.label(i) : null });
        expect(Array.from(im.runtime.population('hidden').counts)).toEqual(Array.from(rt.population('hidden').counts));
        expect(Array.from(im.runtime.population('hidden').v)).toEqual(Array.from(rt.population('hidden').v));
        expect(im.runtime.readoutPredict()).toBe(rt.readoutPredict());
      }
      expect(Buffer.from(im.runtime.weightsF32('input->hidden').buffer).equals(Buffer.from(rt.weightsF32('input->hidden').buffer))).toBe(true);
      im.runtime.dispose();
      rt.dispose();
    });
  }
});
