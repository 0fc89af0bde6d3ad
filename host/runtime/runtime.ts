/**
 * A runtime instance: one WebAssembly.Memory with initial == maximum pages, sized by the Plan,
 * the kernels instantiated over it, and the host-side loop that bins events into steps and runs
 * the schedule. Memory never grows, so the typed views made here stay valid for the instance's
 * life.
 */
import type { EventBatch } from '../events/types.js';
import type { EgDaleSpec } from '../spec/types.js';
import { NeuriteError, UsageError } from '../errors.js';
import type { Plan, PopulationLayout, ProjectionLayout, Region } from '../plan/plan.js';
import { Xoshiro128 } from '../util/prng.js';
import { denseFromStored, packKernel, storedFromDense, unpackKernel } from '../plan/connectivity.js';
import { dcondQuantize, egDaleTheta } from '../plan/rules.js';
import { COUNTERS, COUNTER_COUNT, COUNTER_SLOT, type Counters, OP_WORDS, PHASE_ALWAYS, PHASE_LEARN, STATE, TESS, EPROP, EGDALE, EGX, OP, LIFX } from './abi.js';
import { heapBase, instantiateKernels, type KernelBuild, type Kernels } from './kernels.js';
import * as readouts from './readouts.js';

export interface RuntimeOptions {
  /** Kernel build: 'simd' (default) or 'scalar'. Both give bit-identical results. */
  build?: KernelBuild;
}

export interface RunOptions {
  /** Time (µs) of the start of step 0 of this call. Default 0. */
  startUs?: number;
  /** Steps to run. Default: up to and including the step of the last event. */
  steps?: number;
  /** Run the plasticity ops (PHASE_LEARN). Default false. */
  learn?: boolean;
}

export interface PopulationView {
  readonly layout: PopulationLayout;
  readonly v: Float32Array;
  readonly i: Float32Array;
  readonly refr: Int32Array;
  readonly b: Float32Array;
  readonly bias: Float32Array;
  readonly counts: Float32Array;
}

export class DisposedError extends NeuriteError {
  override readonly name = 'DisposedError';
  constructor() {
    super('this runtime was disposed');
  }
}

export class Runtime {
  readonly memory: WebAssembly.Memory;
  /** Absolute byte offset of the arena in memory (>= the module's __heap_base, 16-aligned). */
  readonly base: number;
  readonly pages: number;
  private kernels: Kernels | null;
  private readonly f32: Float32Array;
  private readonly i32: Int32Array;
  private readonly u32: Uint32Array;
  private readonly f64: Float64Array;
  private readonly u8: Uint8Array;
  private readonly nOps: number;

  constructor(
    readonly plan: Plan,
    readonly build: KernelBuild = 'simd',
  ) {
    this.base = Math.ceil(heapBase(build) / 16) * 16;
    this.pages = Math.ceil((this.base + plan.arenaBytes) / 65536);
    this.memory = new WebAssembly.Memory({ initial: this.pages, maximum: this.pages });
    this.kernels = instantiateKernels(build, this.memory);
    const buf = this.memory.buffer;
    this.f32 = new Float32Array(buf);
    this.i32 = new Int32Array(buf);
    this.u32 = new Uint32Array(buf);
    this.f64 = new Float64Array(buf);
    this.u8 = new Uint8Array(buf);
    this.nOps = plan.ops.length;
    this.writeParams();
    this.writeProgram();
    this.initWeights();
    this.resetState();
    const k = this.k;
    k.counters_bind(this.abs(plan.counters));
    k.rng_seed(this.abs(plan.prng), (plan.spec.seed ?? 1) >>> 0);
  }

  private get k(): Kernels {
    if (!this.kernels) throw new DisposedError();
    return this.kernels;
  }

  /** Arena-relative offset -> absolute byte offset. */
  abs(offset: number): number {
    return this.base + offset;
  }

  private writeParams(): void {
    for (const w of this.plan.paramWrites) {
      const a = this.abs(w.offset) >> 2;
      if (w.type === 'f32') this.f32[a] = w.value;
      else this.i32[a] = w.value;
    }
  }

