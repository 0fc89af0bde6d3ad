/**
 * Validation of the connectivity fields of a projection (host/plan/connectivity.ts through
 * validateSpec): every bad value is reported with its JSON path and the allowed range, the
 * unsupported combinations with a message that says what is supported, and the whole-network
 * rules (conv2d map sizes, fan-in, block divisibility, delays in steps) with the numbers.
 */
import { describe, expect, it } from 'vitest';
import { validateSpec, type SpecIssue } from '../../host/spec/validate.js';
import { SpecError } from '../../host/errors.js';
import { planModel } from '../../host/plan/plan.js';

const lif = { model: 'lif', tauMemMs: 10, tauSynMs: 5, threshold: 1, reset: { mode: 'value', value: 0 }, refractoryMs: 0 };

/** Sensor 8 x 8 'split' (2 x 8 x 8 inputs), populations a (64), b (16), m (4 x 4 x 4 = 64). */
function base(projection: Record<string, unknown>, extra: Record<string, unknown>[] = []): Record<string, unknown> {
  return {
    version: 1, name: 'v', dtMs: 1,
    input: { width: 8, height: 8, polarity: 'split' },
    populations: [{ name: 'a', size: 64, neuron: lif }, { name: 'b', size: 16, neuron: lif }, { name: 'm', size: 64, neuron: lif }],
    projections: [
      { from: 'input', to: 'a', weights: { dtype: 'f32', init: { kind: 'uniform', low: 0, high: 1 } }, ...projection },
      { from: 'a', to: 'b', weights: { dtype: 'f32', init: { kind: 'constant', value: 0.1 } } },
      { from: 'b', to: 'm', weights: { dtype: 'f32', init: { kind: 'constant', value: 0.1 } } },
      ...extra,
    ],
  };
}

function issuesOf(doc: unknown): SpecIssue[] {
  try {
    validateSpec(doc);
  } catch (e) {
    expect(e).toBeInstanceOf(SpecError);
    return [...(e as SpecError).issues];
  }
  throw new Error('expected a SpecError');
}

describe('connectivity fields: paths and ranges', () => {
  const cases: [string, Record<string, unknown>, SpecIssue[]][] = [
    ['stride 0', { connectivity: { kind: 'conv2d', kernel: 3, stride: 0, padding: 1, channels: 1 } },
      [{ path: 'projections[0].connectivity.stride', message: 'must be an integer in [1, 8], got 0' }]],
    ['kernel too large', { connectivity: { kind: 'conv2d', kernel: 17, stride: 1, padding: 0, channels: 1 } },
      [{ path: 'projections[0].connectivity.kernel', message: 'must be an integer in [1, 16], got 17' }]],
    ['padding >= kernel', { connectivity: { kind: 'conv2d', kernel: 3, stride: 1, padding: 3, channels: 1 } },
      [{ path: 'projections[0].connectivity.padding', message: 'must be an integer in [0, 2], got 3' }]],
    ['channels missing', { connectivity: { kind: 'conv2d', kernel: 3, stride: 1, padding: 1 } },
      [{ path: 'projections[0].connectivity.channels', message: 'missing required field (expected an integer in [1, 256])' }]],
    ['unknown kind', { connectivity: { kind: 'random' } },
      [{ path: 'projections[0].connectivity.kind', message: 'must be one of "dense", "sparse", "conv2d", "block-sparse", got "random"' }]],
    ['kind missing', { connectivity: { fanIn: 3 } },
      [{ path: 'projections[0].connectivity.kind', message: 'missing required field (expected one of "dense", "sparse", "conv2d", "block-sparse")' }]],
    ['unknown field', { connectivity: { kind: 'sparse', fanIn: 3, fanout: 2 } },
      [{ path: 'projections[0].connectivity.fanout', message: 'unknown field (allowed fields: kind, fanIn, density, seed)' }]],
    ['density 0', { connectivity: { kind: 'sparse', density: 0 } },
      [{ path: 'projections[0].connectivity.density', message: 'must be a number in (0, 1], got 0' }]],
    ['fanIn and density', { connectivity: { kind: 'sparse', density: 0.5, fanIn: 2 } },
      [{ path: 'projections[0].connectivity', message: 'give exactly one of fanIn (sources per target) or density (connection probability), got both' }]],
    ['seed negative', { connectivity: { kind: 'sparse', fanIn: 2, seed: -1 } },
      [{ path: 'projections[0].connectivity.seed', message: 'must be an integer in [0, 4294967295], got -1' }]],
    ['activeBlocks too many', { connectivity: { kind: 'block-sparse', blocksIn: 2, blocksOut: 2, activeBlocks: 5 } },
      [{ path: 'projections[0].connectivity.activeBlocks', message: 'must be an integer in [1, 4], got 5' }]],
    ['prune fraction', { connectivity: { kind: 'block-sparse', blocksIn: 2, blocksOut: 2, activeBlocks: 2, pruneRegrow: { intervalMs: 10, fraction: 1.5, initScale: 0.1 } } },
      [{ path: 'projections[0].connectivity.pruneRegrow.fraction', message: 'must be a number in (0, 1], got 1.5' }]],
    ['negative delay', { delayMs: -1 },
      [{ path: 'projections[0].delayMs', message: 'must be a number in [0, inf), got -1' }]],
    ['delays reversed', { delays: { minMs: 3, maxMs: 1 } },
      [{ path: 'projections[0].delays.maxMs', message: 'must be >= minMs (3), got 1' }]],
    ['stp U', { stp: { U: 0, tauRecMs: 100, tauFacMs: 0 } },
      [{ path: 'projections[0].stp.U', message: 'must be a number in (0, 1], got 0' }]],
    ['stp tauRecMs', { stp: { U: 0.5, tauRecMs: 0, tauFacMs: 0 } },
      [{ path: 'projections[0].stp.tauRecMs', message: 'must be a number in (0, inf), got 0' }]],
    ['stp tauFacMs missing', { stp: { U: 0.5, tauRecMs: 10 } },
      [{ path: 'projections[0].stp.tauFacMs', message: 'missing required field (expected a number in [0, inf))' }]],
  ];
  for (const [what, projection, expected] of cases) {
    it(what, () => expect(issuesOf(base(projection))).toEqual(expected));
  }
});

