/** Adam (Kingma & Ba 2015) over one flat parameter vector, with decoupled weight decay (AdamW). */
export class Adam {
  private readonly m: Float32Array;
  private readonly v: Float32Array;
  private t = 0;

  constructor(
    readonly size: number,
    readonly lr: number,
    readonly weightDecay = 0,
    readonly beta1 = 0.9,
    readonly beta2 = 0.999,
    readonly eps = 1e-8,
  ) {
    this.m = new Float32Array(size);
    this.v = new Float32Array(size);
  }

  /** One step: params -= lr * (mhat / (sqrt(vhat) + eps) + weightDecay * params) where decayMask is 1. */
  step(params: Float32Array, grad: Float32Array, decayMask?: Uint8Array): void {
    this.t++;
    const { beta1: b1, beta2: b2, eps, lr, weightDecay: wd, m, v } = this;
    const c1 = 1 - b1 ** this.t;
    const c2 = 1 - b2 ** this.t;
    for (let k = 0; k < params.length; k++) {
      const g = grad[k];
      m[k] = b1 * m[k] + (1 - b1) * g;
      v[k] = b2 * v[k] + (1 - b2) * g * g;
      const decay = wd > 0 && (!decayMask || decayMask[k]) ? wd * params[k] : 0;
      params[k] -= lr * ((m[k] / c1) / (Math.sqrt(v[k] / c2) + eps) + decay);
    }
  }
}