  private writeProgram(): void {
    let p = this.abs(this.plan.program) >> 2;
    for (const op of this.plan.ops) {
      this.i32.fill(0, p, p + OP_WORDS);
      this.i32[p] = op.code;
      this.i32[p + 1] = op.phase;
      op.args.forEach((a, k) => (this.i32[p + 2 + k] = op.addr[k] ? this.abs(a) : a));
      p += OP_WORDS;
    }
  }

  /** Seeded weight initialisation (host PRNG twin; one stream per projection). */
  private initWeights(): void {
    const seed = (this.plan.spec.seed ?? 1) >>> 0;
    for (const pr of this.plan.projections) {
      const spec = this.plan.spec.projections[pr.index];
      const rng = new Xoshiro128((seed + Math.imul(0x9e3779b9, pr.index + 1)) >>> 0);
      // Connectivity structure (CSR indices, block masks, per-synapse delays) is written once.
      const cl = pr.connectivity;
      for (const b of cl?.init ?? []) this.u8.set(b.bytes, this.abs(b.offset));
      // Sparse and block-sparse draw one value per stored synapse (storage order), conv2d one per
      // tap of the natural kernel K[cOut][cIn][k][k]; dense ones [nIn][nOut] as always.
      const stored = cl !== null && cl.kind !== 'dense';
      const n = !stored ? pr.nIn * pr.nOut : cl.conv ? cl.conv.kernelLength : cl.valueCount;
      const values = new Float32Array(n);
      const init = spec.weights.init;
      if (init.kind === 'constant') values.fill(init.value);
      else {
        const span = Math.fround(init.high - init.low);
        for (let k = 0; k < n; k++) values[k] = Math.fround(init.low + Math.fround(span * rng.nextFloat()));
      }
      if (stored) this.f32.set(cl.conv ? packKernel(cl, values) : values, this.abs(cl.values) >> 2);
      else this.setWeights(pr.name, values);
    }
  }

  /**
   * Runs the network over one batch of events (sorted by time). Events are binned into steps of
   * dtMs starting at `startUs`; events before it, outside the sensor, or beyond the input buffer
   * within one step are counted in `eventsDropped`. Returns the number of steps run.
   */
  run(batch: EventBatch, opts: RunOptions = {}): number {
    const k = this.k;
    const plan = this.plan;
    const { width, height, polarity } = plan.spec.input;
    const split = polarity === 'split';
    const plane = width * height;
    const dtUs = plan.dtUs;
    const start = opts.startUs ?? 0;
    const n = batch.length;
    const total = opts.steps ?? (n > 0 ? Math.max(0, Math.floor((batch.t[n - 1] - start) / dtUs) + 1) : 0);
    if (!Number.isInteger(total) || total < 0) throw new UsageError(`run: steps must be a non-negative integer, got ${total}`);
    const phase = opts.learn ? PHASE_ALWAYS | PHASE_LEARN : PHASE_ALWAYS;
    const offBase = this.abs(plan.input.offsets) >> 2;
    const idxBase = this.abs(plan.input.indices) >> 2;
    const maxSteps = plan.input.maxSteps;
    const maxEvents = plan.input.maxEvents;
    const { t, x, y, p } = batch;
    const u32 = this.u32;
    let dropped = 0;
    let e = 0;
    while (e < n && t[e] < start) { e++; dropped++; }
    let stepBase = 0;
    while (stepBase < total) {
      let nSteps = Math.min(maxSteps, total - stepBase);
      let kEv = 0;
      u32[offBase] = 0;
      for (let s = 0; s < nSteps; s++) {
        const stepEnd = start + (stepBase + s + 1) * dtUs;
        const eAtStep = e;
        const droppedAtStep = dropped;
        let full = false;
        while (e < n && t[e] < stepEnd) {
          if (kEv === maxEvents) { full = true; break; }
          const xe = x[e];
          const ye = y[e];
          if (xe >= width || ye >= height) dropped++;
          else u32[idxBase + kEv++] = (split && p[e] === 1 ? plane : 0) + ye * width + xe;
          e++;
        }
        if (full) {
          if (s === 0) {
            // One step holds more events than the buffer: keep the first maxEvents, drop the rest.
            while (e < n && t[e] < stepEnd) { e++; dropped++; }
            u32[offBase + 1] = kEv;
            nSteps = 1;
          } else {
            // Leave this step's events for the next call.
            e = eAtStep;
            dropped = droppedAtStep;
            nSteps = s;
          }
          break;
        }
        u32[offBase + s + 1] = kEv;
      }
      k.net_run(this.abs(plan.program), this.nOps, nSteps, phase, this.abs(plan.clock));
      stepBase += nSteps;
    }
    dropped += n - e; // events after the last requested step
    if (dropped > 0) this.f64[(this.abs(plan.counters) >> 3) + COUNTER_SLOT.eventsDropped] += dropped;
    return total;
  }

