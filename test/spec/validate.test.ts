import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SpecError } from '../../host/errors.js';
import {
  SPEC_VERSION,
  findJsonSyntaxError,
  parseSpecJson,
  validateSpec,
  type ModelSpec,
  type SpecIssue,
} from '../../host/spec/index.js';
import { repoRoot } from '../helpers/shared.js';

// ------------------------------------------------------------------------------------------------
// Fixtures

const lif = (over: Record<string, unknown> = {}): Record<string, unknown> => ({
  model: 'lif',
  tauMemMs: 20,
  tauSynMs: 5,
  threshold: 1,
  reset: { mode: 'value', value: 0 },
  refractoryMs: 2,
  ...over,
});

/** A valid spec that sets every optional field (so its output equals its input). */
function fullSpec(): Record<string, any> {
  return {
    version: 1,
    name: 'full-net-2',
    description: 'every field set',
    dtMs: 1,
    seed: 42,
    budgetBytes: 262144,
    input: { width: 34, height: 34, polarity: 'split', bufferEvents: 8192, bufferSteps: 256 },
    populations: [
      {
        name: 'hidden',
        size: 100,
        neuron: lif({
          reset: { mode: 'value', value: -0.25 },
          adaptation: { tauMs: 1000, increment: 0.05 },
        }),
        wta: { k: 1, inhibition: 5, vFloor: -1 },
        teacher: { classes: 10, current: 1, suppress: 0 },
      },
      {
        name: 'out',
        size: 20,
        neuron: lif({ reset: { mode: 'subtract' }, refractoryMs: 0 }),
        teacher: { classes: 10, current: 2, suppress: 0.5 },
      },
    ],
    projections: [
      {
        name: 'in-to-hidden',
        from: 'input',
        to: 'hidden',
        weights: { dtype: 'f32', init: { kind: 'uniform', low: 0, high: 0.3 } },
        plasticity: {
          rule: 'stdp-pair',
          tauPreMs: 20,
          tauPostMs: 20,
          etaPlus: 0.01,
          etaMinus: 0.0001,
          wMin: 0,
          wMax: 1,
          bounds: 'multiplicative',
          pairing: 'nearest',
          xOffset: 0.4,
          normalize: { targetSum: 78 },
        },
        layout: 'post-major',
      },
      {
        name: 'hidden->out',
        from: 'hidden',
        to: 'out',
        weights: { dtype: 'int8', init: { kind: 'constant', value: 0 } },
      },
    ],
    readout: {
      from: 'hidden',
      classes: 10,
      rule: 'delta',
      learningRate: 0.5,
      classp: { eps: 0.05, threshold: 1e-4, power: 2, wMin: -4, wMax: 4 },
      modes: { etaGain: 0.05, etaThreshold: 0.05, gainMin: 0, gainMax: 3, thresholdMin: -2, thresholdMax: 2 },
      variability: { sigma: 0.5, distribution: 'irwin-hall' },
      homeostasis: { aFast: 0.2, aSlow: 0.01, k: 0.5, rho: 0.1, phi: 0.5, etaMin: 0.01, etaMax: 1 },
    },
  };
}

/**
 * fullSpec plus the connectivity fields (host/plan/connectivity.ts), which exclude each other in
 * places (delayMs or delays, delays or plasticity): a conv2d map 'feat' of the split sensor, a
 * block-sparse projection with prune-and-regrow, a sparse recurrent one with a delay and STP,
 * and a dense one with per-synapse delays. Projections 2..5.
 */
function connectivitySpec(): Record<string, any> {
  const s = fullSpec();
  s.populations.push({ name: 'feat', size: 4 * 17 * 17, neuron: lif() });
  s.projections.push(
    {
      name: 'retina',
      from: 'input',
      to: 'feat',
      weights: { dtype: 'f32', init: { kind: 'uniform', low: -0.1, high: 0.2 } },
      connectivity: { kind: 'conv2d', kernel: 5, stride: 2, padding: 2, channels: 4 },
      delayMs: 1,
    },
    {
      name: 'feat-to-out',
      from: 'feat',
      to: 'out',
      weights: { dtype: 'f32', init: { kind: 'uniform', low: -0.1, high: 0.1 } },
      connectivity: {
        kind: 'block-sparse', blocksIn: 4, blocksOut: 4, activeBlocks: 6, seed: 3,
        pruneRegrow: { intervalMs: 50, fraction: 0.25, initScale: 0.1 },
      },
    },
    {
      name: 'out-recurrent',
      from: 'out',
      to: 'out',
      weights: { dtype: 'f32', init: { kind: 'uniform', low: 0, high: 0.2 } },
      connectivity: { kind: 'sparse', fanIn: 5, seed: 9 },
      delayMs: 2,
      stp: { U: 0.5, tauRecMs: 100, tauFacMs: 50 },
    },
    {
      name: 'hidden-delayed',
      from: 'hidden',
      to: 'hidden',
      weights: { dtype: 'f32', init: { kind: 'constant', value: 0.01 } },
      connectivity: { kind: 'dense' },
      delays: { minMs: 1, maxMs: 3 },
    },
  );
  return s;
}

/**
 * fullSpec plus the rules and neurons of the rule ops 50-64 (host/plan/rules.ts): a TESS layer,
 * a tempotron bank, a fixed-point LIF population, an e-prop layer and a sign-diverse Hebbian
 * projection, a discrete-conductance synapse and Dale's-law EG. Populations 2..6, projections 2..8.
 */
