/**
 * Integer reference for assembly/neurons/lif_i16.ts (fixed-point LIF, int16 state):
 *   i' = sat16(i - (i >> k_s) + sat16(in))
 *   v' = sat16(sat16(v - (v >> k_m) + i') + bias)
 *   refractory: r' = r - 1, v held; else spike when v' > v_th: v' = v_reset or sat16(v' - v_th), r' = hold
 * The input (i32) is cleared after reading. Exact: tests compare it bit for bit.
 */
export interface LifI16State {
  v: Int16Array; i: Int16Array; refr: Int16Array; bias: Int16Array;
}

export interface LifI16Params {
  shiftMem: number; shiftSyn: number; vTh: number; vReset: number; resetSubtract: boolean; refracHold: number;
}

const sat16 = (x: number): number => (x < -32768 ? -32768 : x > 32767 ? 32767 : x);

export function lifStepI16(n: number, s: LifI16State, p: LifI16Params, input: Int32Array, spikes: Uint32Array): number {
  const km = p.shiftMem & 15, ks = p.shiftSyn & 15;
  const th = sat16(p.vTh), reset = sat16(p.vReset), hold = Math.max(0, sat16(p.refracHold));
  let ns = 0;
  for (let j = 0; j < n; j++) {
    const v = s.v[j], cur = s.i[j], r = s.refr[j];
    const isn = sat16(cur - (cur >> ks) + sat16(input[j]));
    const vn = sat16(sat16(v - (v >> km) + isn) + s.bias[j]);
    s.i[j] = isn;
    input[j] = 0;
    if (r > 0) {
      s.refr[j] = r - 1;
    } else if (vn > th) {
      s.v[j] = p.resetSubtract ? sat16(vn - th) : reset;
      s.refr[j] = hold;
      spikes[ns++] = j;
    } else {
      s.v[j] = vn;
    }
  }
  return ns;
}