  /** The network's rest state between samples: membranes at rest, currents, refractory
   *  counters, traces and spike counts zeroed; Izhikevich recovery variables at rest. Weights,
   *  adaptive LIF thresholds and the readout (learned state) are kept. */
  resetState(): void {
    for (const pop of this.plan.populations) {
      const s = this.abs(pop.state) >> 2;
      this.f32.fill(pop.rest.v, s, s + pop.nPad);
      this.f32.fill(0, s + pop.nPad, s + 3 * pop.nPad); // I, refr
      if (pop.rest.b !== null) this.f32.fill(pop.rest.b, s + STATE.B * pop.nPad, s + (STATE.B + 1) * pop.nPad);
      const c = this.abs(pop.counts) >> 2;
      this.f32.fill(0, c, c + pop.nPad);
      // The fixed-point LIF's i32 input accumulator (its margins region) starts empty.
      if (pop.stepOp === OP.LIF_I16) this.u8.fill(0, this.abs(pop.margins), this.abs(pop.margins) + Math.ceil(pop.size / 8) * 32);
    }
    for (const pr of this.plan.projections) {
      if (pr.preTrace !== null) this.f32.fill(0, this.abs(pr.preTrace) >> 2, (this.abs(pr.preTrace) >> 2) + Math.ceil(pr.nIn / 4) * 4);
      if (pr.postTrace !== null) this.f32.fill(0, this.abs(pr.postTrace) >> 2, (this.abs(pr.postTrace) >> 2) + Math.ceil(pr.nOut / 4) * 4);
      if (pr.eligibility !== null) this.f32.fill(0, this.abs(pr.eligibility) >> 2, (this.abs(pr.eligibility) >> 2) + pr.nIn * pr.nOut);
      for (const t of pr.extraTraces) this.f32.fill(0, this.abs(t.offset) >> 2, (this.abs(t.offset) >> 2) + Math.ceil(t.n / 4) * 4);
      for (const r of pr.ruleState?.resets ?? []) this.f32.fill(r.value, this.abs(r.offset) >> 2, (this.abs(r.offset) >> 2) + r.n);
      for (const b of pr.connectivity?.rest ?? []) this.u8.set(b.bytes, this.abs(b.offset)); // delay rings, STP u = U, x = 1
      if (pr.acc !== null) new Uint8Array(this.memory.buffer, this.abs(pr.acc), Math.ceil(pr.nOut / 4) * 4 * (pr.dtype === 'int8' ? 2 : 4)).fill(0);
    }
    if (this.plan.input.counts !== null) {
      const c = this.abs(this.plan.input.counts) >> 2;
      this.f32.fill(0, c, c + Math.ceil(this.plan.input.size / 4) * 4);
    }
    if (this.plan.readout) readouts.resetReadoutSample(this, this.plan.readout);
  }