function rulesSpec(): Record<string, any> {
  const s = fullSpec();
  s.populations.push(
    { name: 'tess-layer', size: 20, neuron: lif() },
    { name: 'tempo', size: 4, neuron: lif({ tauMemMs: 15, tauSynMs: 3.75 }) },
    { name: 'fixed', size: 8, neuron: { model: 'lif-i16', shiftMem: 4, shiftSyn: 2, threshold: 3000, reset: { mode: 'value', value: -100 }, refractoryMs: 2 } },
    { name: 'eprop-layer', size: 12, neuron: lif() },
    { name: 'tempo-devices', size: 6, neuron: lif() },
  );
  s.projections.push(
    {
      name: 'in-tess',
      from: 'input',
      to: 'tess-layer',
      weights: { dtype: 'f32', init: { kind: 'uniform', low: -0.1, high: 0.1 } },
      plasticity: {
        rule: 'tess', classes: 10, tauPreMs: 5, tauPostMs: 2, aPre: 1, aPost: -0.2, learningRate: 3,
        pseudoDerivative: 0.3, signalSlope: 40, wMin: -1, wMax: 1, bounds: 'multiplicative',
      },
    },
    {
      name: 'in-tempo',
      from: 'input',
      to: 'tempo',
      weights: { dtype: 'f32', init: { kind: 'uniform', low: -0.05, high: 0.05 } },
      plasticity: { rule: 'tempotron', classes: 2, learningRate: 0.05, wMin: -1, wMax: 1 },
    },
    { name: 'hidden-fixed', from: 'hidden', to: 'fixed', weights: { dtype: 'int16', init: { kind: 'uniform', low: -100, high: 900 } } },
    {
      name: 'in-eprop',
      from: 'input',
      to: 'eprop-layer',
      weights: { dtype: 'f32', init: { kind: 'uniform', low: -0.1, high: 0.1 } },
      plasticity: {
        rule: 'eprop', classes: 10, tauPreMs: 20, tauOutMs: 20, learningRate: 0.05, readoutLearningRate: 0.001,
        pseudoDerivative: 0.3, wMin: -1, wMax: 1, bounds: 'additive',
      },
    },
    {
      name: 'tess-hebb',
      from: 'tess-layer',
      to: 'eprop-layer',
      weights: { dtype: 'f32', init: { kind: 'uniform', low: 0, high: 0.1 } },
      plasticity: {
        rule: 'hebb-signed', tauPreMs: 20, tauPostMs: 20, etaPre: 0.001, etaPost: 0.002, flippedFraction: 0.25,
        wMin: -1, wMax: 1, bounds: 'multiplicative', pairing: 'nearest',
      },
    },
    {
      name: 'in-devices',
      from: 'input',
      to: 'tempo-devices',
      weights: { dtype: 'f32', init: { kind: 'uniform', low: 0, high: 0.2 } },
      plasticity: {
        rule: 'discrete-conductance', levels: 32, nonlinearity: 3, stepUp: 1, stepDown: 2, unidirectional: false,
        deviceVariation: 0.2, tauPreMs: 10, traceThreshold: 0.3, wMin: 0, wMax: 0.5,
      },
    },
    {
      name: 'tempo-dale',
      from: 'tess-layer',
      to: 'tempo-devices',
      weights: { dtype: 'f32', init: { kind: 'uniform', low: 0.01, high: 0.2 } },
      plasticity: { rule: 'eg-dale', classes: 2, inhibitoryFraction: 0.2, learningRate: 0.05, targetTrace: 2, tauPostMs: 10, wAbsMin: 0.0001, wAbsMax: 1 },
    },
  );
  return s;
}

/** A valid spec with no optional field. */
function minimalSpec(): Record<string, any> {
  return {
    version: 1,
    name: 'mini',
    dtMs: 0.5,
    input: { width: 2, height: 3, polarity: 'merge' },
    populations: [
      { name: 'a', size: 4, neuron: lif({ reset: { mode: 'value', value: -0.5 } }), wta: { k: 2, inhibition: 1 } },
      { name: 'b', size: 4, neuron: lif({ reset: { mode: 'subtract' } }), wta: { k: 1, inhibition: 0 } },
    ],
    projections: [
      {
        from: 'input',
        to: 'a',
        weights: { dtype: 'f32', init: { kind: 'uniform', low: 0.1, high: 0.2 } },
        plasticity: {
          rule: 'stdp-pair',
          tauPreMs: 10,
          tauPostMs: 10,
          etaPlus: 0.1,
          etaMinus: 0.1,
          wMin: 0,
          wMax: 1,
          bounds: 'additive',
          pairing: 'all-to-all',
        },
      },
      { from: 'a', to: 'b', weights: { dtype: 'f32', init: { kind: 'constant', value: 0.5 } } },
    ],
  };
}

function issuesOf(input: unknown): SpecIssue[] {
  try {
    validateSpec(input);
  } catch (e) {
    expect(e).toBeInstanceOf(SpecError);
    return [...(e as SpecError).issues];
  }
  throw new Error('expected validateSpec to throw');
}

function sortIssues(list: readonly SpecIssue[]): SpecIssue[] {
  return [...list].sort((a, b) => (a.path + '\u0000' + a.message < b.path + '\u0000' + b.message ? -1 : 1));
}

// ------------------------------------------------------------------------------------------------

describe('validateSpec: valid specs', () => {
  it('accepts a full spec and returns an equal, unaliased copy', () => {
    const input = fullSpec();
    const before = structuredClone(input);
    const out = validateSpec(input);
    expect(out).toStrictEqual(input);
    expect(input).toStrictEqual(before);
    expect(out).not.toBe(input);
    expect(out.populations[0].neuron).not.toBe(input.populations[0].neuron);
    expect(out.projections[0].weights.init).not.toBe(input.projections[0].weights.init);
    expect(SPEC_VERSION).toBe(1);
  });

  it('fills every default', () => {
    const out = validateSpec(minimalSpec());
    expect(out.seed).toBe(1);
    expect(out.input.bufferEvents).toBe(16384);
    expect(out.input.bufferSteps).toBe(512);
    const pl = out.projections[0].plasticity;
    expect(pl?.rule === 'stdp-pair' ? pl.xOffset : undefined).toBe(0);
    expect(out.projections[0].plasticity?.normalize).toBeUndefined();
    expect(out.populations[0].wta?.vFloor).toBe(-0.5); // the reset value
    expect(out.populations[1].wta?.vFloor).toBe(0); // subtract mode
    expect(out.projections.map((p) => p.name)).toEqual(['input->a', 'a->b']);
    expect('description' in out).toBe(false);
    expect('budgetBytes' in out).toBe(false);
    expect('readout' in out).toBe(false);
    // Idempotent.
    expect(validateSpec(out)).toStrictEqual(out);
  });

  it('allows no population when the readout reads the input', () => {
    const s = minimalSpec();
    s.populations = [];
    s.projections = [];
    s.readout = { from: 'input', classes: 2, rule: 'delta', learningRate: 1 };
    expect(validateSpec(s).populations).toEqual([]);
    s.readout.from = 'a';
    expect(issuesOf(s)).toEqual([
      { path: 'readout.from', message: 'unknown population "a"; known: "input"' },
      {
        path: 'populations',
        message: 'must contain at least one population (unless readout.from is "input"), got an empty array',
      },
    ]);
  });

  it('treats an explicitly undefined optional field as absent', () => {
    const s = minimalSpec();
    s.seed = undefined;
    s.readout = undefined;
    expect(validateSpec(s).seed).toBe(1);
  });

  it('accepts boundary values', () => {
    const s = minimalSpec();
    s.dtMs = 100;
    s.seed = 4294967295;
    s.input = { width: 65535, height: 1, polarity: 'merge', bufferEvents: 16777216, bufferSteps: 65536 };
    s.populations[0].size = 1048576;
    s.populations[0].wta.k = 1048576;
    s.populations[0].neuron.refractoryMs = 0;
    s.projections[0].weights.init = { kind: 'uniform', low: 0, high: 1 }; // exactly [wMin, wMax]
    expect(() => validateSpec(s)).not.toThrow();
  });
});

