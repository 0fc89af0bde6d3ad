/**
 * What a gateway shares with its fleet: the learned readout (the part of the model that maps the
 * frozen spiking features to classes), the per-class number of samples it learned from, a version
 * and the identity of the model it belongs to, and how several such states merge into one.
 *
 * Two readout kinds, behind one small interface (ReadoutAccess):
 *  - 'delta': the delta-rule (normalised LMS) readout weights W [nFeat][nClass]. The gateway
 *    counts the labelled samples it learned from itself (the runtime does not).
 *  - 'ncm': nearest-class-mean prototypes MU [nFeat][nClass] with the per-class counts the
 *    kernel keeps next to them (assembly/readout/ncm.ts, host/reference/ncm.ts).
 *
 * Merge rule (sample-weighted averaging; docs/fleet.md explains why):
 *  - ncm, per class c:  mu_c = sum_g n_gc * mu_gc / sum_g n_gc. Class means of disjoint sample
 *    sets combine exactly like this, so the merged prototypes are the prototypes of one learner
 *    that saw all the fleet's samples (up to rounding).
 *  - delta, whole matrix: W = sum_g N_g * W_g / sum_g N_g with N_g = sum_c n_gc (federated
 *    averaging). Per-class weighting would throw away what a gateway learned about classes it
 *    never saw as targets (their columns learn to stay low on its own classes), which is what
 *    keeps the classes of different gateways apart.
 * Each gateway publishes its OWN contribution with its own sample counts only (for ncm, its live
 * prototypes with the merged peers taken back out), so no sample is counted twice however often
 * states go round the fleet; and merging the same peer versions again is a no-op (see the two
 * ReadoutAccess implementations for how each kind achieves that).
 */
import { createHash } from 'node:crypto';
import { canonicalJson } from '../spec/canonical.js';
import type { ModelSpec } from '../spec/types.js';
import type { Runtime } from '../runtime/runtime.js';
import { UsageError } from '../errors.js';
import { FleetMismatchError } from './errors.js';

export type ReadoutKind = 'delta' | 'ncm';

export interface ReadoutState {
  readonly kind: ReadoutKind;
  readonly nFeat: number;
  readonly nClass: number;
  /** [nFeat][nClass] row-major: delta weights or ncm prototypes. */
  readonly values: Float32Array;
  /** Samples per class that THIS state's sender learned from itself (not merged-in ones). */
  readonly counts: Float64Array;
}

/** What a merge did: the merged readout and how much it moved the live one. */
export interface MergeResult extends ReadoutState {
  /** max |new - old| / max |new| over the live values (0 when nothing changed). */
  readonly change: number;
}

/** Relative size of the largest change from `before` to `after` (see MergeResult.change). */
export function relativeChange(before: ArrayLike<number>, after: ArrayLike<number>): number {
  let d = 0;
  let m = 0;
  for (let k = 0; k < after.length; k++) {
    d = Math.max(d, Math.abs(after[k] - before[k]));
    m = Math.max(m, Math.abs(after[k]));
  }
  return m > 0 ? d / m : d;
}

/** A peer's state as a readout merges it: the readout plus who sent it and which version. */
export interface PeerState extends ReadoutState {
  readonly sender: string;
  /** Increases with every publish of a sender; older or equal versions are ignored. */
  readonly version: number;
}

/** A state as it travels: a peer state plus the identity of the model it belongs to. */
export interface FleetState extends PeerState {
  /** SHA-256 of the canonical model spec (specHash). */
  readonly specHash: Uint8Array;
  readonly abiVersion: number;
  /** Sender's clock at publish time (ms since epoch), for logs only. */
  readonly publishedAtMs: number;
}

/**
 * SHA-256 of the canonical spec (keys sorted at every level, the gateway's canonicalJson, so
 * equal specs hash equally whatever their key order). Gateways merge only states of the identical model (same layers,
 * seed, readout): features of another model mean something else, so averaging would be noise.
 */
export function specHash(spec: ModelSpec): Uint8Array {
  return new Uint8Array(createHash('sha256').update(canonicalJson(spec)).digest());
}

export const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