  /**
   * Delivers a reward (the third factor) to every r-stdp projection, or to the named one:
   * w += learningRate * reward * e for every synapse. Pass reward minus a baseline (e.g. a
   * running mean of past rewards) so that expected rewards cause no drift.
   */
  deliverReward(reward: number, projection?: string): void {
    if (!Number.isFinite(reward)) throw new UsageError(`deliverReward: reward must be a finite number, got ${reward}`);
    const targets = this.plan.projections.filter((p) => p.rule === 'r-stdp' && (projection === undefined || p.name === projection));
    if (targets.length === 0) throw new UsageError(`deliverReward: no r-stdp projection${projection ? ` named "${projection}"` : ''} in model "${this.plan.spec.name}"`);
    for (const pr of targets) {
      this.k.elig_apply_f32(this.abs(pr.weights), this.abs(pr.eligibility!), pr.nIn, pr.nOut, 0, reward, this.abs(pr.eligParams!));
    }
  }

  private label: number | null = null;

  /**
   * The label of the sample about to run, for the rules that learn from one (tess and eprop read
   * it every step, tempotron at endSample); null = no label (those rules do not learn). Models without such
   * a rule ignore it, so the online learner can always call it (host/learn/online.ts).
   */
  setLabel(label: number | null): void {
    for (const pr of this.plan.projections) {
      const s = pr.ruleState;
      if (s === null || s.kind === 'hebb-signed' || s.kind === 'discrete-conductance') continue;
      if (label !== null && (!Number.isInteger(label) || label < 0 || label >= s.classes)) {
        throw new UsageError(`setLabel: projection "${pr.name}" (${s.kind}) takes labels 0..${s.classes - 1}, got ${label}`);
      }
      if (s.kind === 'tess') this.i32[(this.abs(s.params) >> 2) + TESS.LABEL] = label ?? -1;
      if (s.kind === 'eprop') this.i32[(this.abs(s.params) >> 2) + EPROP.LABEL] = label ?? -1;
      if (s.kind === 'eg-dale') this.i32[(this.abs(s.params) >> 2) + EGDALE.PARAM_SLOTS + EGX.LABEL] = label ?? -1;
    }
    this.label = label;
  }

  /**
   * End of a learning sample: the rules that learn once per sample (tempotron) update their
   * weights from what they tracked during the sample and the label given to setLabel. Returns the
   * number of neurons that decided wrongly (0 when no such rule or no label).
   */
  endSample(): number {
    let errors = 0;
    for (const pr of this.plan.projections) {
      const s = pr.ruleState;
      if (s === null || s.kind !== 'tempotron' || this.label === null) continue;
      const g = pr.nOut / s.classes;
      const t = this.abs(s.target) >> 2;
      for (let j = 0; j < pr.nOut; j++) this.i32[t + j] = Math.floor(j / g) === this.label ? 1 : 0;
      errors += this.k.tempotron_learn_f32(this.abs(pr.weights), this.abs(s.elig), pr.nIn, pr.nOut, this.abs(s.vmax), this.abs(s.target), this.abs(s.err), this.abs(s.params));
    }
    return errors;
  }

  /** Teacher current for supervised populations: `label` drives its class group, null clears. */
  setTeacher(label: number | null): void {
    for (const pop of this.plan.populations) {
      const tch = pop.teacher;
      if (!tch) continue;
      const bias = this.population(pop.name).bias;
      if (label === null) { bias.fill(0); continue; }
      if (!Number.isInteger(label) || label < 0 || label >= tch.classes) {
        throw new UsageError(`teacher label must be an integer in 0..${tch.classes - 1}, got ${label}`);
      }
      const g = pop.size / tch.classes;
      bias.fill(-tch.suppress);
      bias.fill(tch.current, label * g, (label + 1) * g);
    }
  }

  private requireReadout() {
    const r = this.plan.readout;
    if (!r) throw new UsageError(`model "${this.plan.spec.name}" has no readout`);
    return r;
  }

  /**
   * Predicts the class of the sample just run (see host/runtime/readouts.ts for each rule); -1
   * when an ncm or hopfield readout has not learned anything yet.
   */
  readoutPredict(): number {
    return readouts.readoutPredict(this, this.k, this.requireReadout());
  }

