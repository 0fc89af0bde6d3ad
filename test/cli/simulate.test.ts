/**
 * `neurite simulate`: a spec driven by given input spike times, with monitors, reproduces the
 * Brian2 golden LIF and adaptive-LIF traces (the golden data's step order is the runtime's; see
 * docs/simulate.md), and rejects malformed input files with paths.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../host/cli/main.js';
import { sharedPath } from '../helpers/shared.js';

const tmp = mkdtempSync(join(tmpdir(), 'neurite-sim-'));
const lifFile = sharedPath('golden/brian2/lif_alif_golden.json');

async function run(args: string[]): Promise<number> {
  return main(args, () => {});
}

describe.skipIf(!lifFile)('neurite simulate reproduces Brian2', () => {
  const golden = lifFile ? JSON.parse(readFileSync(lifFile, 'utf8')) : { provenance: { params: {} }, results: {} };
  const p = golden.provenance.params;
  for (const name of ['cuba_input_multi10_dt1ms_ref2ms', 'alif_input_multi10_dt0.1ms_ref0ms']) {
    it(name, async () => {
      const c = golden.results[name];
      const spec = {
        version: 1, name: 'sim', dtMs: c.dt_ms,
        input: { width: 10, height: 1, polarity: 'merge' },
        populations: [{
          name: 'n', size: 1,
          neuron: {
            model: 'lif', tauMemMs: p.tau_m_ms, tauSynMs: p.tau_syn_ms, threshold: p.v_th, reset: { mode: 'value', value: 0 }, refractoryMs: c.refractory_ms,
            ...(c.model === 'alif' ? { adaptation: { tauMs: p.tau_adapt_ms, increment: p.dtheta } } : {}),
          },
        }],
        projections: [{ from: 'input', to: 'n', weights: { dtype: 'f32', init: { kind: 'constant', value: p.w } } }],
      };
      const byIndex = new Map<number, number[]>();
      p.input_multi10.source_index.forEach((s: number, k: number) => byIndex.set(s, [...(byIndex.get(s) ?? []), p.input_multi10.time_ms[k]]));
      const spikes = { dtMs: c.dt_ms, durationMs: 200, inputs: [...byIndex].map(([index, timesMs]) => ({ population: 'input', index, timesMs })) };
      writeFileSync(join(tmp, 'spec.json'), JSON.stringify(spec));
      writeFileSync(join(tmp, 'spikes.json'), JSON.stringify(spikes));
      const outPath = join(tmp, `${name}.json`);
      expect(await run(['simulate', '--model', join(tmp, 'spec.json'), '--input', join(tmp, 'spikes.json'), '--out', outPath])).toBe(0);
      const tr = JSON.parse(readFileSync(outPath, 'utf8'));
      expect(tr.tMs.length).toBe(c.t_ms.length);
      tr.tMs.forEach((t: number, k: number) => expect(t).toBeCloseTo(c.t_ms[k], 9));
      const v = tr['n.v'][0] as number[];
      v.forEach((x, k) => expect(Math.abs(x - c.v[k])).toBeLessThanOrEqual(1e-5 * Math.max(Math.abs(c.v[k]), 0.1)));
      if (c.b) (tr['n.b'][0] as number[]).forEach((x, k) => expect(Math.abs(x - c.b[k])).toBeLessThanOrEqual(1e-5 * Math.max(Math.abs(c.b[k]), 0.1)));
      expect(tr.spikes.n.map((s: [number, number]) => s[1])).toEqual(c.spike_times_ms);
    });
  }
});

describe('simulate input validation', () => {
  it('lists every problem of a malformed SPIKES.json with its path', async () => {
    const spec = { version: 1, name: 'sim', dtMs: 1, input: { width: 2, height: 1, polarity: 'merge' }, populations: [{ name: 'n', size: 1, neuron: { model: 'lif', tauMemMs: 20, tauSynMs: 5, threshold: 1, reset: { mode: 'value', value: 0 }, refractoryMs: 0 } }], projections: [{ from: 'input', to: 'n', weights: { dtype: 'f32', init: { kind: 'constant', value: 0.3 } } }] };
    writeFileSync(join(tmp, 's.json'), JSON.stringify(spec));
    writeFileSync(join(tmp, 'bad.json'), JSON.stringify({ durationMs: -1, inputs: [{ population: 'in', index: 5, timesMs: [1, 'x'] }] }));
    const errs: string[] = [];
    const orig = process.stderr.write.bind(process.stderr);
    process.stderr.write = ((m: string) => { errs.push(m); return true; }) as typeof process.stderr.write;
    try {
      expect(await run(['simulate', '--model', join(tmp, 's.json'), '--input', join(tmp, 'bad.json'), '--out', join(tmp, 'o.json')])).toBe(2);
    } finally {
      process.stderr.write = orig;
    }
    const msg = errs.join('');
    expect(msg).toContain('durationMs: must be a number > 0');
    expect(msg).toContain('inputs[0].population: must be "input"');
    expect(msg).toContain('inputs[0].index: must be an integer in 0..1');
    expect(msg).toContain('inputs[0].timesMs');
  });
});
