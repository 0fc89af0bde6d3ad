/**
 * Golden traces from Brian2 2.5.1 (../shared/golden/brian2, provenance in each file). The runtime
 * follows Brian2's step order (integrate -> threshold -> synapses -> reset; v recorded at the
 * start of a step; a spike labelled with the start time of the step whose update crossed), so
 * no shift is needed. Tolerances (f32 runtime vs f64 Brian2):
 *   LIF/ALIF membrane, current, adaptation: |a - e| <= 1e-5 * max(|e|, 0.1)   (1e-5 relative,
 *     with the relative scale floored at 0.1 so that values crossing zero are not held to an
 *     absolute 1e-12); spikes on identical steps.
 *   STDP weights: |a - e| <= 1e-5 * max(|e|, 0.01 wmax): 1e-5 relative, floored because a weight
 *     driven towards 0 by many f32 subtractions keeps only the absolute resolution of its
 *     starting value (about 2e-9 for w0 = 0.03).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { planModel } from '../../host/plan/plan.js';
import { validateSpec } from '../../host/spec/validate.js';
import { Runtime } from '../../host/runtime/runtime.js';
import type { ModelSpec } from '../../host/spec/types.js';
import { allocBatch, makeBatch } from '../../host/events/types.js';
import { sharedPath } from '../helpers/shared.js';
import { TestArena } from '../helpers/arena.js';
import { STDP } from '../../host/runtime/abi.js';

interface LifCase {
  t_ms: number[]; v: number[]; I: number[]; b?: number[]; spike_times_ms: number[];
  model: 'cuba' | 'alif'; variant: 'input' | 'input_multi10' | 'const_current'; dt_ms: number; refractory_ms: number; I_ext: number;
}

const lifFile = sharedPath('golden/brian2/lif_alif_golden.json');
const stdpFile = sharedPath('golden/brian2/stdp_pair_golden.json');

function lifSpec(c: LifCase, p: Record<string, number>, sources: number): ModelSpec {
  return {
    version: 1, name: 'golden-lif', dtMs: c.dt_ms, seed: 1,
    input: { width: sources, height: 1, polarity: 'merge' },
    populations: [{
      name: 'n', size: 1,
      neuron: {
        model: 'lif', tauMemMs: p.tau_m_ms, tauSynMs: p.tau_syn_ms, threshold: p.v_th,
        reset: { mode: 'value', value: p.v_reset }, refractoryMs: c.refractory_ms,
        ...(c.model === 'alif' ? { adaptation: { tauMs: p.tau_adapt_ms, increment: p.dtheta } } : {}),
      },
    }],
    projections: [{ from: 'input', to: 'n', weights: { dtype: 'f32', init: { kind: 'constant', value: p.w } } }],
  };
}

const near = (a: number, e: number) => Math.abs(a - e) <= 1e-5 * Math.max(Math.abs(e), 0.1);

describe.skipIf(!lifFile)('Brian2 golden: current-based LIF and adaptive LIF', () => {
  const golden = lifFile ? JSON.parse(readFileSync(lifFile, 'utf8')) : { results: {}, provenance: { params: {} } };
  const params = golden.provenance.params;
  for (const [name, c] of Object.entries(golden.results as Record<string, LifCase>)) {
    for (const build of ['simd', 'scalar'] as const) {
      it(`${name} (${build})`, () => {
        // Input events: single source at input_spike_times_ms, or the 10-source Bernoulli raster.
        const times: number[] = c.variant === 'input' ? params.input_spike_times_ms : c.variant === 'input_multi10' ? params.input_multi10.time_ms : [];
        const srcs: number[] = c.variant === 'input_multi10' ? params.input_multi10.source_index : times.map(() => 0);
        const sources = c.variant === 'input_multi10' ? 10 : 1;
        const rt = new Runtime(planModel(lifSpec(c, params, sources)), build);
        const b = allocBatch(times.length);
        times.forEach((t, k) => { b.t[k] = t * 1000; b.x[k] = srcs[k]; });
        const batch = makeBatch(b, times.length);
        const pop = rt.population('n');
        if (c.variant === 'const_current') pop.bias.fill(c.I_ext);
        const nSteps = c.t_ms.length;
        const dtUs = c.dt_ms * 1000;
        const spikes: number[] = [];
        let e = 0;
        for (let k = 0; k < nSteps; k++) {
          // v, I, b at the start of step k.
          if (!near(pop.v[0], c.v[k]) || !near(pop.i[0], c.I[k]) || (c.b && !near(pop.b[0], c.b[k]))) {
            throw new Error(`step ${k} (t=${c.t_ms[k]} ms): v ${pop.v[0]} vs ${c.v[k]}, I ${pop.i[0]} vs ${c.I[k]}, b ${pop.b[0]} vs ${c.b?.[k]}`);
          }
          const before = pop.counts[0];
          // Deliver this step's events only (run() bins by time from startUs).
          let e2 = e;
          while (e2 < times.length && times[e2] * 1000 < (k + 1) * dtUs - 1e-6) e2++;
          const slice = allocBatch(e2 - e);
          for (let q = e; q < e2; q++) { slice.t[q - e] = b.t[q]; slice.x[q - e] = b.x[q]; }
          rt.run(makeBatch(slice, e2 - e), { startUs: k * dtUs, steps: 1 });
          e = e2;
          if (pop.counts[0] > before) spikes.push(Math.round(k * c.dt_ms * 1e6) / 1e6);
        }
        expect(spikes).toEqual(c.spike_times_ms.map((t) => Math.round(t * 1e6) / 1e6));
        expect(rt.counters().eventsIn).toBe(times.length);
        void batch;
      });
    }
  }
});

describe('LIF closed-form impulse response', () => {
  it('one input spike of weight w gives v(t) = w tau_s/(tau_s - tau_m) (e^{-t/tau_s} - e^{-t/tau_m})', () => {
    const tm = 20, ts = 5, w = 0.3, dt = 0.1;
    const spec = lifSpec({ dt_ms: dt, refractory_ms: 0, model: 'cuba' } as LifCase, { tau_m_ms: tm, tau_syn_ms: ts, v_th: 1, v_reset: 0, w }, 1);
    for (const build of ['simd', 'scalar'] as const) {
      const rt = new Runtime(planModel(spec), build);
      const b = allocBatch(1);
      rt.run(makeBatch(b, 1), { steps: 1 }); // spike at t=0 acts from t=dt on
      const pop = rt.population('n');
      let worst = 0;
      for (let k = 1; k < 1500; k++) {
        const t = k * dt - dt; // time since the current jump
        const expected = (w * ts) / (ts - tm) * (Math.exp(-t / ts) - Math.exp(-t / tm));
        worst = Math.max(worst, Math.abs(pop.v[0] - expected) / Math.max(Math.abs(expected), 1e-3));
        rt.run(makeBatch(allocBatch(0), 0), { startUs: k * dt * 1000, steps: 1 });
      }
      expect(worst).toBeLessThan(2e-5);
    }
  });
});

interface StdpCase {
  pre_spike_times_ms: number[]; post_spike_times_ms: number[]; w0: number;
  by_dt: Record<string, { events: { t_ms: number; kind: 'pre' | 'post'; w_after_step: number }[]; w_final: number }>;
}

describe.skipIf(!stdpFile)('Brian2 golden: pair STDP, additive, all-to-all, clipped', () => {
  const golden = stdpFile ? JSON.parse(readFileSync(stdpFile, 'utf8')) : { results: {}, provenance: { params: {} } };
  const p = golden.provenance.params;
  for (const [name, c] of Object.entries(golden.results as Record<string, StdpCase>)) {
    for (const [dtKey, dt] of [['dt1ms', 1], ['dt0.1ms', 0.1]] as const) {
      for (const build of ['simd', 'scalar'] as const) {
        it(`${name} ${dtKey} (${build})`, () => {
          const a = new TestArena(build, 4);
          const pw = a.put(Float32Array.of(c.w0));
          const px = a.alloc(16), py = a.alloc(16), one = a.put(Uint32Array.of(0));
          const pp = a.alloc(64);
          const f = a.f32(pp, 16), i = a.i32(pp, 16);
          f[STDP.ETA_PLUS] = p.Apre; f[STDP.ETA_MINUS] = -p.Apost; f[STDP.W_MIN] = p.wmin; f[STDP.W_MAX] = p.wmax;
          i[STDP.BOUNDS] = 0; f[STDP.X_OFFSET] = 0; f[STDP.IMPULSE_PRE] = 1; f[STDP.IMPULSE_POST] = 1; i[STDP.TRACE_MODE] = 0;
          const alphaPre = Math.exp(-dt / p.taupre_ms), alphaPost = Math.exp(-dt / p.taupost_ms);
          const step = (ms: number) => Math.round(ms / dt);
          const preSteps = new Set(c.pre_spike_times_ms.map(step));
          const postSteps = new Set(c.post_spike_times_ms.map(step));
          const expected = new Map(c.by_dt[dtKey].events.map((ev) => [step(ev.t_ms), ev.w_after_step]));
          const last = Math.max(...expected.keys());
          const w = a.f32(pw, 1);
          for (let k = 0; k <= last; k++) {
            a.k.trace_decay_f32(px, 1, alphaPre, 1e-30);
            a.k.trace_decay_f32(py, 1, alphaPost, 1e-30);
            a.k.stdp_pre_f32(pw, 1, 1, one, preSteps.has(k) ? 1 : 0, px, py, pp);
            a.k.stdp_post_f32(pw, 1, 1, one, postSteps.has(k) ? 1 : 0, px, py, pp);
            const e = expected.get(k);
            if (e !== undefined) {
              const tol = 1e-5 * Math.max(Math.abs(e), 0.01 * p.wmax);
              if (Math.abs(w[0] - e) > tol) throw new Error(`step ${k}: w ${w[0]} vs Brian2 ${e}`);
            }
          }
          expect(Math.abs(w[0] - c.by_dt[dtKey].w_final)).toBeLessThanOrEqual(1e-5 * Math.max(c.by_dt[dtKey].w_final, 0.01 * p.wmax));
        });
      }
    }
  }
});

const izhFile = sharedPath('golden/brian2/izhikevich_rs_golden.json');

/**
 * Izhikevich regular spiking, 500 ms at I = 10, f32 runtime against f64 Brian2/numpy.
 * Tolerances, measured and stated:
 * - forward Euler (dt 0.1 and 1 ms): spikes on identical steps; v and u within 2e-4 relative
 *   (scale floored at 1 mV) except in the 3 ms before each spike, where the upswing's v^2 term
 *   amplifies rounding (each step multiplies a difference by about 1 + dt (0.08 v + 5)) and the
 *   bound is 2e-2 relative. Median error is about 2e-7.
 * - the 2003 paper's half-step scheme at dt 1 ms: the first six spikes on identical steps; after
 *   that f32 and f64 trajectories part (the slow approach to threshold is sensitive to rounding of
 *   the stored state): an independent f32 loop in plain JavaScript gives the runtime's spike
 *   times exactly (291 -> 292 ms) while the same loop in f64 gives the golden ones, so the
 *   difference is the state's precision, not the scheme. Spike times are checked within 15%.
 */