  /**
   * One online learning step towards `label` (delta rule with its controls, a running class mean,
   * a one-shot Hopfield store, or a gated Hebbian step with target one-hot(label)); returns the
   * prediction made before the update. `learningRate` overrides the spec's (delta, gated-hebb).
   * With readout.homeostasis and no `learningRate`, the delta rule steps at the homeostatic rate,
   * and this step's mistake updates that rate (and may forget part of the weights) afterwards.
   */
  readoutLearn(label: number, learningRate?: number): number {
    const r = this.requireReadout();
    this.checkLabel(r.nClass, label);
    return readouts.readoutLearn(this, this.k, r, label, learningRate);
  }

  /** One step of the readout's gain/threshold modes towards `label`, every weight frozen (readout.modes). */
  readoutAdaptModes(label: number): number {
    const r = this.requireReadout();
    this.checkLabel(r.nClass, label);
    return readouts.readoutAdaptModes(this, this.k, r, label);
  }

  /** The gated Hebbian readout's step with an explicit target and attention gate (null = all outputs). */
  readoutLearnGated(target: ArrayLike<number>, gate: ArrayLike<number> | null = null, learningRate?: number): number {
    return readouts.readoutLearnGated(this, this.k, this.requireReadout(), target, gate, learningRate);
  }

  /** The homeostatic learning-rate state (readout.homeostasis): the rate the next readoutLearn uses, the running errors, the last surprise. */
  readoutRateState(): { eta: number; fast: number; slow: number; surprise: number } {
    return readouts.readoutRateState(this, this.requireReadout());
  }

  /** Forgets what the readout learned (weights, class means, stored patterns, CLASSP sums; modes to 1 and 0). */
  resetReadout(): void {
    readouts.resetReadout(this, this.requireReadout());
  }

  /** A copy of the readout's learned state, for setReadoutState (e.g. one mode per task). */
  readoutState(): Uint8Array {
    this.requireReadout();
    return readouts.readoutState(this);
  }

  setReadoutState(state: Uint8Array): void {
    this.requireReadout();
    readouts.setReadoutState(this, state);
  }

  /** Live views of the readout's per-neuron gains and thresholds (readout.modes). */
  readoutModes(): { gain: Float32Array; threshold: Float32Array } {
    const r = this.requireReadout();
    if (!r.modes) throw new UsageError(`the readout of model "${this.plan.spec.name}" has no modes`);
    return { gain: new Float32Array(this.memory.buffer, this.abs(r.modes.gain), r.nFeat), threshold: new Float32Array(this.memory.buffer, this.abs(r.modes.threshold), r.nFeat) };
  }

  /** The pattern the Hopfield readout's last retrieval returned (sum_k p_k xi_k), a copy. */
  readoutRetrieved(): Float32Array {
    const r = this.requireReadout();
    if (!r.hopfield) throw new UsageError(`the readout of model "${this.plan.spec.name}" is not a hopfield readout`);
    return this.f32.slice(this.abs(r.hopfield.retrieved) >> 2, (this.abs(r.hopfield.retrieved) >> 2) + r.nFeat);
  }

  private checkLabel(nClass: number, label: number): void {
    if (!Number.isInteger(label) || label < 0 || label >= nClass) {
      throw new UsageError(`label must be an integer in 0..${nClass - 1}, got ${label}`);
    }
  }

  readoutScores(): Float32Array {
    const r = this.requireReadout();
    return this.f32.slice(this.abs(r.scores) >> 2, (this.abs(r.scores) >> 2) + r.nClass);
  }