/** Throws FleetMismatchError unless `s` can be merged into a readout of this kind and shape. */
export function checkCompatible(s: FleetState, ours: { kind: ReadoutKind; nFeat: number; nClass: number; specHash: Uint8Array; abiVersion: number }): void {
  if (s.abiVersion !== ours.abiVersion) throw new FleetMismatchError(s.sender, 'abiVersion', String(s.abiVersion), String(ours.abiVersion));
  if (hex(s.specHash) !== hex(ours.specHash)) throw new FleetMismatchError(s.sender, 'specHash', hex(s.specHash).slice(0, 16), hex(ours.specHash).slice(0, 16));
  if (s.kind !== ours.kind) throw new FleetMismatchError(s.sender, 'kind', s.kind, ours.kind);
  if (s.nFeat !== ours.nFeat || s.nClass !== ours.nClass) {
    throw new FleetMismatchError(s.sender, 'shape', `${s.nFeat}x${s.nClass}`, `${ours.nFeat}x${ours.nClass}`);
  }
}

const total = (c: Float64Array): number => c.reduce((a, b) => a + b, 0);

/**
 * Sample-weighted average of same-kind, same-shape states (the rule in the header). States with
 * no samples carry no weight; if no state has any, the first state's values are returned.
 * Sums are taken in f64 and rounded to f32 once.
 */
export function mergeStates(states: readonly ReadoutState[]): ReadoutState {
  if (states.length === 0) throw new UsageError('mergeStates needs at least one state');
  const { kind, nFeat, nClass } = states[0];
  for (const s of states) {
    if (s.kind !== kind || s.nFeat !== nFeat || s.nClass !== nClass) {
      throw new UsageError(`mergeStates: cannot merge a ${s.kind} ${s.nFeat}x${s.nClass} state with a ${kind} ${nFeat}x${nClass} one`);
    }
  }
  const counts = new Float64Array(nClass);
  for (const s of states) for (let c = 0; c < nClass; c++) counts[c] += s.counts[c];
  const acc = new Float64Array(nFeat * nClass);
  const values = new Float32Array(nFeat * nClass);
  if (kind === 'ncm') {
    for (const s of states) {
      for (let f = 0; f < nFeat; f++) {
        for (let c = 0; c < nClass; c++) if (s.counts[c] > 0) acc[f * nClass + c] += s.counts[c] * s.values[f * nClass + c];
      }
    }
    for (let f = 0; f < nFeat; f++) for (let c = 0; c < nClass; c++) values[f * nClass + c] = counts[c] > 0 ? acc[f * nClass + c] / counts[c] : 0;
    return { kind, nFeat, nClass, values, counts };
  }
  const weights = states.map((s) => total(s.counts));
  const sum = weights.reduce((a, b) => a + b, 0);
  if (sum === 0) return { kind, nFeat, nClass, values: Float32Array.from(states[0].values), counts };
  states.forEach((s, g) => {
    if (weights[g] === 0) return;
    for (let k = 0; k < acc.length; k++) acc[k] += weights[g] * s.values[k];
  });
  for (let k = 0; k < acc.length; k++) values[k] = acc[k] / sum;
  return { kind, nFeat, nClass, values, counts };
}

/**
 * A gateway's live readout as the fleet client sees it: what to publish (its own contribution)
 * and how to take in the fleet's states. Methods may answer asynchronously (a readout that lives
 * in a worker thread, host/fleet/gateway.ts).
 */
export interface ReadoutAccess {
  readonly kind: ReadoutKind;
  readonly nFeat: number;
  readonly nClass: number;
  /** This gateway's own contribution (values to publish, own sample counts), a copy. */
  contribution(): ReadoutState | Promise<ReadoutState>;
  /** Replaces the live readout by the merge of the own contribution and the peers' newest states. */
  merge(peers: readonly PeerState[]): MergeResult | Promise<MergeResult>;
  /** Total samples this gateway learned itself (changes mean there is something new to publish). */
  ownSamples(): number | Promise<number>;
}

/**
 * The delta readout's merge step (see DeltaReadoutAccess): the new live weights, or null when no
 * peer sent a version not yet merged. `merged` (sender -> version) is updated.
 */
