/**
 * ONNX import of a frozen feature extractor: the project's own convolutional front end (Gabor
 * filters over OFF/ON event frames, written with onnx-proto) runs in onnxruntime-web on frames from
 * real N-MNIST samples (toFrame), and its features feed on-device learners: the runtime's
 * delta-rule readout on a readout-only spec, and the nearest-class-mean reference readout.
 * Both learn the 10 digits well above chance (10%).
 */
import { describe, expect, it } from 'vitest';
import { buildConvFrontEnd } from '../../host/interop/conv-frontend.js';
import { FeatureExtractor } from '../../host/interop/onnx-import.js';
import { toFrame } from '../../host/events/transforms/representations.js';
import { FolderSource } from '../../host/learn/folder.js';
import { planModel } from '../../host/plan/plan.js';
import { ncmPredict, ncmUpdate } from '../../host/reference/ncm.js';
import { Runtime } from '../../host/runtime/runtime.js';
import { validateSpec } from '../../host/spec/validate.js';
import { sharedPath } from '../helpers/shared.js';

const trainDir = sharedPath('fixtures/nmnist-small/train');

describe.skipIf(!trainDir)('ONNX feature extractor -> on-device learner', () => {
  it('a Gabor conv front end over event frames + delta-rule readout learns N-MNIST above chance', async () => {
    const source = FolderSource.open(trainDir!, `${trainDir}/labels.tsv`);
    const { bytes, featureSize, inputShape } = buildConvFrontEnd({ width: 34, height: 34 });
    const fx = await FeatureExtractor.load(bytes, 'conv-frontend.onnx');
    expect(fx.info.ops).toEqual(['AveragePool', 'Conv', 'Flatten', 'Identity', 'Relu']);
    expect(fx.inputSize).toBe(inputShape[0] * inputShape[1] * inputShape[2]);

    const nTrain = 500;
    const nTest = 200;
    const n = nTrain + nTest;
    const frames = new Float32Array(n * fx.inputSize);
    for (let i = 0; i < n; i++) {
      const f = toFrame(source.events(i), { width: 34, height: 34 }, { binCount: 1 });
      frames.set(f.data, i * fx.inputSize); // [1][2 (OFF, ON)][34][34]
    }
    const { features, featureSize: fs } = await fx.run(frames, n);
    expect(fs).toBe(featureSize);

    // The runtime's delta-rule readout, on a readout-only spec whose "input" is the feature vector.
    const spec = validateSpec({
      version: 1, name: 'conv-features', dtMs: 1,
      input: { width: featureSize, height: 1, polarity: 'merge' },
      populations: [], projections: [],
      readout: { from: 'input', classes: 10, rule: 'delta', learningRate: 0.2 },
    });
    const rt = new Runtime(planModel(spec));
    const x = rt.features();
    for (let pass = 0; pass < 3; pass++) {
      for (let i = 0; i < nTrain; i++) {
        x.set(features.subarray(i * featureSize, (i + 1) * featureSize));
        rt.readoutLearn(source.label(i));
      }
    }
    let correct = 0;
    for (let i = nTrain; i < n; i++) {
      x.set(features.subarray(i * featureSize, (i + 1) * featureSize));
      if (rt.readoutPredict() === source.label(i)) correct++;
    }
    const deltaAcc = correct / nTest;

    // The nearest-class-mean readout (host/reference/ncm.ts), one pass.
    const mu = new Float32Array(featureSize * 10);
    const counts = new Int32Array(10);
    for (let i = 0; i < nTrain; i++) ncmUpdate(mu, counts, featureSize, 10, features.subarray(i * featureSize, (i + 1) * featureSize), source.label(i));
    const scores = new Float32Array(10);
    let ncmCorrect = 0;
    for (let i = nTrain; i < n; i++) if (ncmPredict(mu, counts, featureSize, 10, features.subarray(i * featureSize, (i + 1) * featureSize), true, scores) === source.label(i)) ncmCorrect++;
    const ncmAcc = ncmCorrect / nTest;
    console.log(`[onnx features] ${featureSize} Gabor features: delta-rule readout ${deltaAcc}, NCM ${ncmAcc} on ${nTest} held-out real samples (chance 0.1)`);
    expect(deltaAcc).toBeGreaterThan(0.4);
    expect(ncmAcc).toBeGreaterThan(0.3);
    rt.dispose();
  });
});