describe('unsupported combinations are rejected with what is supported', () => {
  const stdp = { rule: 'stdp-pair', tauPreMs: 20, tauPostMs: 20, etaPlus: 0.01, etaMinus: 0.01, wMin: 0, wMax: 1, bounds: 'additive', pairing: 'nearest' };
  const cases: [string, Record<string, unknown>, SpecIssue[]][] = [
    ['triplet STDP on sparse', { connectivity: { kind: 'sparse', fanIn: 4 }, plasticity: { rule: 'stdp-triplet', tauPlusMs: 17, tauMinusMs: 34, tauXMs: 100, tauYMs: 125, a2Plus: 0.005, a3Plus: 0.006, a2Minus: 0.007, a3Minus: 0.0002, wMin: 0, wMax: 1, bounds: 'additive', pairing: 'all-to-all' } },
      [{ path: 'projections[0].plasticity.rule', message: 'on "sparse" connectivity only "stdp-pair" is supported, got "stdp-triplet"' }]],
    ['synaptic scaling on sparse', { connectivity: { kind: 'sparse', fanIn: 4 }, plasticity: { ...stdp, normalize: { targetSum: 2 } } },
      [{ path: 'projections[0].plasticity.normalize', message: 'synaptic scaling is not supported on "sparse" connectivity (remove normalize)' }]],
    ['plasticity on conv2d', { connectivity: { kind: 'conv2d', kernel: 3, stride: 1, padding: 1, channels: 1 }, plasticity: stdp },
      [{ path: 'projections[0].plasticity', message: 'plasticity on "conv2d" connectivity is not supported (supported on "dense", and "stdp-pair" on "sparse")' }]],
    ['int8 block-sparse', { weights: { dtype: 'int8', init: { kind: 'constant', value: 0 } }, connectivity: { kind: 'block-sparse', blocksIn: 2, blocksOut: 2, activeBlocks: 2 } },
      [{ path: 'projections[0].weights.dtype', message: '"block-sparse" connectivity needs f32 weights, got "int8"' }]],
    ['post-major sparse', { layout: 'post-major', connectivity: { kind: 'sparse', fanIn: 2 } },
      [{ path: 'projections[0].layout', message: '"sparse" connectivity has its own layout; "post-major" is for dense projections only' }]],
    ['delay with plasticity', { delayMs: 2, plasticity: stdp },
      [{ path: 'projections[0].delayMs', message: 'delays together with plasticity are not supported (spike timing at the synapse would differ from the soma)' }]],
    ['both delay fields', { delayMs: 2, delays: { minMs: 0, maxMs: 2 } },
      [{ path: 'projections[0].delays', message: 'give either delayMs (one delay) or delays (per synapse), not both' }]],
    ['per-synapse delays on sparse', { connectivity: { kind: 'sparse', fanIn: 2 }, delays: { minMs: 0, maxMs: 2 } },
      [{ path: 'projections[0].delays', message: 'per-synapse delays need "dense" connectivity, got "sparse" (use delayMs for one delay per projection)' }]],
    ['stp on conv2d', { connectivity: { kind: 'conv2d', kernel: 1, stride: 1, padding: 0, channels: 1 }, stp: { U: 0.5, tauRecMs: 10, tauFacMs: 0 } },
      [{ path: 'projections[0].stp', message: 'short-term plasticity needs "dense" or "sparse" connectivity, got "conv2d"' }]],
    ['stp on int16', { weights: { dtype: 'int16', init: { kind: 'constant', value: 0 } }, stp: { U: 0.5, tauRecMs: 10, tauFacMs: 0 } },
      [{ path: 'projections[0].stp', message: 'short-term plasticity needs f32 weights, got weights.dtype "int16"' }]],
    ['stp with per-synapse delays', { stp: { U: 0.5, tauRecMs: 10, tauFacMs: 0 }, delays: { minMs: 0, maxMs: 2 } },
      [{ path: 'projections[0].stp', message: 'short-term plasticity with per-synapse delays is not supported (use delayMs)' }]],
  ];
  for (const [what, projection, expected] of cases) {
    it(what, () => expect(issuesOf(base(projection))).toEqual(expected));
  }
});

