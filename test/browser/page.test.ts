/**
 * The browser page end to end, in Debian's headless Chromium driven by playwright-core: the page
 * is built with Vite, served by `neurite web`'s server on loopback, given N-MNIST sample files that
 * the project's emulator and writer made here, and must learn them online in its worker with the
 * same result as an in-process Runtime on the same samples in the same order (same wasm, same
 * predictions), draw a spike raster, and list the Plan's arena regions with their bytes.
 *
 * Without /usr/bin/chromium the test is skipped with a notice (scripts/ensure-system-deps.mjs
 * installs it before `npm test`); under CI=true a missing browser is a failure.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { build } from 'vite';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { EventEmulator } from '../../host/events/emulator.js';
import { formatById } from '../../host/events/formats/index.js';
import { decodeNmnist, encodeNmnist } from '../../host/events/formats/nmnist.js';
import { concatBatches, type EventBatch } from '../../host/events/types.js';
import { compileModel, createRuntime } from '../../host/index.js';
import { loadMnistDigits, splitMnist } from '../../host/learn/datasets/mnist.js';
import { presentSample } from '../../host/learn/online.js';
import { PHASE_LEARN } from '../../host/runtime/abi.js';
import { loadModelSpec } from '../../host/spec/models.js';
import { startWebServer, type WebServer } from '../../host/web/serve.js';
import { FINGERPRINT_START, fingerprintStep } from '../../web/session.js';
import { repoRoot } from '../helpers/shared.js';

const CHROMIUM = '/usr/bin/chromium';
const haveChromium = existsSync(CHROMIUM);
const MODEL = 'nmnist-stdp-wta';
const SAMPLES = 300;
const RECORDING_DIGITS = 5;

if (!haveChromium) {
  if (process.env.CI === 'true') throw new Error(`${CHROMIUM} is missing under CI: scripts/ensure-system-deps.mjs should have installed Debian's chromium`);
  console.warn(`[neurite tests] skipping the browser page test: ${CHROMIUM} not found (install Debian's chromium, or run npm test, whose pretest does)`);
}

interface Written {
  dir: string;
  /** Sample files in the order of the label table (which is not their name order). */
  files: string[];
  table: string;
  labels: number[];
  recording: string;
  recordingEvents: number;
  broken: string;
}

/** Emulated digits written as N-MNIST files with the project's writer, and one EVT 3.0 recording. */
function writeSamples(): Written {
  const dir = mkdtempSync(join(tmpdir(), 'neurite-browser-'));
  const digits = loadMnistDigits();
  const { train } = splitMnist(11, SAMPLES + RECORDING_DIGITS, 0);
  const emulator = new EventEmulator({ sensorSeed: 11 });
  const events = (n: number): EventBatch => {
    const k = train[n];
    return emulator.emulate(digits.images.subarray(k * 784, (k + 1) * 784), 28, 28, { seed: 5000 + n });
  };
  const rows: string[] = ['sample\tlabel'];
  const files: string[] = [];
  const labels: number[] = [];
  for (let n = 0; n < SAMPLES; n++) {
    // Names run backwards to the table's order, so a page that sorted by name would differ.
    const name = `s${String(SAMPLES - n).padStart(4, '0')}`;
    const path = join(dir, `${name}.bin`);
    writeFileSync(path, encodeNmnist(events(n)));
    rows.push(`${name}\t${digits.labels[train[n]]}`);
    files.push(path);
    labels.push(digits.labels[train[n]]);
  }
  const table = join(dir, 'labels.tsv');
  writeFileSync(table, rows.join('\n') + '\n');
  // A damaged sample (a partial 5-byte record), not in the table: reported and skipped.
  const broken = join(dir, 'zz-broken.bin');
  writeFileSync(broken, new Uint8Array(7));

  // A continuous recording: a few digits one after the other, 350 ms apart, as EVT 3.0.
  const parts: EventBatch[] = [];
  for (let n = 0; n < RECORDING_DIGITS; n++) {
    const b = events(SAMPLES + n);
    const t = new Float64Array(b.length);
    for (let i = 0; i < b.length; i++) t[i] = b.t[i] + n * 350_000;
    parts.push({ ...b, t });
  }
  const all = concatBatches(parts);
  const enc = formatById('evt3').createEncoder!({ geometry: { width: 34, height: 34 } });
  const head = enc.push(all);
  const tail = enc.end();
  const recording = join(dir, 'digits.raw');
  writeFileSync(recording, Buffer.concat([head, tail]));
  return { dir, files, table, labels, recording, recordingEvents: all.length, broken };
}