export function mergeDeltaOnce(live: Float32Array, ownSamples: number, peers: readonly PeerState[], merged: Map<string, number>): Float32Array | null {
  const changed = peers.filter((p) => merged.get(p.sender) !== p.version);
  let nLive = ownSamples;
  for (const p of peers) if (!changed.includes(p)) nLive += total(p.counts);
  const weights = changed.map((p) => total(p.counts));
  const sum = nLive + weights.reduce((a, b) => a + b, 0);
  for (const p of changed) merged.set(p.sender, p.version);
  if (changed.length === 0 || sum === 0) return null;
  const next = new Float32Array(live.length);
  for (let q = 0; q < live.length; q++) {
    let acc = nLive * live[q];
    changed.forEach((p, i) => (acc += weights[i] * p.values[q]));
    next[q] = acc / sum;
  }
  return next;
}

/** Own counts plus every peer's: the samples a merged readout stands for. */
export function fleetCounts(own: ArrayLike<number>, peers: readonly ReadoutState[]): Float64Array {
  const counts = Float64Array.from(own);
  for (const p of peers) for (let c = 0; c < counts.length; c++) counts[c] += p.counts[c];
  return counts;
}

/** Copies of the peer states a live readout was last merged with. */
function snapshot(peers: readonly PeerState[]): PeerState[] {
  return peers.map((p) => ({ kind: p.kind, nFeat: p.nFeat, nClass: p.nClass, values: Float32Array.from(p.values), counts: Float64Array.from(p.counts), sender: p.sender, version: p.version }));
}

/**
 * The fleet's view of a runtime's readout: the delta rule's weights or the NCM prototypes with
 * the kernel's class counts (live arena views). The other rules (Hopfield patterns, gated Hebbian
 * traces) are not averages of anything and cannot be merged by sample weight.
 */
export function runtimeReadoutAccess(rt: Runtime): DeltaReadoutAccess | NcmReadoutAccess {
  const r = rt.plan.readout;
  if (!r) throw new UsageError(`model "${rt.plan.spec.name}" has no readout to share with a fleet`);
  if (r.rule === 'delta') return new DeltaReadoutAccess(rt);
  if (r.rule === 'ncm' && r.ncm) {
    return new NcmReadoutAccess(rt.readoutWeights(), new Int32Array(rt.memory.buffer, rt.abs(r.ncm.counts), r.nClass), r.nFeat, r.nClass);
  }
  throw new UsageError(`readout rule "${r.rule}" of model "${rt.plan.spec.name}" cannot be merged by a fleet (only "delta" and "ncm")`);
}

/**
 * The delta readout of a Runtime. The runtime does not count samples, so learning goes through
 * learn() (or, for a loop that calls rt.readoutLearn itself, record()).
 *
 * Its contribution is the live weights with the own sample count. Merging is federated averaging
 * in which every peer state is merged ONCE: a peer version already merged lives on inside the
 * live weights, so the next merge weighs the live weights by the samples they stand for (own +
 * peers whose version did not change) against the peers that sent something new:
 *   W <- (N_live * W + sum_{changed p} N_p * W_p) / (N_live + sum_{changed p} N_p)
 * With every peer changed (one round) this is plain federated averaging; with none changed it is
 * a no-op, so re-reading the same retained states (a reconnect) does not pull the readout back
 * towards old peer states it has already absorbed.
 */
export class DeltaReadoutAccess implements ReadoutAccess {
  readonly kind = 'delta' as const;
  readonly nFeat: number;
  readonly nClass: number;
  private readonly counts: Float64Array;
  /** Sender -> version of the peer states merged so far. */
  private readonly mergedPeers = new Map<string, number>();

  constructor(readonly rt: Runtime) {
    const r = rt.plan.readout;
    if (!r) throw new UsageError(`model "${rt.plan.spec.name}" has no readout to share with a fleet`);
    if (r.rule !== 'delta') throw new UsageError(`DeltaReadoutAccess: model "${rt.plan.spec.name}" has a "${r.rule}" readout (use runtimeReadoutAccess)`);
    this.nFeat = r.nFeat;
    this.nClass = r.nClass;
    this.counts = new Float64Array(r.nClass);
  }

  /** One delta-rule step on the sample just run (rt.readoutLearn), counted. Returns the prediction made before it. */
  learn(label: number, learningRate?: number): number {
    const pred = this.rt.readoutLearn(label, learningRate);
    this.counts[label]++;
    return pred;
  }