describe('validateSpec: problems', () => {
  it('reports every problem at once, each with its path and what was expected and found', () => {
    const s = fullSpec();
    s.version = 2;
    s.name = 'Full Net';
    s.dtMs = 0;
    s.seed = 1.5;
    s.input.width = '34';
    s.input.polarity = 'both';
    s.populations[0].size = 0;
    s.populations[1].neuron.tauMemMs = -5;
    s.populations[1].neuron.tauSynMs = Infinity;
    s.populations[1].teacher.classes = 3;
    s.populations[1].size = 20;
    s.projections[0].plasticity.wMax = -1;
    s.projections[1].from = 'hiden';
    s.projections[1].weights.dtype = 'float';
    s.readout.learningRate = 2;
    s.readout.classes = 1;
    expect(sortIssues(issuesOf(s))).toEqual(
      sortIssues([
        { path: 'version', message: 'must be 1 (the spec version this host reads), got 2' },
        {
          path: 'name',
          message:
            'must be a name matching /^[a-z0-9][a-z0-9-]*$/ (lowercase letters, digits and hyphens, not starting with a hyphen), got "Full Net"',
        },
        { path: 'dtMs', message: 'must be > 0 and <= 100, got 0' },
        { path: 'seed', message: 'must be an integer, got 1.5' },
        { path: 'input.width', message: 'must be an integer, got string "34"' },
        { path: 'input.polarity', message: 'must be one of "merge", "split", got "both"' },
        { path: 'populations[0].size', message: 'must be >= 1 and <= 1048576, got 0' },
        { path: 'populations[1].neuron.tauMemMs', message: 'must be > 0, got -5' },
        { path: 'populations[1].neuron.tauSynMs', message: 'must be a finite number, got Infinity' },
        {
          path: 'populations[1].size',
          message:
            'must be a multiple of teacher.classes (3) so that every class gets an equal group, got 20 (nearest: 18 or 21)',
        },
        { path: 'projections[0].plasticity.wMax', message: 'must be > wMin (0), got -1' },
        {
          path: 'projections[1].from',
          message: 'unknown population "hiden" (did you mean "hidden"?); known: "input", "hidden", "out"',
        },
        { path: 'projections[1].weights.dtype', message: 'must be one of "f32", "int8", "int16", got "float"' },
        { path: 'readout.classes', message: 'must be >= 2, got 1' },
        { path: 'readout.learningRate', message: 'must be > 0 and < 2, got 2' },
      ]),
    );
  });

  it('the SpecError message lists each issue as "path: message"', () => {
    const s = fullSpec();
    s.populations[1].neuron.tauMemMs = -5;
    let err: unknown;
    try {
      validateSpec(s);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(SpecError);
    expect((err as Error).message).toBe('model spec has 1 error:\n  populations[1].neuron.tauMemMs: must be > 0, got -5');
  });

  it('suggests the field meant by an unknown key, and lists the allowed ones otherwise', () => {
    const s = fullSpec();
    s.populations[0].nueron = s.populations[0].neuron;
    delete s.populations[0].neuron;
    s.input.zzz = 1;
    s.DtMs = 1;
    delete s.dtMs;
    expect(sortIssues(issuesOf(s))).toEqual(
      sortIssues([
        { path: 'populations[0].nueron', message: 'unknown field (did you mean "neuron"?)' },
        { path: 'populations[0].neuron', message: 'missing required field (expected an object)' },
        {
          path: 'input.zzz',
          message: 'unknown field (allowed fields: width, height, polarity, bufferEvents, bufferSteps)',
        },
        { path: 'DtMs', message: 'unknown field (did you mean "dtMs"?)' },
        { path: 'dtMs', message: 'missing required field (expected a number > 0 and <= 100)' },
      ]),
    );
  });

  it('names the expected type on type errors', () => {
    const s = fullSpec();
    s.populations[0].neuron.tauMemMs = '5';
    s.populations[0].neuron.threshold = null;
    s.populations[1].neuron.reset = 'subtract';
    s.projections = {};
    s.input.polarity = 1;
    s.description = 7;
    expect(sortIssues(issuesOf(s))).toEqual(
      sortIssues([
        { path: 'populations[0].neuron.tauMemMs', message: 'must be a number, got string "5"' },
        { path: 'populations[0].neuron.threshold', message: 'must be a number, got null' },
        { path: 'populations[1].neuron.reset', message: 'must be an object, got string "subtract"' },
        { path: 'projections', message: 'must be an array, got object' },
        { path: 'input.polarity', message: 'must be one of "merge", "split", got number 1' },
        { path: 'description', message: 'must be a string, got number 7' },
      ]),
    );
  });

  it('rejects NaN and infinities with the path', () => {
    const s = fullSpec();
    s.dtMs = NaN;
    s.projections[0].weights.init.low = -Infinity;
    s.populations[0].wta.vFloor = NaN;
    expect(sortIssues(issuesOf(s))).toEqual(
      sortIssues([
        { path: 'dtMs', message: 'must be a finite number, got NaN' },
        { path: 'projections[0].weights.init.low', message: 'must be a finite number, got -Infinity' },
        { path: 'populations[0].wta.vFloor', message: 'must be a finite number, got NaN' },
      ]),
    );
  });

  it('checks names, references and the shape of the network', () => {
    const s = fullSpec();
    s.populations.push({ name: 'hidden', size: 1, neuron: lif() });
    s.populations.push({ name: 'input', size: 1, neuron: lif() });
    s.populations.push({ name: 'lonely', size: 1, neuron: lif() });
    s.projections.push({ from: 'hidden', to: 'out', weights: { dtype: 'f32', init: { kind: 'constant', value: 1 } } });
    s.projections.push({ from: 'out', to: 'input', weights: { dtype: 'f32', init: { kind: 'constant', value: 1 } } });
    s.projections.push({ from: 'out', to: 'nowhere', weights: { dtype: 'f32', init: { kind: 'constant', value: 1 } } });
    s.readout.from = 'hiddn';
    expect(sortIssues(issuesOf(s))).toEqual(
      sortIssues([
        { path: 'populations[2].name', message: 'must be unique, got "hidden" which populations[0].name already uses' },
        {
          path: 'populations[3].name',
          message: 'must not be "input" (that name is the sensor layer), got "input"',
        },
        { path: 'populations[4]', message: 'no projection feeds population "lonely"' },
        {
          path: 'projections[2]',
          message:
            'duplicate projection from "hidden" to "out": expected at most one per (from, to) pair, projections[1] already connects them',
        },
        {
          path: 'projections[3].to',
          message:
            'must name a population, got "input" (the sensor layer cannot be a target); known populations: "hidden", "out", "lonely"',
        },
        { path: 'projections[4].to', message: 'unknown population "nowhere"; known: "hidden", "out", "lonely"' },
        {
          path: 'readout.from',
          message: 'unknown population "hiddn" (did you mean "hidden"?); known: "input", "hidden", "out", "lonely"',
        },
      ]),
    );
  });

  it('checks the per-population rules (wta, teacher, adaptation, reset)', () => {
    const s = fullSpec();
    s.populations[0].wta.k = 101;
    s.populations[0].wta.inhibition = -1;
    s.populations[0].neuron.adaptation = { tauMs: 0, increment: -0.1 };
    s.populations[0].neuron.refractoryMs = -1;
    s.populations[1].teacher = { classes: 30, current: 0, suppress: -1 };
    s.populations[1].neuron.reset = { mode: 'subtract', value: 0 };
    expect(sortIssues(issuesOf(s))).toEqual(
      sortIssues([
        { path: 'populations[0].wta.k', message: 'must be <= the population size (100), got 101' },
        { path: 'populations[0].wta.inhibition', message: 'must be >= 0, got -1' },
        { path: 'populations[0].neuron.adaptation.tauMs', message: 'must be > 0, got 0' },
        { path: 'populations[0].neuron.adaptation.increment', message: 'must be >= 0, got -0.1' },
        { path: 'populations[0].neuron.refractoryMs', message: 'must be >= 0, got -1' },
        { path: 'populations[1].teacher.current', message: 'must be > 0, got 0' },
        { path: 'populations[1].teacher.suppress', message: 'must be >= 0, got -1' },
        { path: 'populations[1].neuron.reset.value', message: 'unknown field (allowed fields: mode)' },
      ]),
    );
    const t = fullSpec();
    t.populations[1].teacher.classes = 30; // size 20
    expect(issuesOf(t)).toEqual([
      {
        path: 'populations[1].size',
        message:
          'must be a multiple of teacher.classes (30) so that every class gets an equal group, got 20 (nearest: 30)',
      },
    ]);
  });

  it('checks weights and plasticity', () => {
    const s = fullSpec();
    s.projections[1].plasticity = structuredClone(s.projections[0].plasticity);
    s.projections[1].weights.dtype = 'int16';
    s.projections[0].weights.init = { kind: 'uniform', low: -0.5, high: 2 };
    s.projections[0].plasticity.tauPreMs = 0;
    s.projections[0].plasticity.etaMinus = -1;
    s.projections[0].plasticity.bounds = 'hard';
    s.projections[0].plasticity.pairing = 'nearst';
    s.projections[0].plasticity.normalize.targetSum = 0;
    expect(sortIssues(issuesOf(s))).toEqual(
      sortIssues([
        {
          path: 'projections[1].plasticity',
          message:
            'int16 plasticity is not supported yet (expected weights.dtype "f32" or "int8" (stochastic rounding) for a plastic projection, got "int16")',
        },
        { path: 'projections[0].plasticity.tauPreMs', message: 'must be > 0, got 0' },
        { path: 'projections[0].plasticity.etaMinus', message: 'must be >= 0, got -1' },
        { path: 'projections[0].plasticity.bounds', message: 'must be one of "additive", "multiplicative", got "hard"' },
        {
          path: 'projections[0].plasticity.pairing',
          message: 'must be one of "all-to-all", "nearest", got "nearst" (did you mean "nearest"?)',
        },
        { path: 'projections[0].plasticity.normalize.targetSum', message: 'must be > 0, got 0' },
      ]),
    );
    const t = fullSpec();
    t.projections[0].weights.init = { kind: 'uniform', low: -0.5, high: 2 };
    t.projections[1].weights.init = { kind: 'uniform', low: 1, high: 0 };
    expect(sortIssues(issuesOf(t))).toEqual(
      sortIssues([
        {
          path: 'projections[0].weights.init.low',
          message: 'must lie inside the plasticity bounds [wMin, wMax] = [0, 1], got -0.5',
        },
        {
          path: 'projections[0].weights.init.high',
          message: 'must lie inside the plasticity bounds [wMin, wMax] = [0, 1], got 2',
        },
        { path: 'projections[1].weights.init.high', message: 'must be >= low (1), got 0' },
      ]),
    );
    const u = fullSpec();
    u.projections[0].weights.init = { kind: 'constant', value: 1.5 };
    expect(issuesOf(u)).toEqual([
      {
        path: 'projections[0].weights.init.value',
        message: 'must lie inside the plasticity bounds [wMin, wMax] = [0, 1], got 1.5',
      },
    ]);
  });

  it('reports a non-object document at $', () => {
    expect(issuesOf(null)).toEqual([{ path: '$', message: 'must be an object, got null' }]);
    expect(issuesOf([1])).toEqual([{ path: '$', message: 'must be an object, got array' }]);
    expect(issuesOf('x')).toEqual([{ path: '$', message: 'must be an object, got string "x"' }]);
    expect(issuesOf({}).map((i) => i.path)).toEqual([
      'version',
      'name',
      'dtMs',
      'input',
      'populations',
      'projections',
    ]);
  });

  it('quotes keys that are not identifiers and ignores inherited properties', () => {
    const s = fullSpec();
    s['bad key'] = 1;
    const proto = JSON.parse('{"__proto__": {"polluted": 1}}');
    s.input = Object.assign(proto, s.input);
    expect(issuesOf(s)).toEqual([
      { path: '["bad key"]', message: expect.stringMatching(/^unknown field \(allowed fields: version, /) },
      { path: 'input.__proto__', message: expect.stringMatching(/^unknown field/) },
    ]);
    const t = fullSpec();
    const inherits = Object.create({ width: 3 });
    Object.assign(inherits, { height: 3, polarity: 'merge' });
    t.input = inherits;
    expect(issuesOf(t)).toEqual([
      { path: 'input.width', message: 'missing required field (expected an integer >= 1 and <= 65535)' },
    ]);
  });
});

describe('parseSpecJson', () => {
  it('parses and validates JSON text (with or without a byte-order mark)', () => {
    const text = JSON.stringify(fullSpec(), null, 2);
    expect(parseSpecJson(text)).toStrictEqual(fullSpec());
    expect(parseSpecJson('\uFEFF' + text, 'x.json')).toStrictEqual(fullSpec());
  });

  it('turns a syntax error into a SpecError at $ with line and column', () => {
    const text = '{\n  "version": 1,\n  "name": "x"\n  "dtMs": 1\n}';
    let err: unknown;
    try {
      parseSpecJson(text, 'models/x.json');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(SpecError);
    expect((err as SpecError).issues).toEqual([
      {
        path: '$',
        message:
          'invalid JSON in models/x.json at line 4, column 3: expected \',\' or \'}\' after a property value, got "\\""',
      },
    ]);
    expect(() => parseSpecJson('')).toThrow(/\$: invalid JSON at line 1, column 1: expected a value, got end of input/);
    expect(() => parseSpecJson('{"a": [1, 2,]}')).toThrow(/line 1, column 13: expected a value/);
  });

  it('passes validation errors through', () => {
    expect(() => parseSpecJson('{"version": 1}')).toThrow(SpecError);
  });

  it('the syntax scanner agrees with JSON.parse', () => {
    const corrupt = fc
      .tuple(fc.json(), fc.nat(), fc.constantFrom('', ',', '}', ']', '"', '\n', 'x', '-', '.', 'e', '0', '\\', ':', ' '), fc.nat(3))
      .map(([json, at, ch, del]) => {
        const i = at % (json.length + 1);
        return json.slice(0, i) + ch + json.slice(i + del);
      });
    fc.assert(
      fc.property(fc.oneof(fc.json(), corrupt), (text) => {
        let ok = true;
        try {
          JSON.parse(text);
        } catch {
          ok = false;
        }
        const found = findJsonSyntaxError(text);
        expect(found === undefined).toBe(ok);
        if (found !== undefined) expect(found.offset).toBeLessThanOrEqual(text.length);
      }),
      { numRuns: 2000 },
    );
  });
});

// ------------------------------------------------------------------------------------------------
// Random mutations

const PATH_RE =
  /^(?:\$|(?:[A-Za-z_$][\w$]*|\[(?:\d+|"(?:[^"\\]|\\.)*")\])(?:\.[A-Za-z_$][\w$]*|\[(?:\d+|"(?:[^"\\]|\\.)*")\])*)$/;

type Op = 'delete' | 'set' | 'addKey' | 'tweak' | 'duplicate';
interface Mutation {
  pick: number;
  op: Op;
  value: unknown;
  key: string;
  factor: number;
}

const interesting = fc.constantFrom<unknown>(
  NaN,
  Infinity,
  -Infinity,
  -0,
  0,
  1,
  -1,
  0.5,
  2,
  3,
  4294967296,
  1e300,
  '',
  '5',
  'input',
  'hidden',
  'out',
  'a',
  'b',
  'lif',
  'value',
  'subtract',
  'uniform',
  'constant',
  'int8',
  'f32',
  null,
  true,
  [],
  {},
  undefined,
);

const mutationArb: fc.Arbitrary<Mutation> = fc.record({
  pick: fc.nat(),
  op: fc.constantFrom<Op>('delete', 'set', 'set', 'addKey', 'tweak', 'tweak', 'duplicate'),
  value: fc.oneof(interesting, fc.anything(), fc.double()),
  key: fc.oneof(fc.string(), fc.constantFrom('nueron', 'size ', '__proto__', 'constructor', 'toString', 'value', 'vFloor')),
  factor: fc.constantFrom(-1, 0, 0.5, 1.5, 2, 1e9, 1e-9),
});

/** Every [container, key] location inside the document. */
function locations(root: unknown): [Record<string, unknown> | unknown[], string | number][] {
  const out: [Record<string, unknown> | unknown[], string | number][] = [];
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) {
      v.forEach((x, i) => {
        out.push([v, i]);
        walk(x);
      });
    } else if (typeof v === 'object' && v !== null) {
      for (const k of Object.keys(v)) {
        out.push([v as Record<string, unknown>, k]);
        walk((v as Record<string, unknown>)[k]);
      }
    }
  };
  walk(root);
  return out;
}

function mutate(doc: Record<string, unknown>, m: Mutation): unknown {
  const locs = locations(doc);
  const [c, k] = locs[m.pick % locs.length];
  const define = (o: object, key: PropertyKey, value: unknown): void => {
    Object.defineProperty(o, key, { value, enumerable: true, writable: true, configurable: true });
  };
  switch (m.op) {
    case 'delete':
      if (Array.isArray(c)) c.splice(k as number, 1);
      else delete c[k as string];
      break;
    case 'set':
      define(c, k, m.value);
      break;
    case 'addKey': {
      const target = (c as Record<string, unknown>)[k as string];
      if (typeof target === 'object' && target !== null && !Array.isArray(target)) define(target, m.key, m.value);
      else define(doc, m.key, m.value);
      break;
    }
    case 'tweak': {
      const v = (c as Record<string, unknown>)[k as string];
      if (typeof v === 'number') define(c, k, v * m.factor);
      else if (typeof v === 'string') define(c, k, v + (m.factor > 1 ? 'x' : ''));
      break;
    }
    case 'duplicate': {
      const v = (c as Record<string, unknown>)[k as string];
      if (Array.isArray(v) && v.length > 0) v.push(structuredClone(v[m.pick % v.length]));
      else if (Array.isArray(c)) c.push(structuredClone(v));
      break;
    }
  }
  return doc;
}

describe('validateSpec: random mutations', () => {
  it('only ever throws SpecError, and anything accepted re-validates to itself', () => {
    let accepted = 0;
    let rejected = 0;
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 2 }),
        fc.array(mutationArb, { minLength: 1, maxLength: 4 }),
        (which, mutations) => {
          const doc = [minimalSpec, fullSpec, connectivitySpec][which]();
          for (const m of mutations) mutate(doc, m);
          let out: ModelSpec;
          try {
            out = validateSpec(doc);
          } catch (e) {
            expect(e).toBeInstanceOf(SpecError);
            const issues = (e as SpecError).issues;
            expect(issues.length).toBeGreaterThan(0);
            for (const i of issues) {
              expect(i.path).toMatch(PATH_RE);
              expect(i.message).toMatch(/\S/);
            }
            rejected++;
            return;
          }
          accepted++;
          expect(validateSpec(out)).toStrictEqual(out);
          const viaJson = validateSpec(JSON.parse(JSON.stringify(out)));
          expect(JSON.stringify(viaJson)).toBe(JSON.stringify(out));
        },
      ),
      { numRuns: 3000 },
    );
    // Both outcomes must actually be exercised.
    expect(accepted).toBeGreaterThan(50);
    expect(rejected).toBeGreaterThan(50);
  });

  it('a random whole document never throws anything but SpecError', () => {
    fc.assert(
      fc.property(fc.anything(), (v) => {
        expect(() => validateSpec(v)).toThrow(SpecError);
      }),
      { numRuns: 500 },
    );
  });
});