/** The in-process runtime, test-then-train on the same files in the same order. */
async function reference(w: Written): Promise<{ correct: number; fingerprint: string }> {
  const rt = await createRuntime(compileModel(loadModelSpec(MODEL)));
  const plastic = rt.plan.ops.some((o) => (o.phase & PHASE_LEARN) !== 0);
  let correct = 0;
  let fp = FINGERPRINT_START;
  w.files.forEach((f, n) => {
    const ev = decodeNmnist(readFileSync(f));
    presentSample(rt, ev, { learn: false });
    const predicted = rt.readoutLearn(w.labels[n]);
    if (predicted === w.labels[n]) correct++;
    fp = fingerprintStep(fp, predicted);
    if (plastic) presentSample(rt, ev, { learn: true, teacher: w.labels[n] });
  });
  return { correct, fingerprint: fp.toString(16).padStart(8, '0') };
}

/** Waits until the page's status leaves `running`/`loading`, and returns its state and text. */
async function settled(page: Page, timeout: number): Promise<{ state: string; text: string }> {
  await page.waitForFunction(() => {
    const s = document.getElementById('status')?.dataset.state;
    return s === 'done' || s === 'error' || s === 'ready';
  }, undefined, { timeout });
  return page.evaluate(() => {
    const el = document.getElementById('status')!;
    return { state: el.dataset.state ?? '', text: el.textContent ?? '' };
  });
}