  /** Live views of a fixed-point ('lif-i16') population's int16 state, and its spike counts. */
  populationI16(name: string): { v: Int16Array; i: Int16Array; refr: Int16Array; bias: Int16Array; counts: Float32Array } {
    const layout = this.plan.populations.find((p) => p.name === name);
    if (!layout || layout.stepOp !== OP.LIF_I16) throw new UsageError(`no "lif-i16" population "${name}"`);
    const stride = Math.ceil(layout.size / 8) * 8;
    const at = (k: number) => new Int16Array(this.memory.buffer, this.abs(layout.state) + k * stride * 2, layout.size);
    return { v: at(LIFX.STATE_V), i: at(LIFX.STATE_I), refr: at(LIFX.STATE_REFR), bias: at(LIFX.STATE_BIAS), counts: new Float32Array(this.memory.buffer, this.abs(layout.counts), layout.size) };
  }

  /** Live views of a population's state (valid for the runtime's life). */
  population(name: string): PopulationView {
    const layout = this.plan.populations.find((p) => p.name === name);
    if (!layout) throw new UsageError(`no population "${name}" (have: ${this.plan.populations.map((p) => p.name).join(', ')})`);
    if (layout.stepOp === OP.LIF_I16) {
      // Fixed-point state is int16 (populationI16); the f32 views are empty, the counts are live.
      const none = new Float32Array(0);
      return { layout, v: none, i: none, refr: new Int32Array(0), b: none, bias: none, counts: new Float32Array(this.memory.buffer, this.abs(layout.counts), layout.size) };
    }
    const n = layout.size;
    const s = this.abs(layout.state);
    const arr = (which: number) => s + which * layout.nPad * 4;
    const buf = this.memory.buffer;
    return {
      layout,
      v: new Float32Array(buf, arr(STATE.V), n),
      i: new Float32Array(buf, arr(STATE.I), n),
      refr: new Int32Array(buf, arr(STATE.REFR), n),
      b: new Float32Array(buf, arr(STATE.B), n),
      bias: new Float32Array(buf, arr(STATE.BIAS), n),
      counts: new Float32Array(buf, this.abs(layout.counts), n),
    };
  }

  projection(name: string): ProjectionLayout {
    const pr = this.plan.projections.find((q) => q.name === name);
    if (!pr) throw new UsageError(`no projection "${name}" (have: ${this.plan.projections.map((q) => q.name).join(', ')})`);
    return pr;
  }

  /** Live view of a projection's stored weights, in its layout ([nIn][nOut] for pre-major,
   *  [nOut][nIn] for post-major): f32, int8 or int16. weightsF32() gives [nIn][nOut] always.
   *  Other connectivity kinds (host/plan/connectivity.ts) expose their stored f32 values: sparse
   *  the CSR values vals[nnz] (rows = sources in order, columns ascending), block-sparse the
   *  active blocks Wb[slot][B_in][B_out] (slot order; the live mask decides where they sit),
   *  conv2d the packed kernel (use convKernel() for K[cOut][cIn][k][k]). */
  weights(name: string): Float32Array | Int8Array | Int16Array {
    const pr = this.projection(name);
    const n = pr.connectivity !== null ? pr.connectivity.valueCount : pr.nIn * pr.nOut;
    const buf = this.memory.buffer;
    const at = this.abs(pr.weights);
    return pr.dtype === 'f32' ? new Float32Array(buf, at, n) : pr.dtype === 'int8' ? new Int8Array(buf, at, n) : new Int16Array(buf, at, n);
  }

  /** The weights as real values, [nIn][nOut] whatever the layout; integer weights dequantised. */
  weightsF32(name: string): Float32Array {
    const pr = this.projection(name);
    const w = this.weights(name);
    const cl = pr.connectivity;
    if (cl !== null && cl.kind !== 'dense') {
      // Absent synapses are 0; a conv2d projection gives the equivalent dense matrix.
      return denseFromStored(cl, pr.nIn, pr.nOut, w as Float32Array, this.blockMask(pr), cl.conv ? this.convKernel(name) : null);
    }
    if (pr.layout === 'post-major') return transpose(w as Float32Array, pr.nOut, pr.nIn);
    if (pr.dtype === 'f32') return Float32Array.from(w);
    const scale = new Float32Array(this.memory.buffer, this.abs(pr.scale!), pr.nOut);
    const out = new Float32Array(w.length);
    for (let i = 0; i < pr.nIn; i++) for (let j = 0; j < pr.nOut; j++) out[i * pr.nOut + j] = w[i * pr.nOut + j] * scale[j];
    return out;
  }

