/**
 * `neurite eval --backend onnx`: evaluate a checkpoint's exported graphs, run by onnxruntime-web,
 * on a labelled folder of event samples, exactly as `neurite eval` runs the runtime: each sample
 * starts from rest (the learned adaptive thresholds carry over from sample to sample, as in the
 * runtime), its events are binned into steps the runtime's way, the sequence graph runs the whole
 * sample in one call and the readout graph classifies the spike counts.
 */
import { InteropError } from '../errors.js';
import { FolderSource } from '../learn/folder.js';
import { loadCheckpoint } from '../runtime/checkpoint.js';
import type { KernelBuild } from '../runtime/kernels.js';
import { exportOnnxReadout, exportOnnxSequence, readOnnxIo, type OnnxIo } from './onnx-export.js';
import { onnx } from './onnx-builder.js';
import { binEvents, countsPerStep, createSession, loadOrt, restStateOf, runSequence } from './onnx-run.js';

export interface OnnxEvalResult {
  accuracy: number;
  samples: number;
  /** confusion[label][predicted] */
  confusion: number[][];
  backend: 'onnx';
}

function ioOf(bytes: Uint8Array): OnnxIo {
  const io = readOnnxIo(onnx.ModelProto.decode(bytes).metadataProps ?? []);
  if (!io) throw new InteropError('onnx', null, 'exported graph lacks its neurite.io description');
  return io;
}

export async function evalOnnx(checkpointPath: string, dataDir: string, labelsFile: string, opts: { build?: KernelBuild; onProgress?: (done: number, total: number) => void } = {}): Promise<OnnxEvalResult> {
  const rt = loadCheckpoint(checkpointPath, opts.build ?? 'simd');
  const r = rt.plan.readout;
  if (!r) throw new InteropError('onnx', null, `model "${rt.plan.spec.name}" has no readout to classify with`, checkpointPath);
  const source = FolderSource.open(dataDir, labelsFile);
  const popIndex = rt.plan.populations.findIndex((p) => p.name === r.from);
  const seqBytes = popIndex >= 0 ? exportOnnxSequence(rt) : null;
  const seqIo = seqBytes ? ioOf(seqBytes) : null;
  const [seq, readout] = await Promise.all([seqBytes ? createSession(seqBytes) : null, createSession(exportOnnxReadout(rt))]);
  const ort = await loadOrt();
  let b = restStateOf(rt).b;
  const features = new Float32Array(source.count * r.nFeat);
  for (let i = 0; i < source.count; i++) {
    const binned = binEvents(rt.plan, source.events(i));
    const x = countsPerStep(binned, rt.plan.input.size);
    if (popIndex < 0) {
      // Readout on the raw input: per-input event counts over the sample.
      for (let s = 0; s < binned.steps; s++) for (let k = 0; k < r.nFeat; k++) features[i * r.nFeat + k] += x[s * r.nFeat + k];
    } else {
      const out = await runSequence(seq!, seqIo!, restStateOf(rt, b), x, binned.steps);
      b = out.final.b;
      features.set(out.counts[popIndex], i * r.nFeat);
    }
    opts.onProgress?.(i + 1, source.count);
  }
  const res = await readout.run({ features: new ort.Tensor('float32', features, [source.count, r.nFeat]) });
  const predicted = res.class.data as BigInt64Array;
  const confusion = Array.from({ length: r.nClass }, () => new Array<number>(r.nClass).fill(0));
  let correct = 0;
  for (let i = 0; i < source.count; i++) {
    const label = source.label(i);
    const p = Number(predicted[i]);
    if (label < r.nClass) confusion[label][p]++;
    if (p === label) correct++;
  }
  rt.dispose();
  return { accuracy: correct / Math.max(source.count, 1), samples: source.count, confusion, backend: 'onnx' };
}
