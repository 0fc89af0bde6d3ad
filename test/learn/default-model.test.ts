/**
 * `neurite learn` without --model: the bundled default fits 256 KB on the nRF52840 and takes
 * N-MNIST's 34x34 events pooled 2x2, which the CLI does through `sourceForModel`; learn -> eval on
 * a few real N-MNIST samples runs end to end with it.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { NMNIST_GEOMETRY } from '../../host/events/formats/nmnist.js';
import { fitReport } from '../../host/learn/experiments/fit.js';
import { ArraySource, sourceForModel } from '../../host/learn/experiments/sources.js';
import { allocBatch, makeBatch } from '../../host/events/types.js';
import { DEFAULT_LEARN_MODEL, DEFAULT_NMNIST_MODEL, loadModelSpec } from '../../host/spec/models.js';
import { repoRoot, sharedPath } from '../helpers/shared.js';

describe('the default model of neurite learn', () => {
  it('fits 256 KB on the nRF52840; the demo model stays the 34x34 gateway model', () => {
    const spec = loadModelSpec(DEFAULT_LEARN_MODEL);
    expect(fitReport(spec).fits).toBe(true);
    expect(fitReport(loadModelSpec(DEFAULT_NMNIST_MODEL)).fits).toBe(false);
    expect([spec.input.width, spec.input.height]).toEqual([17, 17]);
  });

  it('sourceForModel pools 34x34 events to a 17x17 model, passes a 34x34 model through, refuses the rest', () => {
    const b = allocBatch(2);
    b.t[0] = 0; b.x[0] = 33; b.y[0] = 32; b.p[0] = 1;
    b.t[1] = 5; b.x[1] = 1; b.y[1] = 0; b.p[1] = 0;
    const src = new ArraySource([makeBatch(b, 2)], [3]);
    const small = sourceForModel(src, loadModelSpec(DEFAULT_LEARN_MODEL), NMNIST_GEOMETRY);
    const ev = small.events(0);
    expect(Array.from(ev.x.subarray(0, ev.length))).toEqual([16, 0]);
    expect(Array.from(ev.y.subarray(0, ev.length))).toEqual([16, 0]);
    expect(small.label(0)).toBe(3);
    expect(sourceForModel(src, loadModelSpec(DEFAULT_NMNIST_MODEL), NMNIST_GEOMETRY)).toBe(src);
    const odd = { name: 'odd', input: { width: 20, height: 20, polarity: 'split' as const } };
    expect(() => sourceForModel(src, odd, NMNIST_GEOMETRY)).toThrow(/"odd" takes 20x20 input, which is not the 34x34 sensor pooled/);
  });

  const nmnist = sharedPath('fixtures/nmnist-small/train');
  it.skipIf(!nmnist)('learn without --model, then eval, on 60 real N-MNIST samples', () => {
    const tmp = mkdtempSync(join(tmpdir(), 'neurite-default-'));
    try {
      const rows = readFileSync(join(nmnist!, 'labels.tsv'), 'utf8').trim().split('\n');
      const labels = join(tmp, 'few.tsv');
      writeFileSync(labels, rows.slice(0, 61).join('\n') + '\n');
      const ckpt = join(tmp, 'm.nrt');
      const bin = join(repoRoot, 'bin/neurite.js');
      const l = spawnSync('node', [bin, 'learn', '--data', nmnist!, '--labels', labels, '--checkpoint', ckpt, '--json'], { encoding: 'utf8' });
      expect(l.status, l.stderr).toBe(0);
      const learned = JSON.parse(l.stdout.trim().split('\n').pop()!) as { model: string; samples: number; arenaBytes: number };
      expect(learned.model).toBe(DEFAULT_LEARN_MODEL);
      expect(learned.samples).toBe(60);
      const e = spawnSync('node', [bin, 'eval', '--checkpoint', ckpt, '--data', nmnist!, '--labels', labels, '--json'], { encoding: 'utf8' });
      expect(e.status, e.stderr).toBe(0);
      const r = JSON.parse(e.stdout.trim().split('\n').pop()!) as { model: string; accuracy: number; samples: number };
      expect(r.model).toBe(DEFAULT_LEARN_MODEL);
      // Scored on its own training samples: far above chance only if the pooled events reached the network.
      expect(r.accuracy).toBeGreaterThan(0.4);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });
});
