/**
 * The conventional baselines: multinomial logistic regression and a one-hidden-layer MLP (ReLU),
 * trained offline with backpropagation, mini-batches and AdamW on a seeded shuffle, in plain
 * TypeScript. Logistic regression is the MLP without a hidden layer.
 *
 * Parameters are one flat Float32Array: for each layer, W[in][out] row-major then b[out].
 */
import { Xoshiro128 } from '../../util/prng.js';
import { Adam } from './adam.js';
import type { Dataset } from './features.js';

export interface MlpOptions {
  /** Hidden layer widths; [] = logistic regression. */
  hidden: readonly number[];
  classes: number;
  epochs: number;
  batch?: number;
  learningRate?: number;
  weightDecay?: number;
  seed: number;
}

interface Layer {
  nIn: number;
  nOut: number;
  w: number; // offset of W in params
  b: number; // offset of b in params
}

export class Mlp {
  readonly layers: Layer[];
  readonly params: Float32Array;

  constructor(
    readonly inputs: number,
    readonly opts: MlpOptions,
  ) {
    const sizes = [inputs, ...opts.hidden, opts.classes];
    this.layers = [];
    let off = 0;
    for (let l = 0; l + 1 < sizes.length; l++) {
      const nIn = sizes[l];
      const nOut = sizes[l + 1];
      this.layers.push({ nIn, nOut, w: off, b: off + nIn * nOut });
      off += nIn * nOut + nOut;
    }
    this.params = new Float32Array(off);
    // He-uniform init for ReLU layers, Glorot-uniform for the output layer; biases 0.
    const rng = new Xoshiro128(opts.seed);
    this.layers.forEach((L, l) => {
      const last = l === this.layers.length - 1;
      const a = last ? Math.sqrt(6 / (L.nIn + L.nOut)) : Math.sqrt(6 / L.nIn);
      for (let k = 0; k < L.nIn * L.nOut; k++) this.params[L.w + k] = (2 * rng.nextFloat() - 1) * a;
    });
  }

  /** Number of parameters (weights and biases). */
  get size(): number {
    return this.params.length;
  }

  /** Activations of every layer for one input row (last = class scores, before softmax). */
  private forward(x: Float32Array, acts: Float32Array[]): void {
    let input = x;
    this.layers.forEach((L, l) => {
      const out = acts[l];
      const p = this.params;
      for (let j = 0; j < L.nOut; j++) out[j] = p[L.b + j];
      for (let i = 0; i < L.nIn; i++) {
        const xi = input[i];
        if (xi === 0) continue;
        const row = L.w + i * L.nOut;
        for (let j = 0; j < L.nOut; j++) out[j] += xi * p[row + j];
      }
      if (l < this.layers.length - 1) for (let j = 0; j < L.nOut; j++) if (out[j] < 0) out[j] = 0;
      input = out;
    });
  }

  private newActs(): Float32Array[] {
    return this.layers.map((L) => new Float32Array(L.nOut));
  }

  /** Trains on `train`; returns the mean training loss of each epoch. */
  fit(train: Dataset): number[] {
    const { epochs, batch = 32, learningRate = 1e-3, weightDecay = 1e-4, seed } = this.opts;
    const rng = new Xoshiro128((seed ^ 0x5bd1e995) >>> 0);
    const grad = new Float32Array(this.params.length);
    const decayMask = new Uint8Array(this.params.length);
    for (const L of this.layers) decayMask.fill(1, L.w, L.w + L.nIn * L.nOut);
    const adam = new Adam(this.params.length, learningRate, weightDecay);
    const acts = this.newActs();
    const deltas = this.newActs();
    const order = Array.from({ length: train.n }, (_, i) => i);
    const losses: number[] = [];
    for (let e = 0; e < epochs; e++) {
      for (let i = order.length - 1; i > 0; i--) {
        const j = rng.nextInt(i + 1);
        [order[i], order[j]] = [order[j], order[i]];
      }
      let loss = 0;
      for (let s = 0; s < order.length; s += batch) {
        grad.fill(0);
        const end = Math.min(s + batch, order.length);
        for (let k = s; k < end; k++) {
          const r = order[k];
          const x = train.x.subarray(r * train.d, (r + 1) * train.d);
          this.forward(x, acts);
          loss += this.backward(x, train.y[r], acts, deltas, grad);
        }
        const inv = 1 / (end - s);
        for (let k = 0; k < grad.length; k++) grad[k] *= inv;
        adam.step(this.params, grad, decayMask);
      }
      losses.push(loss / Math.max(train.n, 1));
    }
    return losses;
  }

  /** Softmax cross-entropy gradient of one sample, added into `grad`; returns its loss. */
  private backward(x: Float32Array, label: number, acts: Float32Array[], deltas: Float32Array[], grad: Float32Array): number {
    const last = this.layers.length - 1;
    const z = acts[last];
    let max = -Infinity;
    for (let j = 0; j < z.length; j++) max = Math.max(max, z[j]);
    let sum = 0;
    for (let j = 0; j < z.length; j++) sum += Math.exp(z[j] - max);
    const dOut = deltas[last];
    for (let j = 0; j < z.length; j++) dOut[j] = Math.exp(z[j] - max) / sum - (j === label ? 1 : 0);
    const loss = -(z[label] - max - Math.log(sum));
    for (let l = last; l >= 0; l--) {
      const L = this.layers[l];
      const input = l === 0 ? x : acts[l - 1];
      const d = deltas[l];
      for (let j = 0; j < L.nOut; j++) grad[L.b + j] += d[j];
      for (let i = 0; i < L.nIn; i++) {
        const xi = input[i];
        if (xi === 0) continue;
        const row = L.w + i * L.nOut;
        for (let j = 0; j < L.nOut; j++) grad[row + j] += xi * d[j];
      }
      if (l > 0) {
        const prev = deltas[l - 1];
        const p = this.params;
        for (let i = 0; i < L.nIn; i++) {
          if (input[i] <= 0) { prev[i] = 0; continue; } // ReLU gate
          let s = 0;
          const row = L.w + i * L.nOut;
          for (let j = 0; j < L.nOut; j++) s += p[row + j] * d[j];
          prev[i] = s;
        }
      }
    }
    return loss;
  }

  predict(x: Float32Array): number {
    const acts = this.newActs();
    this.forward(x, acts);
    const z = acts[acts.length - 1];
    let best = 0;
    for (let j = 1; j < z.length; j++) if (z[j] > z[best]) best = j;
    return best;
  }

  accuracy(ds: Dataset): number {
    let correct = 0;
    for (let r = 0; r < ds.n; r++) if (this.predict(ds.x.subarray(r * ds.d, (r + 1) * ds.d)) === ds.y[r]) correct++;
    return correct / Math.max(ds.n, 1);
  }
}
