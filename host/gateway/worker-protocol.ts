/**
 * Messages between the gateway's main thread and its learner threads (worker.ts), and where the
 * compiled worker lives.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { NeuriteError } from '../errors.js';
import type { SensorConfig } from './config.js';
import type { LearnerMeta, LearnerStats } from './learner.js';
import type { Marker } from './protocol.js';

export interface WorkerInit {
  sensor: SensorConfig;
  checkpointPath: string;
  metaPath: string;
}

export interface WorkerStats extends LearnerStats {
  /** Wall time from a chunk's first datagram arriving to the learner finishing it, over the last
   *  4096 chunks since the window was last restarted. */
  latencyMs: { p50: number | null; p90: number | null; p99: number | null; max: number | null; samples: number };
  chunks: number;
}

export type WorkerRequest = 'stats' | 'checkpoint' | 'download' | 'upload' | 'readout' | 'setReadout' | 'addReadout';

export type ToWorker =
  | { type: 'chunk'; words: Uint32Array; n: number; markers: Marker[]; recvMs: number; wantStats: boolean }
  | { type: 'request'; id: number; request: WorkerRequest; bytes?: Uint8Array; weights?: Float32Array; classCounts?: number[]; restartLatencyWindow?: boolean };

export interface TypedError {
  type: string;
  message: string;
}

export type FromWorker =
  | { type: 'ready'; resumed: boolean; meta: LearnerMeta }
  | { type: 'failed'; error: TypedError }
  | { type: 'ack'; events: number; stats: WorkerStats | null }
  | { type: 'reply'; id: number; ok: true; value: unknown }
  | { type: 'reply'; id: number; ok: false; error: TypedError };

/**
 * The worker's compiled module. Running from dist/ it sits beside this file; running from the
 * TypeScript sources (vitest) the threads still need JavaScript, so they use dist/ (`npm run build`).
 */
export function workerUrl(): URL {
  const here = fileURLToPath(import.meta.url);
  const beside = join(dirname(here), 'worker.js');
  if (here.endsWith('.js') && existsSync(beside)) return pathToFileURL(beside);
  let dir = dirname(here);
  for (;;) {
    const p = join(dir, 'dist', 'host', 'gateway', 'worker.js');
    if (existsSync(p)) return pathToFileURL(p);
    const up = dirname(dir);
    if (up === dir) throw new NeuriteError('the gateway worker is not built: dist/host/gateway/worker.js is missing (run `npm run build`)');
    dir = up;
  }
}