  /** Sets a projection's weights from real values; integer weights are quantised per target neuron. */
  setWeights(name: string, values: Float32Array): void {
    const pr = this.projection(name);
    const cl = pr.connectivity;
    if (cl?.conv) throw new UsageError(`setWeights(${name}): a conv2d projection shares one kernel; use setConvKernel()`);
    if (values.length !== pr.nIn * pr.nOut) throw new UsageError(`setWeights(${name}): expected ${pr.nIn * pr.nOut} values, got ${values.length}`);
    if (cl !== null && cl.kind !== 'dense') {
      // Only existing synapses are stored: a non-zero value elsewhere would be lost, so refuse it.
      const stored = this.weights(name) as Float32Array;
      const next = new Float32Array(stored.length);
      const bad = storedFromDense(cl, pr.nIn, pr.nOut, values, this.blockMask(pr), next);
      if (bad >= 0) {
        throw new UsageError(`setWeights(${name}): [${Math.floor(bad / pr.nOut)}][${bad % pr.nOut}] = ${values[bad]} is not 0 but has no synapse in this ${cl.kind} projection`);
      }
      stored.set(next);
      return;
    }
    if (pr.ruleState?.kind === 'eg-dale') {
      // Dale's law: store log-magnitudes, derive w = s_i clip(exp(theta)) with the kernels' exp.
      const pl = this.plan.spec.projections[pr.index].plasticity as EgDaleSpec;
      const s = pr.ruleState;
      this.f32.set(egDaleTheta(pl, values), this.abs(s.theta) >> 2);
      this.k.egdale_sync_f32(this.abs(pr.weights), this.abs(s.theta), pr.nIn, pr.nOut, this.abs(s.sign), this.abs(s.params));
      return;
    }
    if (pr.ruleState?.kind === 'discrete-conductance') {
      // Devices hold levels: every weight is put on its device's nearest level (rules.ts).
      const d = dcondQuantize(pr.ruleState, values);
      this.u8.set(d.level, this.abs(pr.ruleState.level));
      this.f32.set(d.gain, this.abs(pr.ruleState.gain) >> 2);
      this.f32.set(d.w, this.abs(pr.weights) >> 2);
      return;
    }
    if (pr.dtype === 'f32') {
      this.f32.set(pr.layout === 'post-major' ? transpose(values, pr.nIn, pr.nOut) : values, this.abs(pr.weights) >> 2);
      return;
    }
    if (pr.qStep !== null) {
      // A learning int8 projection keeps one fixed step for all targets (see stdp_i8.ts); int16
      // weights into a fixed-point LIF are integer LSB (step 1).
      const s = Math.fround(pr.qStep);
      const qmax = pr.dtype === 'int16' ? 32767 : 127;
      const q = this.weights(name) as Int8Array | Int16Array;
      for (let k = 0; k < values.length; k++) q[k] = Math.max(-qmax, Math.min(qmax, Math.round(values[k] / s)));
      this.f32.fill(s, this.abs(pr.scale!) >> 2, (this.abs(pr.scale!) >> 2) + pr.nOut);
      return;
    }
    const { q, scale } = quantizePerOutput(values, pr.nIn, pr.nOut, pr.dtype === 'int8' ? 127 : 32767);
    (this.weights(name) as Int8Array | Int16Array).set(q);
    this.f32.set(scale, this.abs(pr.scale!) >> 2);
  }

  /** The shared kernel K[cOut][cIn][k][k] of a conv2d projection (a copy). */
  convKernel(name: string): Float32Array {
    const pr = this.projection(name);
    if (!pr.connectivity?.conv) throw new UsageError(`convKernel(${name}): not a conv2d projection`);
    return unpackKernel(pr.connectivity, this.weights(name) as Float32Array);
  }