describe.skipIf(!izhFile)('Brian2 golden: Izhikevich regular spiking', () => {
  const golden = izhFile ? JSON.parse(readFileSync(izhFile, 'utf8')) : { results: {}, provenance: { params: {} } };
  const p = golden.provenance.params;
  const cases: [string, number, 'euler' | 'izhikevich2003'][] = [
    ['brian2_euler_dt0.1ms', 0.1, 'euler'],
    ['brian2_euler_dt1ms', 1, 'euler'],
    ['numpy_izhikevich2003_scheme_dt1ms', 1, 'izhikevich2003'],
  ];
  for (const [name, dt, integration] of cases) {
    for (const build of ['simd', 'scalar'] as const) {
      it(`${name} (${build})`, () => {
        const c = golden.results[name] as { v: number[]; u: number[]; spike_times_ms: number[] };
        const spec = validateSpec({
          version: 1, name: 'golden-izh', dtMs: dt,
          input: { width: 1, height: 1, polarity: 'merge' },
          populations: [{ name: 'n', size: 1, neuron: { model: 'izhikevich', a: p.a, b: p.b, c: p.c, d: p.d, tauSynMs: 5, v0Mv: p.v0, integration } }],
          projections: [{ from: 'input', to: 'n', weights: { dtype: 'f32', init: { kind: 'constant', value: 0 } } }],
        });
        const rt = new Runtime(planModel(spec), build);
        const pop = rt.population('n');
        expect(pop.v[0]).toBe(p.v0);
        expect(pop.b[0]).toBeCloseTo(p.u0, 5);
        pop.bias[0] = p.I;
        const spikeSteps = c.spike_times_ms.map((t) => Math.round(t / dt));
        const window = Math.round(3 / dt);
        const nearSpike = (k: number) => spikeSteps.some((s) => k <= s + 1 && k >= s - window);
        const spikes: number[] = [];
        const empty = makeBatch(allocBatch(0), 0);
        for (let k = 0; k < c.v.length; k++) {
          if (integration === 'euler') {
            const tol = nearSpike(k) ? 2e-2 : 2e-4;
            const okV = Math.abs(pop.v[0] - c.v[k]) <= tol * Math.max(Math.abs(c.v[k]), 1);
            const okU = Math.abs(pop.b[0] - c.u[k]) <= tol * Math.max(Math.abs(c.u[k]), 1);
            if (!okV || !okU) throw new Error(`step ${k}: v ${pop.v[0]} vs ${c.v[k]}, u ${pop.b[0]} vs ${c.u[k]}`);
          }
          const before = pop.counts[0];
          rt.run(empty, { startUs: k * dt * 1000, steps: 1 });
          if (pop.counts[0] > before) spikes.push(Math.round(k * dt * 1e6) / 1e6);
        }
        const expected = c.spike_times_ms.map((t) => Math.round(t * 1e6) / 1e6);
        if (integration === 'euler') {
          expect(spikes).toEqual(expected);
        } else {
          expect(spikes.slice(0, 6)).toEqual(expected.slice(0, 6));
          expect(spikes.length).toBe(expected.length);
          spikes.forEach((t, i) => expect(Math.abs(t - expected[i])).toBeLessThanOrEqual(0.15 * expected[i]));
        }
      });
    }
  }
});