// ------------------------------------------------------------------------------------------------
// The published JSON Schema

type Schema = Record<string, any>;
const schemaPath = join(repoRoot, 'schema', 'model-spec.schema.json');
const schema: Schema = JSON.parse(readFileSync(schemaPath, 'utf8'));

function resolveRef(ref: string): Schema {
  const m = /^#\/\$defs\/([A-Za-z0-9_-]+)$/.exec(ref);
  if (!m || !(m[1] in schema.$defs)) throw new Error(`unresolvable $ref ${ref}`);
  return schema.$defs[m[1]];
}

const ANNOTATIONS = new Set(['$schema', '$id', '$comment', 'title', 'description', 'default', '$defs', 'examples']);

/**
 * A small checker for the subset of JSON Schema 2020-12 the published schema uses. It throws on a
 * keyword it does not know, so the schema cannot silently use one this test ignores.
 */
function conforms(s: Schema, v: unknown): boolean {
  for (const [kw, arg] of Object.entries(s)) {
    if (ANNOTATIONS.has(kw) || kw === 'then') continue;
    const isObj = typeof v === 'object' && v !== null && !Array.isArray(v);
    const o = v as Record<string, unknown>;
    switch (kw) {
      case '$ref':
        if (!conforms(resolveRef(arg), v)) return false;
        break;
      case 'type': {
        const ok =
          arg === 'object'
            ? isObj
            : arg === 'array'
              ? Array.isArray(v)
              : arg === 'integer'
                ? Number.isInteger(v)
                : arg === 'number'
                  ? typeof v === 'number' && Number.isFinite(v)
                  : typeof v === arg;
        if (!ok) return false;
        break;
      }
      case 'const':
        if (v !== arg) return false;
        break;
      case 'enum':
        if (!(arg as unknown[]).includes(v)) return false;
        break;
      case 'minimum':
        if (typeof v === 'number' && !(v >= arg)) return false;
        break;
      case 'maximum':
        if (typeof v === 'number' && !(v <= arg)) return false;
        break;
      case 'exclusiveMinimum':
        if (typeof v === 'number' && !(v > arg)) return false;
        break;
      case 'exclusiveMaximum':
        if (typeof v === 'number' && !(v < arg)) return false;
        break;
      case 'pattern':
        if (typeof v === 'string' && !new RegExp(arg, 'u').test(v)) return false;
        break;
      case 'minLength':
        if (typeof v === 'string' && [...v].length < arg) return false;
        break;
      case 'minItems':
        if (Array.isArray(v) && v.length < arg) return false;
        break;
      case 'items':
        if (Array.isArray(v) && !v.every((x) => conforms(arg, x))) return false;
        break;
      case 'required':
        if (isObj && !(arg as string[]).every((k) => Object.prototype.hasOwnProperty.call(o, k))) return false;
        break;
      case 'properties':
        if (isObj) {
          for (const [k, sub] of Object.entries(arg as Record<string, Schema>)) {
            if (Object.prototype.hasOwnProperty.call(o, k) && !conforms(sub, o[k])) return false;
          }
        }
        break;
      case 'additionalProperties':
        if (arg !== false) throw new Error('only additionalProperties: false is supported');
        if (isObj && Object.keys(o).some((k) => !(k in (s.properties ?? {})))) return false;
        break;
      case 'allOf':
        if (!(arg as Schema[]).every((x) => conforms(x, v))) return false;
        break;
      case 'anyOf':
        if (!(arg as Schema[]).some((x) => conforms(x, v))) return false;
        break;
      case 'oneOf':
        if ((arg as Schema[]).filter((x) => conforms(x, v)).length !== 1) return false;
        break;
      case 'not':
        if (conforms(arg, v)) return false;
        break;
      case 'if':
        if (conforms(arg, v) && s.then !== undefined && !conforms(s.then, v)) return false;
        break;
      default:
        throw new Error(`schema keyword ${kw} is not understood by this test`);
    }
  }
  return true;
}

