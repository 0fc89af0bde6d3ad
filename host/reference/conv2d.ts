/**
 * Reference for assembly/synapses/conv2d.ts, written on the natural kernel layout
 * K[co][ci][ky][kx] (the kernel reads the packed layout of host/plan/synapse-layouts.ts).
 * For every valid event (x, y, c), every output channel co and every output position reached:
 *   out[co][oy][ox] += K[co][c][y + P - oy s][x + P - ox s]     (0 <= ky, kx < K)
 * Output f32[C_out][H_out][W_out]. Returns the number of dropped events (coordinates or channel
 * out of range).
 */
import type { Conv2dGeometry } from '../plan/synapse-layouts.js';
import { conv2dOutputSize } from '../plan/synapse-layouts.js';

const fr = Math.fround;

export function conv2dAccumulateF32(
  kernel: Float32Array, g: Conv2dGeometry, ex: Uint16Array, ey: Uint16Array, ec: Uint8Array, nEv: number, target: Float32Array,
): number {
  const { k, stride: s, pad, cIn, cOut } = g;
  const wOut = conv2dOutputSize(g.wIn, k, s, pad);
  const hOut = conv2dOutputSize(g.hIn, k, s, pad);
  let dropped = 0;
  for (let e = 0; e < nEv; e++) {
    const x = ex[e], y = ey[e], c = ec[e];
    if (x >= g.wIn || y >= g.hIn || c >= cIn) { dropped++; continue; }
    for (let co = 0; co < cOut; co++) {
      for (let oy = 0; oy < hOut; oy++) {
        const ky = y + pad - oy * s;
        if (ky < 0 || ky >= k) continue;
        for (let ox = 0; ox < wOut; ox++) {
          const kx = x + pad - ox * s;
          if (kx < 0 || kx >= k) continue;
          const t = (co * hOut + oy) * wOut + ox;
          target[t] = fr(target[t] + kernel[((co * cIn + c) * k + ky) * k + kx]);
        }
      }
    }
  }
  return dropped;
}

/**
 * Frame convolution (the oracle of the behaviour test): out = K * frame with zero padding,
 * frame f32[C_in][H_in][W_in], summed in f64 and rounded once.
 */
export function conv2dFrame(kernel: Float32Array, g: Conv2dGeometry, frame: Float32Array): Float32Array {
  const { k, stride: s, pad, cIn, cOut, wIn, hIn } = g;
  const wOut = conv2dOutputSize(wIn, k, s, pad);
  const hOut = conv2dOutputSize(hIn, k, s, pad);
  const out = new Float32Array(cOut * hOut * wOut);
  for (let co = 0; co < cOut; co++) {
    for (let oy = 0; oy < hOut; oy++) {
      for (let ox = 0; ox < wOut; ox++) {
        let sum = 0;
        for (let ci = 0; ci < cIn; ci++) {
          for (let ky = 0; ky < k; ky++) {
            const y = oy * s - pad + ky;
            if (y < 0 || y >= hIn) continue;
            for (let kx = 0; kx < k; kx++) {
              const x = ox * s - pad + kx;
              if (x < 0 || x >= wIn) continue;
              sum += kernel[((co * cIn + ci) * k + ky) * k + kx] * frame[(ci * hIn + y) * wIn + x];
            }
          }
        }
        out[(co * hOut + oy) * wOut + ox] = sum;
      }
    }
  }
  return out;
}
