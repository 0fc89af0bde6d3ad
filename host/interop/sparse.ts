/**
 * Compressed sparse row matrices (float64 values), enough to compose the linear NIR primitives
 * (Affine, Linear, Conv2d, SumPool2d, AvgPool2d, Scale, Flatten) that sit between two spiking
 * layers into one synaptic weight matrix. Products accumulate in float64, so an f32 weight that
 * passes through identity-like maps comes out exactly.
 */

export interface Csr {
  rows: number;
  cols: number;
  /** Row r's entries are idx/val[ptr[r] .. ptr[r+1]), columns ascending. */
  ptr: Int32Array;
  idx: Int32Array;
  val: Float64Array;
}

export class CsrBuilder {
  private readonly ptr: number[] = [0];
  private idx: Int32Array;
  private val: Float64Array;
  private n = 0;

  constructor(readonly cols: number, capacity = 1024, private readonly limit = Infinity, private readonly onLimit: () => never = () => { throw new Error('too many nonzeros'); }) {
    this.idx = new Int32Array(Math.max(capacity, 16));
    this.val = new Float64Array(Math.max(capacity, 16));
  }

  push(col: number, value: number): void {
    if (this.n === this.idx.length) {
      if (this.n >= this.limit) this.onLimit();
      const idx = new Int32Array(this.n * 2);
      idx.set(this.idx);
      this.idx = idx;
      const val = new Float64Array(this.n * 2);
      val.set(this.val);
      this.val = val;
    }
    this.idx[this.n] = col;
    this.val[this.n++] = value;
  }

  endRow(): void {
    this.ptr.push(this.n);
  }

  finish(): Csr {
    return { rows: this.ptr.length - 1, cols: this.cols, ptr: Int32Array.from(this.ptr), idx: this.idx.slice(0, this.n), val: this.val.slice(0, this.n) };
  }
}

export function csrIdentity(n: number): Csr {
  const ptr = new Int32Array(n + 1);
  for (let r = 0; r <= n; r++) ptr[r] = r;
  return { rows: n, cols: n, ptr, idx: Int32Array.from({ length: n }, (_, i) => i), val: new Float64Array(n).fill(1) };
}

export function nnz(a: Csr): number {
  return a.ptr[a.rows];
}

/** A B (A: r x k, B: k x c). Rows of the result keep ascending columns. */
export function csrMul(a: Csr, b: Csr, limit = Infinity, onLimit?: () => never): Csr {
  if (a.cols !== b.rows) throw new Error(`csrMul: ${a.rows}x${a.cols} times ${b.rows}x${b.cols}`);
  const acc = new Float64Array(b.cols);
  const mark = new Int32Array(b.cols).fill(-1);
  const touched: number[] = [];
  const out = new CsrBuilder(b.cols, nnz(a) + nnz(b), limit, onLimit);
  for (let r = 0; r < a.rows; r++) {
    touched.length = 0;
    for (let p = a.ptr[r]; p < a.ptr[r + 1]; p++) {
      const k = a.idx[p];
      const av = a.val[p];
      for (let q = b.ptr[k]; q < b.ptr[k + 1]; q++) {
        const c = b.idx[q];
        if (mark[c] !== r) {
          mark[c] = r;
          acc[c] = 0;
          touched.push(c);
        }
        acc[c] += av * b.val[q];
      }
    }
    touched.sort((x, y) => x - y);
    for (const c of touched) if (acc[c] !== 0) out.push(c, acc[c]);
    out.endRow();
  }
  return out.finish();
}

/** A + B (same shape). */
export function csrAdd(a: Csr, b: Csr): Csr {
  if (a.rows !== b.rows || a.cols !== b.cols) throw new Error(`csrAdd: ${a.rows}x${a.cols} plus ${b.rows}x${b.cols}`);
  const out = new CsrBuilder(a.cols, nnz(a) + nnz(b));
  for (let r = 0; r < a.rows; r++) {
    let p = a.ptr[r];
    let q = b.ptr[r];
    const pe = a.ptr[r + 1];
    const qe = b.ptr[r + 1];
    while (p < pe || q < qe) {
      if (q >= qe || (p < pe && a.idx[p] < b.idx[q])) { out.push(a.idx[p], a.val[p]); p++; }
      else if (p >= pe || b.idx[q] < a.idx[p]) { out.push(b.idx[q], b.val[q]); q++; }
      else { const v = a.val[p] + b.val[q]; if (v !== 0) out.push(a.idx[p], v); p++; q++; }
    }
    out.endRow();
  }
  return out.finish();
}

/** A x (x of length A.cols). */
export function csrApply(a: Csr, x: Float64Array): Float64Array {
  const y = new Float64Array(a.rows);
  for (let r = 0; r < a.rows; r++) {
    let s = 0;
    for (let p = a.ptr[r]; p < a.ptr[r + 1]; p++) s += a.val[p] * x[a.idx[p]];
    y[r] = s;
  }
  return y;
}