  /** Counts samples learned by a loop that called rt.readoutLearn directly. */
  record(label: number, n = 1): void {
    if (!Number.isInteger(label) || label < 0 || label >= this.nClass) throw new UsageError(`label must be an integer in 0..${this.nClass - 1}, got ${label}`);
    this.counts[label] += n;
  }

  /** The own per-class sample counts (to persist next to a checkpoint). */
  ownCounts(): Float64Array {
    return Float64Array.from(this.counts);
  }

  /** Restores the own counts (e.g. after loading a checkpoint). */
  setCounts(counts: ArrayLike<number>): void {
    if (counts.length !== this.nClass) throw new UsageError(`setCounts: expected ${this.nClass} counts, got ${counts.length}`);
    this.counts.set(counts);
  }

  ownSamples(): number {
    return total(this.counts);
  }

  contribution(): ReadoutState {
    return { kind: 'delta', nFeat: this.nFeat, nClass: this.nClass, values: Float32Array.from(this.rt.readoutWeights()), counts: Float64Array.from(this.counts) };
  }

  merge(peers: readonly PeerState[]): MergeResult {
    const live = this.rt.readoutWeights();
    const next = mergeDeltaOnce(live, this.ownSamples(), peers, this.mergedPeers);
    const change = next ? relativeChange(live, next) : 0;
    if (next) live.set(next);
    return { kind: 'delta', nFeat: this.nFeat, nClass: this.nClass, values: Float32Array.from(live), counts: fleetCounts(this.counts, peers), change };
  }
}

/**
 * Nearest-class-mean prototypes over live views (the arena's MU and per-class counts, or host
 * arrays updated with host/reference/ncm.ts). After a merge the live prototypes and counts are the
 * fleet's union, so later updates (mu += (x - mu) / n) keep them the exact running mean of all
 * samples; the own contribution is recovered by taking the merged peers back out.
 */
export class NcmReadoutAccess implements ReadoutAccess {
  readonly kind = 'ncm' as const;
  private mergedPeers: PeerState[] = [];

  constructor(
    private readonly mu: Float32Array,
    private readonly liveCounts: Int32Array,
    readonly nFeat: number,
    readonly nClass: number,
  ) {
    if (mu.length !== nFeat * nClass || liveCounts.length !== nClass) {
      throw new UsageError(`NcmReadoutAccess: prototypes of ${mu.length} values and ${liveCounts.length} counts do not fit ${nFeat} features x ${nClass} classes`);
    }
  }

  private ownCounts(): Float64Array {
    const n = Float64Array.from(this.liveCounts);
    for (const p of this.mergedPeers) for (let c = 0; c < this.nClass; c++) n[c] -= p.counts[c];
    for (let c = 0; c < this.nClass; c++) n[c] = Math.max(0, n[c]);
    return n;
  }

  ownSamples(): number {
    return total(this.ownCounts());
  }

  /**
   * The live prototypes with the peers merged last time taken back out (the inverse of
   * mergeStates for one member): own_c = (n_live,c * mu_c - sum_p n_p,c * mu_p,c) / n_own,c.
   * Merging it with unchanged peers gives the live prototypes back (up to rounding), so merging
   * twice changes nothing.
   */
  contribution(): ReadoutState {
    const { nFeat, nClass, mu } = this;
    const counts = this.ownCounts();
    const values = new Float32Array(nFeat * nClass);
    for (let c = 0; c < nClass; c++) {
      if (counts[c] === 0) continue;
      for (let f = 0; f < nFeat; f++) {
        const q = f * nClass + c;
        let sum = this.liveCounts[c] * mu[q];
        for (const p of this.mergedPeers) sum -= p.counts[c] * p.values[q];
        values[q] = sum / counts[c];
      }
    }
    return { kind: 'ncm', nFeat, nClass, values, counts };
  }

  merge(peers: readonly PeerState[]): MergeResult {
    const merged = mergeStates([this.contribution(), ...peers]);
    const change = relativeChange(this.mu, merged.values);
    this.mu.set(merged.values);
    for (let c = 0; c < this.nClass; c++) this.liveCounts[c] = merged.counts[c];
    this.mergedPeers = snapshot(peers);
    return { ...merged, change };
  }
}
