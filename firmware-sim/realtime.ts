/**
 * The real-time model: events arrive at their timestamps, are binned into the network's steps,
 * wait in a bounded input queue, and the simulated core processes one step after another at its
 * clock. A step can start when its time window has closed and the core is free. When a closing
 * window would overflow the queue, events are dropped by the policy; a step that finishes later
 * than its window's end plus the deadline is a deadline miss. Nothing silently slows down: the
 * report says how many events were dropped and how many steps were late.
 *
 * Cost of a step (cycles) = fixed + perEvent x events of the step, where the two numbers come
 * from the device's cycle estimate of the profiled workload (profile.ts): the counter classes
 * driven by input events (synaptic ops, delivered events) make the per-event part, everything
 * else (neuron updates, trace decays, weight updates, kernel calls) is spread evenly over the
 * steps. Both passes of the on-device learning loop (prediction, then plasticity) are charged to
 * the step, as if the device ran them back to back on each step's events.
 */
import type { EventBatch } from '../host/events/types.js';

export type DropPolicy = 'drop-newest' | 'drop-oldest';

export interface RealTimeOptions {
  readonly mhz: number;
  readonly dtUs: number;
  /** Queue capacity in events (default: the Plan's input buffer). */
  readonly queueEvents: number;
  readonly policy?: DropPolicy;
  /** A step must finish within this long after its window closes (default one step). */
  readonly deadlineUs?: number;
  /** Cycles per step independent of events, and per delivered event. */
  readonly fixedCyclesPerStep: number;
  readonly cyclesPerEvent: number;
}

export interface RealTimeReport {
  readonly policy: DropPolicy;
  readonly queueEvents: number;
  readonly deadlineUs: number;
  readonly events: number;
  readonly dropped: number;
  readonly steps: number;
  readonly deadlineMisses: number;
  readonly queueHighWater: number;
  /** Busy time / stream time. */
  readonly cpuLoad: number;
  /** Latency from an event's timestamp to the end of its step's processing, µs. */
  readonly latencyUs: { readonly p50: number; readonly p95: number; readonly p99: number; readonly max: number };
  readonly keepsUp: boolean;
}

function percentile(sorted: Float64Array, q: number): number {
  if (sorted.length === 0) return 0;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[i];
}

/** Simulates one event stream (one or more samples back to back). */
export function simulateRealTime(batches: readonly EventBatch[], o: RealTimeOptions): RealTimeReport {
  const policy = o.policy ?? 'drop-newest';
  const deadline = o.deadlineUs ?? o.dtUs;
  const usPerCycle = 1 / o.mhz;
  // Concatenate the samples on one time line.
  const times: number[] = [];
  let offset = 0;
  for (const b of batches) {
    const n = b.length;
    if (n === 0) continue;
    for (let i = 0; i < n; i++) times.push(offset + b.t[i]);
    offset += b.t[n - 1] + o.dtUs;
  }
  const end = offset;
  const nSteps = Math.max(1, Math.ceil(end / o.dtUs));
  const perStep = new Int32Array(nSteps);
  for (const t of times) perStep[Math.min(nSteps - 1, Math.floor(t / o.dtUs))]++;

  // Queue of steps waiting (their kept events and the kept events' timestamps).
  interface Pending { step: number; events: number[] }
  const queue: Pending[] = [];
  let queued = 0;
  let highWater = 0;
  let dropped = 0;
  let misses = 0;
  let coreFree = 0;
  let busy = 0;
  const latencies: number[] = [];
  let ev = 0;
  const process = (upTo: number) => {
    // Run queued steps whose processing can start before `upTo`.
    while (queue.length > 0) {
      const s = queue[0];
      const ready = (s.step + 1) * o.dtUs;
      const start = Math.max(coreFree, ready);
      if (start >= upTo) break;
      queue.shift();
      queued -= s.events.length;
      const dur = (o.fixedCyclesPerStep + o.cyclesPerEvent * s.events.length) * usPerCycle;
      coreFree = start + dur;
      busy += dur;
      if (coreFree > ready + deadline) misses++;
      for (const t of s.events) latencies.push(coreFree - t);
    }
  };
  for (let s = 0; s < nSteps; s++) {
    const windowEnd = (s + 1) * o.dtUs;
    process(windowEnd);
    const evs: number[] = [];
    for (let k = 0; k < perStep[s]; k++) evs.push(times[ev++]);
    // Admit the step's events into the queue under the drop policy.
    let room = o.queueEvents - queued;
    if (evs.length > room) {
      if (policy === 'drop-newest') {
        dropped += evs.length - Math.max(room, 0);
        evs.length = Math.max(room, 0);
      } else {
        // drop-oldest: discard the oldest queued events to make room, then the newest if still too many.
        let need = evs.length - room;
        while (need > 0 && queue.length > 0) {
          const q = queue[0];
          const k = Math.min(need, q.events.length);
          q.events.splice(0, k);
          queued -= k;
          dropped += k;
          need -= k;
          if (q.events.length === 0) queue.shift();
        }
        room = o.queueEvents - queued;
        if (evs.length > room) {
          dropped += evs.length - room;
          evs.splice(0, evs.length - room);
        }
      }
    }
    queue.push({ step: s, events: evs });
    queued += evs.length;
    highWater = Math.max(highWater, queued);
  }
  process(Infinity);
  const lat = Float64Array.from(latencies).sort();
  const cpuLoad = busy / Math.max(end, 1);
  return {
    policy, queueEvents: o.queueEvents, deadlineUs: deadline,
    events: times.length, dropped, steps: nSteps, deadlineMisses: misses, queueHighWater: highWater, cpuLoad,
    latencyUs: { p50: percentile(lat, 0.5), p95: percentile(lat, 0.95), p99: percentile(lat, 0.99), max: lat.length ? lat[lat.length - 1] : 0 },
    keepsUp: dropped === 0 && misses === 0,
  };
}