function variant(def: Schema, key: string, value: string): Schema {
  const found = (def.oneOf as Schema[]).find((x) => x.properties?.[key]?.const === value);
  if (!found) throw new Error(`no variant ${key}=${value}`);
  return found;
}

describe('schema/model-spec.schema.json', () => {
  it('parses and identifies itself', () => {
    expect(schema.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
    expect(schema.$id).toBe('https://neurite.dev/schema/model-spec-1.json');
    expect(schema.properties.version.const).toBe(SPEC_VERSION);
  });

  it('accepts the valid specs and their validated forms', () => {
    for (const s of [fullSpec(), minimalSpec(), connectivitySpec()]) {
      expect(conforms(schema, s)).toBe(true);
      expect(conforms(schema, validateSpec(s))).toBe(true);
    }
  });

  it('rejects what the validator rejects for single-field reasons', () => {
    const cases: ((s: Record<string, any>) => void)[] = [
      (s) => (s.extra = 1),
      (s) => (s.dtMs = 0),
      (s) => (s.dtMs = 101),
      (s) => (s.seed = 4294967296),
      (s) => (s.name = 'Bad'),
      (s) => (s.input.polarity = 'both'),
      (s) => (s.input.bufferSteps = 65537),
      (s) => (s.populations[0].name = 'input'),
      (s) => (s.populations[0].size = 1.5),
      (s) => (s.populations[0].neuron.reset = { mode: 'subtract', value: 0 }),
      (s) => (s.populations[0].neuron.nueron = 1),
      (s) => (s.populations[1].teacher.classes = 1),
      (s) => {
        s.projections[1].weights.dtype = 'int16';
        s.projections[1].plasticity = structuredClone(s.projections[0].plasticity);
      },
      (s) => (s.projections[0].weights.init = { kind: 'constant', low: 0 }),
      (s) => (s.projections[0].plasticity.pairing = 'nearst'),
      (s) => (s.readout.learningRate = 2),
      (s) => (s.readout.rule = 'knn'),
      (s) => (s.readout.classp.power = 3),
      (s) => (s.readout.classp.eps = 0),
      (s) => (s.readout.modes.gainMin = 1.5),
      (s) => (s.readout.modes.thresholdMax = -0.5),
      (s) => (s.readout.variability.sigma = 0),
      (s) => (s.readout.variability.distribution = 'gaussian'),
      (s) => (s.readout.homeostasis.aFast = 0),
      (s) => (s.readout.homeostasis.rho = 1.5),
      (s) => (s.readout.homeostasis.k = -1),
      (s) => (s.readout.homeostasis.phi = 2),
      (s) => (s.readout.homeostasis.etaMax = 2),
      (s) => delete s.readout.homeostasis.aSlow,
      (s) => (s.readout = { from: 'hidden', classes: 10, rule: 'ncm', metric: 'l1' }),
      (s) => (s.readout = { from: 'hidden', classes: 10, rule: 'ncm', metric: 'l2', learningRate: 0.5 }),
      (s) => (s.readout = { from: 'hidden', classes: 10, rule: 'hopfield', slots: 0, beta: 1 }),
      (s) => (s.readout = { from: 'hidden', classes: 10, rule: 'hopfield', slots: 4, beta: 0 }),
      (s) => (s.readout = { from: 'hidden', classes: 10, rule: 'gated-hebb', learningRate: 0.1, tauMs: 0, wMin: -1, wMax: 1, bounds: 'hard' }),
      (s) => (s.readout = { from: 'hidden', classes: 10, rule: 'gated-hebb', learningRate: 0.1, tauMs: 5, bias: 'yes', wMin: -1, wMax: 1, bounds: 'hard' }),
      (s) => {
        s.populations = [];
        s.projections = [];
        s.readout.from = 'hidden';
      },
    ];
    for (const change of cases) {
      const s = fullSpec();
      change(s);
      expect(() => validateSpec(s)).toThrow(SpecError);
      expect(conforms(schema, s), String(change)).toBe(false);
    }
    const ok = fullSpec();
    ok.populations = [];
    ok.projections = [];
    ok.readout.from = 'input';
    expect(conforms(schema, ok)).toBe(true);
    expect(() => validateSpec(ok)).not.toThrow();
  });

  /** The fields whose removal the validator reports as `missing required field`. */
  function requiredByValidator(pathTo: string, pick: (s: Record<string, any>) => Record<string, unknown>, base = fullSpec): string[] {
    const keys = Object.keys(pick(base()));
    const required: string[] = [];
    for (const key of keys) {
      const s = base();
      delete pick(s)[key];
      let issues: readonly SpecIssue[] = [];
      try {
        validateSpec(s);
      } catch (e) {
        issues = (e as SpecError).issues;
      }
      const p = pathTo === '' ? key : `${pathTo}.${key}`;
      if (issues.some((i) => i.path === p && i.message.startsWith('missing required field'))) required.push(key);
    }
    return required.sort();
  }

  it('normalize takes exactly one of targetSum and targetNorm, in the schema and the validator', () => {
    const variants = schema.$defs.stdpPair.properties.normalize.oneOf as Schema[];
    expect(variants.map((v) => v.required)).toEqual([['targetSum'], ['targetNorm']]);
    const norm = fullSpec();
    norm.projections[0].plasticity.normalize = { targetNorm: 2.5 };
    expect(validateSpec(norm).projections[0].plasticity?.normalize).toEqual({ targetNorm: 2.5 });
    expect(conforms(schema, norm)).toBe(true);
    const path = 'projections[0].plasticity.normalize';
    const cases: [unknown, SpecIssue[]][] = [
      [{}, [{ path, message: 'must give exactly one of targetSum (L1 sum) and targetNorm (L2 norm), got neither' }]],
      [
        { targetSum: 1, targetNorm: 1 },
        [{ path, message: 'must give exactly one of targetSum (L1 sum) and targetNorm (L2 norm), got both' }],
      ],
      [{ targetNorm: -1 }, [{ path: `${path}.targetNorm`, message: 'must be > 0, got -1' }]],
      [{ targetSun: 1 }, [
        { path: `${path}.targetSun`, message: 'unknown field (did you mean "targetSum"?)' },
        { path, message: 'must give exactly one of targetSum (L1 sum) and targetNorm (L2 norm), got neither' },
      ]],
    ];
    for (const [value, expected] of cases) {
      const s = fullSpec();
      s.projections[0].plasticity.normalize = value;
      expect(issuesOf(s)).toEqual(expected);
      expect(conforms(schema, s)).toBe(false);
    }
  });

  it('every required list matches what the validator requires, and every property is accepted', () => {
    const d = schema.$defs;
    const withReadout = (readout: Record<string, unknown>) => (): Record<string, any> => ({ ...fullSpec(), readout: structuredClone(readout) });
    const withSubtract = (): Record<string, any> => {
      const s = fullSpec();
      s.populations[0].neuron.reset = { mode: 'subtract' };
      return s;
    };
    const table: [string, (s: Record<string, any>) => Record<string, unknown>, Schema, () => Record<string, any>][] = [
      ['', (s) => s, schema, fullSpec],
      ['input', (s) => s.input, d.input, fullSpec],
      ['populations[0]', (s) => s.populations[0], d.population, fullSpec],
      ['populations[0].neuron', (s) => s.populations[0].neuron, d.lifNeuron, fullSpec],
      ['populations[0].neuron.reset', (s) => s.populations[0].neuron.reset, variant(d.reset, 'mode', 'value'), fullSpec],
      ['populations[0].neuron.reset', (s) => s.populations[0].neuron.reset, variant(d.reset, 'mode', 'subtract'), withSubtract],
      ['populations[0].neuron.adaptation', (s) => s.populations[0].neuron.adaptation, d.adaptation, fullSpec],
      ['populations[0].wta', (s) => s.populations[0].wta, d.wta, fullSpec],
      ['populations[1].teacher', (s) => s.populations[1].teacher, d.teacher, fullSpec],
      ['projections[0]', (s) => s.projections[0], d.projection, fullSpec],
      ['projections[0].weights', (s) => s.projections[0].weights, d.weights, fullSpec],
      ['projections[0].weights.init', (s) => s.projections[0].weights.init, variant(d.weightInit, 'kind', 'uniform'), fullSpec],
      ['projections[1].weights.init', (s) => s.projections[1].weights.init, variant(d.weightInit, 'kind', 'constant'), fullSpec],
      ['projections[0].plasticity', (s) => s.projections[0].plasticity, d.stdpPair, fullSpec],
      ['readout', (s) => s.readout, variant(d.readout, 'rule', 'delta'), fullSpec],
      ['readout.classp', (s) => s.readout.classp, d.classp, fullSpec],
      ['readout.modes', (s) => s.readout.modes, d.modes, fullSpec],
      ['readout.variability', (s) => s.readout.variability, d.variability, fullSpec],
      ['readout.homeostasis', (s) => s.readout.homeostasis, d.homeostasis, fullSpec],
      ['readout', (s) => s.readout, variant(d.readout, 'rule', 'ncm'), withReadout({ from: 'hidden', classes: 10, rule: 'ncm', metric: 'cosine' })],
      ['readout', (s) => s.readout, variant(d.readout, 'rule', 'hopfield'), withReadout({ from: 'hidden', classes: 10, rule: 'hopfield', slots: 64, beta: 0.25 })],
      ['readout', (s) => s.readout, variant(d.readout, 'rule', 'gated-hebb'), withReadout({
        from: 'hidden', classes: 4, rule: 'gated-hebb', learningRate: 0.01, tauMs: 10, tauSlowMs: 40, bias: false, wMin: -2, wMax: 2, bounds: 'soft',
      })],
    ];
    // Connectivity (exclusive fields: delayMs or delays, fanIn or density, plasticity or delays).
    table.push(
      ['projections[2].connectivity', (s) => s.projections[2].connectivity, variant(d.connectivity, 'kind', 'conv2d'), connectivitySpec],
      ['projections[3].connectivity', (s) => s.projections[3].connectivity, variant(d.connectivity, 'kind', 'block-sparse'), connectivitySpec],
      ['projections[3].connectivity.pruneRegrow', (s) => s.projections[3].connectivity.pruneRegrow, d.pruneRegrow, connectivitySpec],
      ['projections[5].connectivity', (s) => s.projections[5].connectivity, variant(d.connectivity, 'kind', 'dense'), connectivitySpec],
      ['projections[5].delays', (s) => s.projections[5].delays, d.delays, connectivitySpec],
      ['projections[4].stp', (s) => s.projections[4].stp, d.stp, connectivitySpec],
    );
    // Rule/neuron ops 50-64.
    table.push(
      ['populations[4].neuron', (s) => s.populations[4].neuron, d.lifI16Neuron, rulesSpec],
      ['projections[2].plasticity', (s) => s.projections[2].plasticity, d.tess, rulesSpec],
      ['projections[3].plasticity', (s) => s.projections[3].plasticity, d.tempotron, rulesSpec],
      ['projections[5].plasticity', (s) => s.projections[5].plasticity, d.eprop, rulesSpec],
      ['projections[6].plasticity', (s) => s.projections[6].plasticity, d.hebbSigned, rulesSpec],
      ['projections[7].plasticity', (s) => s.projections[7].plasticity, d.discreteConductance, rulesSpec],
      ['projections[8].plasticity', (s) => s.projections[8].plasticity, d.egDale, rulesSpec],
    );
    // Some projection fields exclude each other, so the projections together set every property.
    const keysOf = (path: string, pick: (s: Record<string, any>) => Record<string, unknown>, base: () => Record<string, any>): string[] =>
      path === 'projections[0]' ? [...new Set<string>(connectivitySpec().projections.flatMap((p: object) => Object.keys(p)))] : Object.keys(pick(base()));
    for (const [path, pick, node, base] of table) {
      // The fixture sets every property the schema declares, and nothing else.
      expect(keysOf(path, pick, base).sort(), path).toEqual(Object.keys(node.properties).sort());
      expect([...node.required].sort(), path).toEqual(requiredByValidator(path, pick, base));
      expect(node.additionalProperties, path).toBe(false);
    }
  });
});

describe('schema: rules and neurons of the rule ops (50-64)', () => {
  it('accepts the rule-op fixture and its validated form, and rejects single-field violations', () => {
    expect(conforms(schema, rulesSpec())).toBe(true);
    expect(conforms(schema, validateSpec(rulesSpec()))).toBe(true);
    const cases: ((s: Record<string, any>) => void)[] = [
      (s) => (s.projections[2].plasticity.aPre = 11),
      (s) => (s.projections[2].plasticity.classes = 1),
      (s) => (s.projections[2].plasticity.pseudoDerivative = 0),
      (s) => (s.projections[2].plasticity.extra = 1),
      (s) => (s.projections[3].plasticity.learningRate = -1),
      (s) => (s.projections[5].plasticity.tauOutMs = 0),
      (s) => (s.projections[5].plasticity.readoutLearningRate = 101),
      (s) => (s.projections[6].plasticity.flippedFraction = 1.5),
      (s) => (s.projections[6].plasticity.pairing = 'nearst'),
      (s) => (s.projections[7].plasticity.levels = 257),
      (s) => (s.projections[7].plasticity.unidirectional = 1),
      (s) => (s.projections[7].plasticity.deviceVariation = 1),
      (s) => (s.projections[8].plasticity.wAbsMin = 0),
      (s) => (s.projections[8].plasticity.inhibitoryFraction = -0.1),
      (s) => (s.populations[4].neuron.shiftMem = 16),
      (s) => (s.populations[4].neuron.threshold = 1.5),
    ];
    for (const change of cases) {
      const s = rulesSpec();
      change(s);
      expect(() => validateSpec(s), String(change)).toThrow(SpecError);
      expect(conforms(schema, s), String(change)).toBe(false);
    }
  });
});

// ------------------------------------------------------------------------------------------------
// Shipped models

describe('models/*.json', () => {
  const dir = join(repoRoot, 'models');
  const files = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.json')).sort() : [];
  if (files.length === 0) {
    it.skip('no model files yet', () => {});
  } else {
    it.each(files)('models/%s validates and conforms to the schema', (f) => {
      const text = readFileSync(join(dir, f), 'utf8');
      const spec = parseSpecJson(text, `models/${f}`);
      expect(spec.version).toBe(SPEC_VERSION);
      expect(conforms(schema, JSON.parse(text))).toBe(true);
    });
  }
});