describe.skipIf(!haveChromium)('browser page in headless Chromium', () => {
  let written: Written;
  let expected: { correct: number; fingerprint: string };
  let server: WebServer;
  let context: BrowserContext;
  let profile: string;
  let page: Page;
  const problems: string[] = [];

  beforeAll(async () => {
    await build({ configFile: join(repoRoot, 'web', 'vite.config.ts'), logLevel: 'warn' });
    written = writeSamples();
    expected = await reference(written);
    server = await startWebServer({ port: 0 });
    profile = mkdtempSync(join(tmpdir(), 'neurite-chromium-'));
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
        '--disable-component-update', '--disable-sync'],
      viewport: { width: 1100, height: 1400 },
    });
    page = context.pages()[0] ?? (await context.newPage());
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(`console error: ${m.text()}`);
    });
    // Offline: anything but the page's own server is a failure.
    await context.route('**/*', (route) =>
      route.request().url().startsWith(server.url) ? route.continue() : (problems.push(`off-site request: ${route.request().url()}`), route.abort()));
  }, 60_000);

  afterAll(async () => {
    await context?.close();
    await server?.close();
    if (profile) rmSync(profile, { recursive: true, force: true });
    if (written) rmSync(written.dir, { recursive: true, force: true });
  });

  test('learns uploaded N-MNIST samples exactly as the in-process runtime, draws a raster and the memory map', async () => {
    await page.goto(server.url);
    expect(await settled(page, 15_000)).toMatchObject({ state: 'ready' });
    expect(await page.locator('#status').getAttribute('data-build')).toBe('simd');
    await page.selectOption('#model', MODEL);

    // Files in a scrambled order: the label table decides the order, not the file list.
    const picked = [written.broken, written.table, ...written.files.slice().reverse()];
    await page.setInputFiles('#files', picked);
    await page.waitForSelector(`#picked[data-samples="${SAMPLES + 1}"][data-labelled="${SAMPLES}"]`, { timeout: 10_000 });
    await page.click('#start');
    const end = await settled(page, 40_000);
    expect(end.state, end.text).toBe('done');

    const acc = await page.locator('#accuracy').evaluate((el) => ({ correct: Number(el.dataset.correct), labelled: Number(el.dataset.labelled) }));
    expect(acc.labelled).toBe(SAMPLES);
    expect(acc.correct).toBe(expected.correct);
    expect(await page.locator('#fingerprint').textContent()).toBe(expected.fingerprint);
    expect(acc.correct / acc.labelled).toBeGreaterThan(0.2); // chance is 0.1 with 10 classes
    expect(await page.locator('#log').textContent()).toMatch(/zz-broken\.bin: nmnist at byte 5: truncated record/);

    // The raster canvas has spikes drawn: pixels in the spike colour (#ffd54a).
    const drawn = await page.locator('#raster').evaluate((c: HTMLCanvasElement) => {
      const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
      let n = 0;
      for (let i = 0; i < d.length; i += 4) if (d[i] === 0xff && d[i + 1] === 0xd5 && d[i + 2] === 0x4a) n++;
      return { pixels: n, spikes: Number(c.dataset.spikes) };
    });
    expect(drawn.spikes).toBeGreaterThan(0);
    expect(drawn.pixels).toBeGreaterThan(0);

    // The memory map lists the Plan's regions, in order, with the same bytes.
    const plan = compileModel(loadModelSpec(MODEL)).plan;
    const rows = await page.locator('#regions tr').evaluateAll((trs) =>
      trs.map((tr) => ({ name: (tr as HTMLElement).dataset.name, kind: (tr as HTMLElement).dataset.kind, bytes: Number((tr as HTMLElement).dataset.bytes) })));
    expect(rows).toEqual(plan.regions.map((r) => ({ name: r.name, kind: r.kind, bytes: r.bytes })));
    expect(Number(await page.locator('#memory-total').getAttribute('data-arena-bytes'))).toBe(plan.arenaBytes);

    mkdirSync(join(repoRoot, 'reports'), { recursive: true });
    await page.screenshot({ path: join(repoRoot, 'reports', 'browser-page.png'), fullPage: true });
    expect(problems).toEqual([]);
  }, 60_000);

  test('the scalar kernels (?build=scalar) make the same predictions as the SIMD ones', async () => {
    const scalar = await context.newPage();
    scalar.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    scalar.on('console', (m) => {
      if (m.type() === 'error') problems.push(`console error: ${m.text()}`);
    });
    await scalar.goto(`${server.url}?build=scalar`);
    expect(await settled(scalar, 15_000)).toMatchObject({ state: 'ready' });
    expect(await scalar.locator('#status').getAttribute('data-build')).toBe('scalar');
    await scalar.setInputFiles('#files', [written.table, ...written.files]);
    await scalar.waitForSelector(`#picked[data-samples="${SAMPLES}"]`, { timeout: 10_000 });
    await scalar.click('#start');
    const end = await settled(scalar, 40_000);
    expect(end.state, end.text).toBe('done');
    expect(Number(await scalar.locator('#accuracy').getAttribute('data-correct'))).toBe(expected.correct);
    expect(await scalar.locator('#fingerprint').textContent()).toBe(expected.fingerprint);
    await scalar.close();
    expect(problems).toEqual([]);
  }, 60_000);

  test('shows a recording in another format as an event raster, and makes demo digits with the emulator', async () => {
    await page.setInputFiles('#files', [written.recording]);
    await page.waitForSelector('#picked[data-samples="0"]', { timeout: 10_000 });
    await page.click('#start');
    let end = await settled(page, 20_000);
    expect(end.state, end.text).toBe('done');
    const st = await page.locator('#status').evaluate((el) => ({ format: el.dataset.format, events: Number(el.dataset.events) }));
    expect(st).toEqual({ format: 'evt3', events: written.recordingEvents });
    expect(Number(await page.locator('#raster').getAttribute('data-spikes'))).toBeGreaterThan(0);

    await page.fill('#demo-count', '40');
    await page.click('#demo');
    end = await settled(page, 30_000);
    expect(end.state, end.text).toBe('done');
    expect(Number(await page.locator('#accuracy').getAttribute('data-labelled'))).toBe(40);

    // The page stays responsive while the worker learns: Stop ends a long run early.
    await page.fill('#demo-count', '10000');
    await page.click('#demo');
    await page.waitForFunction(() => (document.getElementById('progress') as HTMLProgressElement).value > 0, undefined, { timeout: 20_000 });
    await page.click('#stop');
    end = await settled(page, 20_000);
    expect(end.state, end.text).toBe('done');
    expect(end.text).toMatch(/^stopped: \d+ of 10000 samples/);
    expect(problems).toEqual([]);
  }, 60_000);
});
