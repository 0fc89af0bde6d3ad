/** Messages between the page (web/main.ts) and the learning worker (web/worker.ts). */
import type { RegionKind } from '../host/plan/plan.js';
import type { ZipLocation } from './zip.js';

/**
 * A sample to learn from: its name, label (null = unlabelled: run and shown, not learned) and
 * bytes: the whole `file`, or, for an entry of a zip archive, the entry at `zip` in it.
 */
export interface SampleRef {
  readonly name: string;
  readonly label: number | null;
  readonly file: Blob;
  readonly zip: ZipLocation | null;
}

export type ToWorker =
  /** `build` forces a kernel build (the page's `?build=scalar`); null: SIMD if the browser has it. */
  | { type: 'init'; base: string; build: 'simd' | 'scalar' | null }
  | { type: 'plan'; model: string }
  | { type: 'learn'; model: string; samples: SampleRef[] }
  | { type: 'demo'; model: string; count: number; seed: number }
  | { type: 'inspect'; name: string; file: Blob; zip: ZipLocation | null }
  | { type: 'stop' };

export interface PlanInfo {
  readonly model: string;
  readonly description: string;
  readonly arenaBytes: number;
  readonly memoryBytes: number;
  readonly budgetBytes: number | null;
  readonly regions: readonly { name: string; kind: RegionKind; offset: number; bytes: number }[];
  readonly bytesByKind: Readonly<Record<string, number>>;
  readonly input: { width: number; height: number };
  readonly classes: number | null;
  readonly rasterPopulation: { name: string; size: number } | null;
}

/** Spikes of one sample: `spikes` holds (step, index) pairs; `polarity` is set for input events. */
export interface Raster {
  readonly title: string;
  readonly rows: number;
  readonly steps: number;
  readonly stepMs: number;
  readonly count: number;
  readonly spikes: Uint32Array;
  readonly polarity: Uint8Array | null;
  /** The sample's input events on the same time axis: (step, sensor row y) pairs and polarities. */
  readonly input: { readonly rows: number; readonly events: Uint32Array; readonly polarity: Uint8Array } | null;
}

export interface Progress {
  readonly done: number;
  readonly total: number;
  readonly labelled: number;
  readonly correct: number;
  /** Test-then-train accuracy over the last RECENT labelled samples. */
  readonly recentCorrect: number;
  readonly recentLabelled: number;
  readonly events: number;
  readonly seconds: number;
  readonly last: { name: string; label: number | null; predicted: number | null } | null;
  /** FNV-1a hash (8 hex digits) of every prediction so far, in order: equal runs give equal hashes. */
  readonly fingerprint: string;
}

export type FromWorker =
  | { type: 'ready'; build: 'simd' | 'scalar' }
  | { type: 'plan'; info: PlanInfo }
  | { type: 'progress'; progress: Progress }
  | { type: 'raster'; raster: Raster }
  | { type: 'done'; progress: Progress; stopped: boolean; skipped: string[] }
  | { type: 'inspected'; name: string; format: string; events: number; durationUs: number; geometry: { width: number; height: number } | null }
  | { type: 'error'; message: string };

export const RECENT = 100;
