/**
 * The learner thread: one per sensor, each with its own WebAssembly instance and arena (a Runtime)
 * and nothing shared with the other sensors. The main thread posts it event chunks and requests
 * (checkpoint, download, upload, readout state); it answers each chunk with an ack carrying its
 * statistics, which is also what paces the main thread's queue (docs/gateway.md, "Queues").
 */
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { NeuriteError } from '../errors.js';
import { planModel } from '../plan/plan.js';
import { decodeCheckpoint, encodeCheckpoint, loadCheckpoint, saveCheckpoint } from '../runtime/checkpoint.js';
import { Runtime } from '../runtime/runtime.js';
import { type LearnerMeta, SensorLearner } from './learner.js';
import { canonicalJson } from '../spec/canonical.js';
import { type ToWorker, type FromWorker, type WorkerInit, type WorkerStats } from './worker-protocol.js';

const port = parentPort!;
const init = workerData as WorkerInit;
const LAT_RING = 4096;
const latency = new Float64Array(LAT_RING);
let latN = 0;
let chunks = 0;

function post(m: FromWorker, transfer: ArrayBuffer[] = []): void {
  port.postMessage(m, transfer);
}

function readMeta(path: string): LearnerMeta | undefined {
  if (!existsSync(path)) return undefined;
  try {
    const m = JSON.parse(readFileSync(path, 'utf8')) as LearnerMeta;
    return Array.isArray(m.classCounts) ? m : undefined;
  } catch {
    return undefined; // a damaged sidecar only loses counters, never learned state
  }
}

function writeMeta(path: string, meta: LearnerMeta): void {
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, JSON.stringify(meta));
  renameSync(tmp, path);
}

/** The checkpoint's spec must be the configured model's, or it would silently change the sensor. */
function checkSpec(rt: Runtime, what: string): void {
  if (canonicalJson(rt.plan.spec) !== canonicalJson(init.sensor.model)) {
    rt.dispose();
    throw new SpecMismatch(`${what} holds model "${rt.plan.spec.name}", which is not the model configured for sensor "${init.sensor.id}" ("${init.sensor.model.name}")`);
  }
}

class SpecMismatch extends NeuriteError {
  override readonly name = 'SpecMismatchError';
}

function percentiles(): WorkerStats['latencyMs'] {
  const n = Math.min(latN, LAT_RING);
  if (n === 0) return { p50: null, p90: null, p99: null, max: null, samples: 0 };
  const a = Float64Array.from(latency.subarray(0, n)).sort();
  const q = (f: number): number => a[Math.min(n - 1, Math.floor(f * n))];
  return { p50: q(0.5), p90: q(0.9), p99: q(0.99), max: a[n - 1], samples: n };
}

let learner: SensorLearner;
let resumed = false;
try {
  const s = init.sensor;
  let rt: Runtime;
  if (existsSync(init.checkpointPath)) {
    rt = loadCheckpoint(init.checkpointPath, s.build);
    checkSpec(rt, `checkpoint ${init.checkpointPath}`);
    resumed = true;
  } else {
    rt = new Runtime(planModel(s.model), s.build);
  }
  learner = new SensorLearner(rt, s, resumed ? readMeta(init.metaPath) : undefined);
  post({ type: 'ready', resumed, meta: learner.meta });
} catch (e) {
  post({ type: 'failed', error: { type: (e as Error).name, message: (e as Error).message } });
  process.exit(1);
}

function stats(): WorkerStats {
  return { ...learner.snapshot(), latencyMs: percentiles(), chunks };
}

function checkpoint(): number {
  const bytes = saveCheckpoint(learner.rt, init.checkpointPath);
  writeMeta(init.metaPath, learner.meta);
  return bytes;
}

port.on('message', (m: ToWorker) => {
  if (m.type === 'chunk') {
    learner.process(m.words, m.n, m.markers);
    const now = performance.timeOrigin + performance.now();
    latency[latN++ % LAT_RING] = now - m.recvMs;
    chunks++;
    post({ type: 'ack', events: m.n, stats: m.wantStats ? stats() : null });
    return;
  }
  try {
    let value: unknown = null;
    const transfer: ArrayBuffer[] = [];
    switch (m.request) {
      case 'stats':
        value = stats();
        if (m.restartLatencyWindow) latN = 0;
        break;
      case 'checkpoint':
        value = { bytes: checkpoint(), path: init.checkpointPath };
        break;
      case 'download': {
        const bytes = encodeCheckpoint(learner.rt);
        transfer.push(bytes.buffer as ArrayBuffer);
        value = bytes;
        break;
      }
      case 'upload': {
        const rt = decodeCheckpoint(m.bytes!, 'uploaded checkpoint', init.sensor.build);
        checkSpec(rt, 'the uploaded checkpoint');
        learner.replaceRuntime(rt);
        value = { bytes: checkpoint(), version: learner.meta.version };
        break;
      }
      case 'readout': {
        const w = learner.rt.readoutWeights().slice();
        transfer.push(w.buffer as ArrayBuffer);
        value = { weights: w, meta: { ...learner.meta, classCounts: [...learner.meta.classCounts] } };
        break;
      }
      case 'addReadout': {
        // Adds a change computed from an earlier snapshot (a fleet merge), so what the learner
        // learned since that snapshot is kept rather than overwritten.
        const w = learner.rt.readoutWeights();
        if (!m.weights || m.weights.length !== w.length) throw new SpecMismatch(`readout change has ${m.weights?.length ?? 0} weights, sensor "${init.sensor.id}" has ${w.length}`);
        for (let i = 0; i < w.length; i++) w[i] += m.weights[i];
        learner.meta.version++;
        value = { version: learner.meta.version };
        break;
      }
      case 'setReadout': {
        const w = learner.rt.readoutWeights();
        if (!m.weights || m.weights.length !== w.length) throw new SpecMismatch(`readout state has ${m.weights?.length ?? 0} weights, sensor "${init.sensor.id}" has ${w.length}`);
        w.set(m.weights);
        if (m.classCounts) learner.meta.classCounts = [...m.classCounts];
        learner.meta.version++;
        value = { version: learner.meta.version };
        break;
      }
    }
    post({ type: 'reply', id: m.id, ok: true, value }, transfer);
  } catch (e) {
    post({ type: 'reply', id: m.id, ok: false, error: { type: (e as Error).name, message: (e as Error).message } });
  }
});