  /** Sets the shared kernel K[cOut][cIn][k][k] of a conv2d projection. */
  setConvKernel(name: string, kernel: Float32Array): void {
    const pr = this.projection(name);
    const cl = pr.connectivity;
    if (!cl?.conv) throw new UsageError(`setConvKernel(${name}): not a conv2d projection`);
    if (kernel.length !== cl.conv.kernelLength) throw new UsageError(`setConvKernel(${name}): expected ${cl.conv.kernelLength} values (cOut x cIn x k x k), got ${kernel.length}`);
    (this.weights(name) as Float32Array).set(packKernel(cl, kernel));
  }

  /** Live block mask (slot of each ensemble pair, -1 = none) of a block-sparse projection, else null. */
  private blockMask(pr: ProjectionLayout): Int32Array | null {
    const b = pr.connectivity?.block;
    return b ? new Int32Array(this.memory.buffer, this.abs(b.slotOf), b.gIn * b.gOut) : null;
  }

  /** Live view of the readout weights ([nFeat][nClass] row-major; hopfield: the patterns [nFeat][slots]). */
  readoutWeights(): Float32Array {
    const r = this.requireReadout();
    return new Float32Array(this.memory.buffer, this.abs(r.weights), r.nFeat * (r.hopfield ? r.hopfield.slots : r.nClass));
  }

  /** Live view of the readout features (spike counts of the sample so far). */
  features(): Float32Array {
    const r = this.requireReadout();
    return new Float32Array(this.memory.buffer, this.abs(r.features), r.nFeat);
  }

  /** Steps run since creation (persisted in checkpoints). */
  get stepCount(): number {
    return this.f64[this.abs(this.plan.clock) >> 3];
  }

  counters(): Counters {
    const c = this.abs(this.plan.counters) >> 3;
    const out = {} as Counters;
    COUNTERS.forEach((d, i) => (out[d.key] = this.f64[c + i]));
    return out;
  }

  resetCounters(): void {
    const c = this.abs(this.plan.counters) >> 3;
    this.f64.fill(0, c, c + COUNTER_COUNT);
  }

  /** Raw bytes of a region (live view). */
  regionBytes(region: Region): Uint8Array {
    return new Uint8Array(this.memory.buffer, this.abs(region.offset), region.bytes);
  }

  /** Total bytes of the instance's memory (module data + arena, whole pages). */
  get memoryBytes(): number {
    return this.memory.buffer.byteLength;
  }

  get kernelsForTesting(): Kernels {
    return this.k;
  }

  get disposed(): boolean {
    return this.kernels === null;
  }

  dispose(): void {
    this.kernels = null;
  }
}

/** Transpose of a row-major [rows][cols] matrix. */
export function transpose(m: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = m[r * cols + c];
  return out;
}

/**
 * Per-output-neuron symmetric quantisation: scale_j = max_i |w_ij| / qmax, q = round(w / scale)
 * (qmax 127 for int8, 32767 for int16). "Per row" in the sense of the output neuron's weight
 * vector, as per-channel quantisation in TFLite Micro.
 */
export function quantizePerOutput(w: Float32Array, nIn: number, nOut: number, qmax = 127): { q: Int8Array | Int16Array; scale: Float32Array } {
  const scale = new Float32Array(nOut);
  for (let j = 0; j < nOut; j++) {
    let m = 0;
    for (let i = 0; i < nIn; i++) m = Math.max(m, Math.abs(w[i * nOut + j]));
    scale[j] = m > 0 ? m / qmax : 1;
  }
  const q = qmax <= 127 ? new Int8Array(nIn * nOut) : new Int16Array(nIn * nOut);
  for (let i = 0; i < nIn; i++) {
    for (let j = 0; j < nOut; j++) q[i * nOut + j] = Math.max(-qmax, Math.min(qmax, Math.round(w[i * nOut + j] / scale[j])));
  }
  return { q, scale };
}
