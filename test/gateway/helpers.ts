/**
 * Shared pieces of the gateway tests: a small model (17x17 pooled input, readout on the input
 * counts), emulated digits on a 34x34 sensor, a config builder with ports 0, and HTTP helpers.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventEmulator } from '../../host/events/emulator.js';
import type { EventBatch } from '../../host/events/types.js';
import { loadMnistDigits, splitMnist } from '../../host/learn/datasets/mnist.js';

export const TOKEN = 'test-token-0123456789abcdef';

/** 34x34 sensor pooled 2x2 onto a 17x17 split-polarity input; delta readout on the input counts. */
export const TEST_MODEL = {
  version: 1,
  name: 'gateway-test',
  dtMs: 1,
  seed: 1,
  input: { width: 17, height: 17, polarity: 'split', bufferEvents: 4096 },
  populations: [],
  projections: [],
  readout: { from: 'input', classes: 10, rule: 'delta', learningRate: 0.5 },
};

/** The same input with a different readout size: a checkpoint of it must be refused. */
export const OTHER_MODEL = { ...TEST_MODEL, name: 'gateway-other', readout: { ...TEST_MODEL.readout, classes: 5 } };

const made: string[] = [];

/** A fresh temporary folder, removed by removeTempDirs() (call it in afterAll). */
export function tempDir(prefix = 'neurite-gw-'): string {
  const d = mkdtempSync(join(tmpdir(), prefix));
  made.push(d);
  return d;
}

export function removeTempDirs(): void {
  for (const d of made.splice(0)) rmSync(d, { recursive: true, force: true });
}

export function configObject(stateDir: string, over: Record<string, unknown> = {}, sensorOver: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    http: { host: '127.0.0.1', port: 0, maxBodyBytes: 1 << 20 },
    udp: { host: '127.0.0.1', port: 0, recvBufferBytes: 4 << 20 },
    tcp: { host: '127.0.0.1', port: 0 },
    auth: { token: TOKEN },
    checkpoints: { dir: stateDir, periodSeconds: 0 },
    sensors: [{
      id: 'cam0', streamId: 7, model: TEST_MODEL, width: 34, height: 34,
      transform: { downsample: { factorX: 2 } },
      earlyDecision: { minEvents: 400, confidence: 0.6, sharpness: 10 },
      ...sensorOver,
    }],
    ...over,
  };
}

export interface Digit {
  events: EventBatch;
  label: number;
}

/** `n` emulated digits in a seeded random class order (34x34 sensor, ~4000 events each). */
export function digits(n: number, seed = 1, offset = 0): Digit[] {
  const d = loadMnistDigits();
  const idx = splitMnist(seed, offset + n, 0).train.slice(offset);
  const em = new EventEmulator({ sensorSeed: seed, sensorWidth: 34, sensorHeight: 34 });
  return idx.map((k) => ({ events: em.emulate(d.images.subarray(k * 784, (k + 1) * 784), 28, 28, { seed: k }), label: d.labels[k] }));
}

export async function getJson<T = Record<string, unknown>>(port: number, path: string): Promise<{ status: number; body: T }> {
  const r = await fetch(`http://127.0.0.1:${port}${path}`);
  return { status: r.status, body: (await r.json()) as T };
}

/** Lets the event loop run (so a gateway in the same process reads its sockets). */
export function tick(ms = 0): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Polls `check` until it returns a value or `ms` pass. */
export async function waitFor<T>(check: () => Promise<T | null | undefined | false>, ms = 20_000, what = 'condition'): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await tick(50);
  }
}
