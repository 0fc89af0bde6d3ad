/**
 * The CLI as a user meets it: the bin, --help, demo --json, learn -> checkpoint -> eval on real
 * N-MNIST files, crossval, and clear errors for bad usage.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../host/cli/main.js';
import { repoRoot, sharedPath } from '../helpers/shared.js';

async function run(args: string[]): Promise<{ code: number; out: string }> {
  const lines: string[] = [];
  const code = await main(args, (l) => lines.push(l));
  return { code, out: lines.join('\n') };
}

const tmp = mkdtempSync(join(tmpdir(), 'neurite-cli-'));
const nmnist = sharedPath('fixtures/nmnist-small/train');

describe('neurite CLI', () => {
  it('the bin lists its commands', () => {
    const out = execFileSync('node', [join(repoRoot, 'bin/neurite.js'), '--help'], { encoding: 'utf8' });
    for (const c of ['demo', 'learn', 'eval', 'crossval', 'plan', 'models']) expect(out).toContain(c);
  });

  it('demo --json prints one object with the documented fields', async () => {
    const r = await run(['demo', '--json', '--train', '300', '--test', '100', '--no-ablation', '--report', join(tmp, 'demo.json')]);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out);
    for (const k of ['accuracy', 'baselineAccuracy', 'arenaBytes', 'trainSamples', 'testSamples']) expect(j).toHaveProperty(k);
    expect(j.trainSamples).toBe(300);
    expect(j.testSamples).toBe(100);
  }, 120_000);

  it('usage errors exit 2 with a message that says what is wrong', async () => {
    const r1 = spawnSync('node', [join(repoRoot, 'bin/neurite.js'), 'learn', '--model', 'nmnist-stdp-wta', '--dat', 'x'], { encoding: 'utf8' });
    expect(r1.status).toBe(2);
    expect(r1.stderr).toContain('unknown option --dat');
    const r2 = spawnSync('node', [join(repoRoot, 'bin/neurite.js'), 'eval', '--checkpoint', join(tmp, 'nope.nrt'), '--data', tmp, '--labels', join(tmp, 'x.tsv')], { encoding: 'utf8' });
    expect(r2.status).toBe(1);
    expect(r2.stderr).toMatch(/checkpoint .*nope\.nrt/);
  });

  it.skipIf(!nmnist)('learn -> checkpoint -> eval on real N-MNIST samples', async () => {
    // A 300/100 split of the real samples, written as label files.
    const labels = (await import('node:fs')).readFileSync(join(nmnist!, 'labels.tsv'), 'utf8').trim().split(/\r?\n/);
    writeFileSync(join(tmp, 'train.tsv'), [labels[0], ...labels.slice(1, 301)].join('\n'));
    writeFileSync(join(tmp, 'test.tsv'), [labels[0], ...labels.slice(301, 401)].join('\n'));
    const ckpt = join(tmp, 'model.nrt');
    const l = await run(['learn', '--model', 'nmnist-stdp-wta', '--data', nmnist!, '--labels', join(tmp, 'train.tsv'), '--checkpoint', ckpt, '--json']);
    expect(l.code).toBe(0);
    expect(JSON.parse(l.out).samples).toBe(300);
    const e = await run(['eval', '--checkpoint', ckpt, '--data', nmnist!, '--labels', join(tmp, 'test.tsv'), '--json']);
    expect(e.code).toBe(0);
    const j = JSON.parse(e.out);
    expect(j.samples).toBe(100);
    expect(j.accuracy).toBeGreaterThan(0.5); // 300 training samples; chance is 0.1
  }, 120_000);

  it.skipIf(!nmnist)('10-fold cross-validation on the 1000 real N-MNIST samples', async () => {
    const r = await run(['crossval', '--model', 'nmnist-stdp-wta', '--data', nmnist!, '--labels', join(nmnist!, 'labels.tsv'), '--json']);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out);
    console.log(`10-fold accuracy on real N-MNIST: ${j.meanAccuracy} ± ${j.stdAccuracy}`);
    expect(j.folds).toHaveLength(10);
    expect(j.folds.every((f: { testSamples: number }) => f.testSamples === 100)).toBe(true);
    expect(j.meanAccuracy).toBeGreaterThan(0.8);
  }, 300_000);
});