describe('whole-network connectivity rules', () => {
  it('conv2d: the target size must be channels x H_out x W_out', () => {
    // 8 x 8, kernel 3, stride 2, padding 1: 4 x 4 per channel; 3 channels = 48, not 64.
    expect(issuesOf(base({ connectivity: { kind: 'conv2d', kernel: 3, stride: 2, padding: 1, channels: 3 } }))).toEqual([
      { path: 'projections[0].to', message: 'conv2d output is channels x H_out x W_out = 3 x 4 x 4 = 48 neurons, but population "a" has size 64' },
    ]);
    expect(() => validateSpec(base({ connectivity: { kind: 'conv2d', kernel: 3, stride: 2, padding: 1, channels: 4 } }))).not.toThrow();
  });

  it('conv2d: a source must be the sensor or a conv2d map; maps chain', () => {
    const conv = (from: string, to: string, c: Record<string, number>) => ({ from, to, weights: { dtype: 'f32', init: { kind: 'constant', value: 0.1 } }, connectivity: { kind: 'conv2d', ...c } });
    // 'b' (16) is fed densely: it has no map shape.
    const noShape = base({}, [conv('b', 'm', { kernel: 1, stride: 1, padding: 0, channels: 4 })]);
    (noShape.projections as unknown[]).splice(2, 1);
    expect(issuesOf(noShape)).toEqual([
      { path: 'projections[2].from', message: 'a conv2d source must be "input" or a population that is the target of a conv2d projection (a [channels][height][width] map), got "b"' },
    ]);
    // input (2 x 8 x 8) -> a (4 x 4 x 4, stride 2) -> m (4 x 4 x 4, kernel 3, padding 1): valid.
    const chain = base({ connectivity: { kind: 'conv2d', kernel: 3, stride: 2, padding: 1, channels: 4 } }, [conv('a', 'm', { kernel: 3, stride: 1, padding: 1, channels: 4 })]);
    (chain.projections as unknown[]).splice(2, 1);
    const plan = planModel(validateSpec(chain));
    expect(plan.projections[2].connectivity!.conv!.geometry).toMatchObject({ wIn: 4, hIn: 4, cIn: 4, cOut: 4 });
    // A kernel larger than the padded map.
    const tooBig = base({ connectivity: { kind: 'conv2d', kernel: 3, stride: 2, padding: 1, channels: 4 } }, [conv('a', 'm', { kernel: 9, stride: 1, padding: 0, channels: 4 })]);
    (tooBig.projections as unknown[]).splice(2, 1);
    expect(issuesOf(tooBig)).toEqual([{ path: 'projections[2].connectivity.kernel', message: 'must be at most the padded source map 4 x 4, got 9' }]);
  });

  it('sparse: fanIn at most the source size (minus one when recurrent)', () => {
    expect(issuesOf(base({ connectivity: { kind: 'sparse', fanIn: 129 } }))).toEqual([
      { path: 'projections[0].connectivity.fanIn', message: 'must be an integer in [1, 128] (the source size), got 129' },
    ]);
    const rec = base({}, [{ from: 'b', to: 'b', weights: { dtype: 'f32', init: { kind: 'constant', value: 0.1 } }, connectivity: { kind: 'sparse', fanIn: 16 } }]);
    expect(issuesOf(rec)).toEqual([
      { path: 'projections[3].connectivity.fanIn', message: 'must be an integer in [1, 15] (the population size minus 1: no self-synapses), got 16' },
    ]);
  });

  it('block-sparse: blocks divide the sizes; the rewiring interval is at least one step', () => {
    expect(issuesOf(base({ connectivity: { kind: 'block-sparse', blocksIn: 3, blocksOut: 5, activeBlocks: 2, pruneRegrow: { intervalMs: 0.2, fraction: 0.5, initScale: 0 } } }))).toEqual([
      { path: 'projections[0].connectivity.blocksIn', message: 'must divide the source size 128, got 3' },
      { path: 'projections[0].connectivity.blocksOut', message: 'must divide the target size 64, got 5' },
      { path: 'projections[0].connectivity.pruneRegrow.intervalMs', message: 'must be at least one step (0.5 ms at dt = 1 ms), got 0.2' },
    ]);
  });

  it('delays: at most 255 steps at the spec dt', () => {
    expect(issuesOf(base({ delayMs: 256 }))).toEqual([
      { path: 'projections[0].delayMs', message: 'must be in [0, 255] ms (at most 255 steps of 1 ms), got 256' },
    ]);
    expect(issuesOf({ ...base({ delays: { minMs: 0, maxMs: 30 } }), dtMs: 0.1 })).toEqual([
      { path: 'projections[0].delays.maxMs', message: 'must be in [0, 25.5] ms (at most 255 steps of 0.1 ms), got 30' },
    ]);
  });

  it('pair STDP on sparse connectivity is accepted and planned with a CSC index', () => {
    const stdp = { rule: 'stdp-pair', tauPreMs: 20, tauPostMs: 20, etaPlus: 0.01, etaMinus: 0.01, wMin: 0, wMax: 1, bounds: 'additive', pairing: 'nearest' };
    const plan = planModel(validateSpec(base({ connectivity: { kind: 'sparse', fanIn: 4 }, plasticity: stdp })));
    const csr = plan.projections[0].connectivity!.csr!;
    expect(csr.csc).not.toBeNull();
    expect(plan.regions.find((r) => r.name === 'input->a.csc')!.bytes).toBe(Math.ceil((4 * 65 + 8 * csr.nnz) / 16) * 16);
    expect(plan.ops.filter((o) => o.what.startsWith('input->a:')).map((o) => o.what)).toEqual([
      'input->a: synaptic input (sparse CSR)', 'input->a: pre trace decay', 'input->a: post trace decay',
      'input->a: STDP on the sparse synapses (pre, then post pathway)',
    ]);
  });

  it('a valid spec with every connectivity field validates to itself', () => {
    const doc = base(
      { connectivity: { kind: 'conv2d', kernel: 3, stride: 2, padding: 1, channels: 4 }, delayMs: 3 },
      [
        { from: 'a', to: 'a', weights: { dtype: 'f32', init: { kind: 'uniform', low: 0, high: 0.1 } }, connectivity: { kind: 'sparse', density: 0.1, seed: 4 }, stp: { U: 0.2, tauRecMs: 50, tauFacMs: 200 }, delayMs: 1 },
        { from: 'm', to: 'b', weights: { dtype: 'f32', init: { kind: 'uniform', low: 0, high: 0.1 } }, connectivity: { kind: 'block-sparse', blocksIn: 8, blocksOut: 4, activeBlocks: 5, seed: 2, pruneRegrow: { intervalMs: 20, fraction: 0.4, initScale: 0.05 } } },
        { from: 'b', to: 'a', weights: { dtype: 'f32', init: { kind: 'constant', value: 0.1 } }, delays: { minMs: 0, maxMs: 4 } },
      ],
    );
    const spec = validateSpec(doc);
    expect(validateSpec(JSON.parse(JSON.stringify(spec)))).toStrictEqual(spec);
    expect(spec.projections[3].connectivity).toEqual({ kind: 'sparse', density: 0.1, seed: 4 });
    const plan = planModel(spec);
    expect(plan.projections.map((p) => p.connectivity?.kind ?? null)).toEqual(['conv2d', null, null, 'sparse', 'block-sparse', 'dense']);
  });
});
