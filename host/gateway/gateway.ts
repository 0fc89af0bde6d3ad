/**
 * `neurite serve`: the gateway service (docs/gateway.md). The main thread owns the sockets (UDP,
 * TCP, HTTP), decodes message headers, keeps one bounded queue per sensor and hands batches of
 * events to that sensor's learner thread (worker.ts). Everything that can go wrong with input is
 * counted by reason and dropped; nothing from the network can throw out of a handler.
 *
 * Queues: a sensor's queue holds the events staged in the main thread plus those handed to its
 * worker and not yet acknowledged; at most MAX_IN_FLIGHT batches are in the worker at a time, so
 * a slow learner makes the queue grow, and the queue bound is where the drop policy (UDP) or
 * back-pressure (TCP: the socket stops being read until the queue is half empty) acts.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import dgram from 'node:dgram';
import { mkdirSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { ConfigError, NeuriteError } from '../errors.js';
import { decodeCheckpoint } from '../runtime/checkpoint.js';
import type { GatewayConfig, SensorConfig } from './config.js';
import { DECISION_BUCKETS, LEARNER_DROP_REASONS, type LearnerMeta } from './learner.js';
import { type Family, formatMetrics, histogramSamples } from './metrics.js';
import { type BadMessageReason, decodeMessage, type DecodedMessage, EVENT_BYTES, FrameSplitter, type Marker } from './protocol.js';
import { canonicalJson } from '../spec/canonical.js';
import { type FromWorker, type ToWorker, type TypedError, type WorkerInit, type WorkerRequest, type WorkerStats, workerUrl } from './worker-protocol.js';

/** Batches a sensor's worker may hold at once (one running, one waiting). */
const MAX_IN_FLIGHT = 2;
/** How often an ack carries the worker's statistics (ms). */
const STATS_EVERY_MS = 250;

export type Transport = 'udp' | 'tcp';
export type GatewayBadReason = BadMessageReason | 'too_large' | 'unknown_stream' | 'bad_label' | 'duplicate' | 'stale_sequence' | 'wrong_stream' | 'frame_too_large' | 'empty_frame';
export type QueueDropReason = 'queue_full' | 'shutdown' | 'learner_down';

export interface ReadoutState {
  sensor: string;
  model: string;
  /** Canonical JSON of the model spec: states merge only between equal specs. */
  specJson: string;
  nFeat: number;
  nClass: number;
  /** Readout weights, [nFeat][nClass] row-major. */
  weights: Float32Array;
  /** Labelled samples learned per class. */
  classCounts: number[];
  samplesLearned: number;
  version: number;
}

export interface SensorStatus {
  id: string;
  streamId: number;
  model: string;
  up: boolean;
  resumed: boolean;
  geometry: { width: number; height: number; downsample: SensorConfig['downsample']; modelInput: { width: number; height: number } };
  events: { received: number; processed: number; queued: number; dropped: Record<string, number>; modelDropped: number; messages: number; lostMessages: number; tcpPauses: number };
  samples: { learned: number; predicted: number; accuracy: number | null; earlyDecisions: number; earlyAccuracy: number | null; classCounts: number[]; open: boolean };
  lastDecisions: WorkerStats['lastDecisions'];
  latencyMs: WorkerStats['latencyMs'];
  readoutVersion: number;
  lastCheckpoint: { at: string; bytes: number } | null;
  error: TypedError | null;
}

export interface ShutdownReport {
  /** Events still queued when the drain timed out (counted as dropped, reason 'shutdown'). */
  droppedAtShutdown: number;
  checkpoints: { sensor: string; bytes: number }[];
  errors: string[];
}

interface Chunk {
  words: Uint32Array;
  n: number;
  markers: Marker[];
  recvMs: number;
}

function nowMs(): number {
  return performance.timeOrigin + performance.now();
}

/** The main-thread side of one sensor: queue, counters, worker handle. */
class SensorPort {
  readonly worker: Worker;
  up = false;
  resumed = false;
  error: TypedError | null = null;
  received = 0;
  messages = 0;
  lostMessages = 0;
  /** Times a TCP connection of this sensor was paused because its queue was full. */
  pauses = 0;
  readonly dropped: Record<QueueDropReason, number> = { queue_full: 0, shutdown: 0, learner_down: 0 };
  lastSeq: number | null = null;
  stats: WorkerStats | null = null;
  meta: LearnerMeta | null = null;
  lastCheckpoint: { at: string; bytes: number } | null = null;
  private stage: Chunk;
  private readonly stageBytes: () => Uint8Array;
  private readonly pending: Chunk[] = [];
  private pendingEvents = 0;
  private inflightEvents = 0;
  private inflightMsgs = 0;
  private pumpScheduled = false;
  private lastStatsAt = 0;
  private nextId = 1;
  private readonly replies = new Map<number, (r: { ok: true; value: unknown } | { ok: false; error: TypedError }) => void>();
  private readonly drainWaiters: (() => void)[] = [];
  readonly paused = new Set<net.Socket>();
  readonly ready: Promise<void>;
  readonly nClass: number;

  constructor(readonly cfg: SensorConfig, init: WorkerInit) {
    this.nClass = cfg.model.readout!.classes;
    this.stage = this.newStage();
    this.stageBytes = () => new Uint8Array(this.stage.words.buffer);
    this.worker = new Worker(workerUrl(), { workerData: init });
    this.ready = new Promise<void>((resolve, reject) => {
      this.worker.on('message', (m: FromWorker) => {
        switch (m.type) {
          case 'ready':
            this.up = true;
            this.resumed = m.resumed;
            this.meta = m.meta;
            resolve();
            break;
          case 'failed':
            this.error = m.error;
            reject(new ConfigError(`sensor "${cfg.id}"`, [{ path: `sensor ${cfg.id}`, message: `${m.error.type}: ${m.error.message}` }]));
            break;
          case 'ack':
            this.inflightEvents -= m.events;
            this.inflightMsgs--;
            if (m.stats) {
              this.stats = m.stats;
              this.meta = m.stats.meta;
            }
            this.afterProgress();
            break;
          case 'reply': {
            const cb = this.replies.get(m.id);
            this.replies.delete(m.id);
            cb?.(m.ok ? { ok: true, value: m.value } : { ok: false, error: m.error });
            break;
          }
        }
      });
      this.worker.on('error', (e) => {
        this.error = { type: e.name, message: e.message };
        reject(e);
      });
      this.worker.on('exit', (code) => {
        const wasUp = this.up;
        this.up = false;
        if (!this.error && code !== 0) this.error = { type: 'WorkerExit', message: `the learner thread exited with code ${code}` };
        // Whatever was queued for the thread is lost: count it, release waiters.
        const lost = this.queued;
        if (wasUp && lost > 0) this.dropped.learner_down += lost;
        this.pending.length = 0;
        this.pendingEvents = 0;
        this.inflightEvents = 0;
        this.inflightMsgs = 0;
        this.stage = this.newStage();
        for (const cb of this.replies.values()) cb({ ok: false, error: this.error ?? { type: 'WorkerExit', message: 'the learner thread has stopped' } });
        this.replies.clear();
        this.afterProgress();
        reject(new ConfigError(`sensor "${cfg.id}"`, [{ path: `sensor ${cfg.id}`, message: this.error?.message ?? `learner exited (${code})` }]));
      });
    });
    this.ready.catch(() => undefined); // observed by startGateway; later failures are in `error`
  }

  private newStage(): Chunk {
    return { words: new Uint32Array(this.cfg.queue.batchEvents * 2), n: 0, markers: [], recvMs: 0 };
  }

  get queued(): number {
    return this.stage.n + this.pendingEvents + this.inflightEvents;
  }

  /** Takes one decoded message; returns the bad-message reason if it is refused. */
  accept(msg: DecodedMessage, buf: Uint8Array, recvMs: number, transport: Transport): GatewayBadReason | null {
    for (const mk of msg.markers) if (mk.label !== null && mk.label >= this.nClass) return 'bad_label';
    if (this.lastSeq !== null && msg.seq !== 0) {
      const d = (msg.seq - this.lastSeq) >>> 0;
      if (d === 0) return 'duplicate';
      if (d >= 0x80000000) return 'stale_sequence';
      this.lostMessages += d - 1;
    }
    this.lastSeq = msg.seq;
    this.messages++;
    this.received += msg.events;
    if (!this.up) {
      this.dropped.learner_down += msg.events;
      return null;
    }
    let keepEvents = true;
    const bound = this.cfg.queue.maxEvents;
    if (transport === 'udp' && this.queued + msg.events > bound) {
      if (this.cfg.queue.dropPolicy === 'drop-oldest') {
        // Free room from the oldest staged batches (those not yet in the worker); their sample
        // boundaries stay, only events go.
        for (const c of this.pending) {
          if (this.queued + msg.events <= bound) break;
          if (c.n === 0) continue;
          this.dropped.queue_full += c.n;
          this.pendingEvents -= c.n;
          c.n = 0;
          c.words = new Uint32Array(0);
          for (let k = 0; k < c.markers.length; k++) c.markers[k] = { ...c.markers[k], at: 0 };
        }
      }
      if (this.queued + msg.events > bound) keepEvents = false;
    }
    if (!keepEvents) this.dropped.queue_full += msg.events;
    this.append(msg, buf, recvMs, keepEvents);
    this.schedulePump();
    return null;
  }

  private append(msg: DecodedMessage, buf: Uint8Array, recvMs: number, keepEvents: boolean): void {
    const cap = this.cfg.queue.batchEvents;
    let mi = 0;
    let seen = 0; // events of the message consumed so far
    const pushMarkersUpTo = (limit: number): void => {
      while (mi < msg.markers.length && (!keepEvents || msg.markers[mi].at <= limit)) {
        const mk = msg.markers[mi++];
        this.stage.markers.push({ ...mk, at: this.stage.n });
      }
    };
    if (this.stage.n === 0 && this.stage.markers.length === 0) this.stage.recvMs = recvMs;
    if (keepEvents) {
      for (const [a, b] of msg.spans) {
        let p = a;
        while (p < b) {
          pushMarkersUpTo(seen);
          if (this.stage.n === cap) this.rollStage(recvMs);
          // Copy up to the next marker or the stage's end, whichever comes first.
          const nextMarkerAt = mi < msg.markers.length ? msg.markers[mi].at : Infinity;
          const room = Math.min(cap - this.stage.n, (b - p) / EVENT_BYTES, nextMarkerAt - seen);
          this.stageBytes().set(buf.subarray(p, p + room * EVENT_BYTES), this.stage.n * EVENT_BYTES);
          this.stage.n += room;
          seen += room;
          p += room * EVENT_BYTES;
        }
      }
    }
    pushMarkersUpTo(Infinity);
  }

  private rollStage(recvMs: number): void {
    const s = this.stage;
    const full: Chunk = { words: s.words.slice(0, s.n * 2), n: s.n, markers: s.markers, recvMs: s.recvMs };
    this.pending.push(full);
    this.pendingEvents += full.n;
    s.n = 0;
    s.markers = [];
    s.recvMs = recvMs;
  }

  private schedulePump(): void {
    if (this.pumpScheduled) return;
    this.pumpScheduled = true;
    // Datagrams read in the same turn of the event loop go to the worker as one batch.
    setImmediate(() => {
      this.pumpScheduled = false;
      this.pump();
    });
  }

  private pump(): void {
    while (this.up && this.inflightMsgs < MAX_IN_FLIGHT) {
      let c: Chunk | undefined = this.pending.shift();
      if (c) this.pendingEvents -= c.n;
      else if (this.stage.n > 0 || this.stage.markers.length > 0) {
        const s = this.stage;
        c = { words: s.words.slice(0, s.n * 2), n: s.n, markers: s.markers, recvMs: s.recvMs };
        s.n = 0;
        s.markers = [];
      } else break;
      const now = nowMs();
      const wantStats = now - this.lastStatsAt >= STATS_EVERY_MS;
      if (wantStats) this.lastStatsAt = now;
      const m: ToWorker = { type: 'chunk', words: c.words, n: c.n, markers: c.markers, recvMs: c.recvMs, wantStats };
      this.inflightEvents += c.n;
      this.inflightMsgs++;
      this.worker.postMessage(m, [c.words.buffer as ArrayBuffer]);
    }
  }

  private afterProgress(): void {
    this.pump();
    if (this.paused.size > 0 && this.queued <= this.cfg.queue.maxEvents / 2) {
      for (const s of this.paused) s.resume();
      this.paused.clear();
    }
    if (this.queued === 0) for (const w of this.drainWaiters.splice(0)) w();
  }

  /** TCP back-pressure: stop reading this socket while the queue is full. */
  throttle(socket: net.Socket): void {
    if (this.queued >= this.cfg.queue.maxEvents && !this.paused.has(socket)) {
      socket.pause();
      this.paused.add(socket);
      this.pauses++;
    }
  }

  /** Resolves when everything queued has been processed, or after `ms`; returns what is left. */
  drain(ms: number): Promise<number> {
    this.pump();
    if (this.queued === 0 || !this.up) return Promise.resolve(this.queued);
    return new Promise((resolve) => {
      const t = setTimeout(() => resolve(this.queued), ms);
      this.drainWaiters.push(() => {
        clearTimeout(t);
        resolve(0);
      });
    });
  }

  request<T>(request: WorkerRequest, extra: Partial<Extract<ToWorker, { type: 'request' }>> = {}, transfer: ArrayBuffer[] = []): Promise<T> {
    if (!this.up) return Promise.reject(new GatewayRequestError(this.error?.type ?? 'SensorDown', `sensor "${this.cfg.id}" is not running${this.error ? `: ${this.error.message}` : ''}`));
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.replies.set(id, (r) => (r.ok ? resolve(r.value as T) : reject(new GatewayRequestError(r.error.type, r.error.message))));
      this.worker.postMessage({ type: 'request', id, request, ...extra } satisfies ToWorker, transfer);
    });
  }

  async freshStats(restartLatencyWindow = false): Promise<WorkerStats | null> {
    if (!this.up) return this.stats;
    try {
      this.stats = await this.request<WorkerStats>('stats', { restartLatencyWindow });
      this.meta = this.stats.meta;
    } catch {
      /* the thread stopped: keep the last statistics */
    }
    return this.stats;
  }

  async checkpoint(): Promise<number> {
    const r = await this.request<{ bytes: number }>('checkpoint');
    this.lastCheckpoint = { at: new Date().toISOString(), bytes: r.bytes };
    return r.bytes;
  }

  status(): SensorStatus {
    const st = this.stats;
    const meta = this.meta;
    const dropped: Record<string, number> = { ...this.dropped };
    for (const r of LEARNER_DROP_REASONS) dropped[r] = st?.dropped[r] ?? 0;
    const m = this.cfg.model;
    return {
      id: this.cfg.id,
      streamId: this.cfg.streamId,
      model: m.name,
      up: this.up,
      resumed: this.resumed,
      geometry: { width: this.cfg.width, height: this.cfg.height, downsample: this.cfg.downsample, modelInput: { width: m.input.width, height: m.input.height } },
      events: { received: this.received, processed: st?.eventsProcessed ?? 0, queued: this.queued, dropped, modelDropped: st?.modelDropped ?? 0, messages: this.messages, lostMessages: this.lostMessages, tcpPauses: this.pauses },
      samples: {
        learned: meta?.samplesLearned ?? 0,
        predicted: meta?.samplesPredicted ?? 0,
        accuracy: meta && meta.samplesLearned > 0 ? meta.correct / meta.samplesLearned : null,
        earlyDecisions: meta?.earlyDecisions ?? 0,
        earlyAccuracy: meta && meta.earlyDecisions > 0 ? meta.earlyCorrect / meta.earlyDecisions : null,
        classCounts: meta?.classCounts ?? [],
        open: st?.sampleOpen ?? false,
      },
      lastDecisions: st?.lastDecisions ?? [],
      latencyMs: st?.latencyMs ?? { p50: null, p90: null, p99: null, max: null, samples: 0 },
      readoutVersion: meta?.version ?? 0,
      lastCheckpoint: this.lastCheckpoint,
      error: this.error,
    };
  }
}

/** A request to a learner thread failed; `type` is the worker-side error class. */
export class GatewayRequestError extends NeuriteError {
  override readonly name = 'GatewayRequestError';
  constructor(
    readonly type: string,
    message: string,
  ) {
    super(message);
  }
}

export interface Gateway {
  readonly config: GatewayConfig;
  /** The bound ports (useful with port 0). */
  readonly ports: { http: number; udp: number | null; tcp: number | null };
  readonly sensorIds: readonly string[];
  status(sensor: string): Promise<SensorStatus>;
  metrics(): Promise<string>;
  /** Writes every sensor's checkpoint now. */
  checkpointAll(): Promise<{ sensor: string; bytes: number }[]>;
  /** The sensor's readout (for fleet merging). */
  readoutState(sensor: string): Promise<ReadoutState>;
  /** Installs a readout computed elsewhere (e.g. a fleet merge): weights and, optionally, class counts. */
  mergeReadoutState(sensor: string, state: { weights: Float32Array; classCounts?: number[] }): Promise<number>;
  /** Adds a change to the readout weights in place (a merge computed from an earlier snapshot):
   *  updates learned since the snapshot survive. Returns the new readout version. */
  addToReadout(sensor: string, change: Float32Array): Promise<number>;
  /** Counts of refused messages by transport and reason. */
  badMessages(): Record<string, number>;
  /** Stops ingest, drains or counts the queues, checkpoints every sensor, stops the threads. */
  close(opts?: { drainMs?: number }): Promise<ShutdownReport>;
}

function json(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

function errorBody(type: string, message: string): { error: TypedError } {
  return { error: { type, message } };
}

function tokenMatches(header: string | undefined, token: string): boolean {
  const m = /^Bearer ([\x21-\x7e]+)$/.exec(header ?? '');
  if (!m) return false;
  // Compare digests so the comparison takes the same time whatever the lengths.
  const a = createHash('sha256').update(m[1]).digest();
  const b = createHash('sha256').update(token).digest();
  return timingSafeEqual(a, b);
}

/** Starts a gateway from a validated config. Rejects (and leaves nothing running) if a sensor cannot start. */
export async function startGateway(config: GatewayConfig): Promise<Gateway> {
  mkdirSync(config.checkpoints.dir, { recursive: true });
  const ports = new Map<string, SensorPort>();
  const byStream = new Map<number, SensorPort>();
  for (const s of config.sensors) {
    const p = new SensorPort(s, {
      sensor: s,
      checkpointPath: join(config.checkpoints.dir, `${s.id}.nrt`),
      metaPath: join(config.checkpoints.dir, `${s.id}.meta.json`),
    });
    ports.set(s.id, p);
    byStream.set(s.streamId, p);
  }
  try {
    await Promise.all([...ports.values()].map((p) => p.ready));
  } catch (e) {
    await Promise.all([...ports.values()].map((p) => p.worker.terminate()));
    throw e;
  }

  const bad = new Map<string, number>();
  const countBad = (transport: Transport, reason: GatewayBadReason): void => {
    const k = `${transport}:${reason}`;
    bad.set(k, (bad.get(k) ?? 0) + 1);
  };
  let httpRequests = 0;
  let httpErrors = 0;
  let closing = false;

  const ingest = (buf: Uint8Array, transport: Transport, recvMs: number, only?: SensorPort): SensorPort | null => {
    const msg = decodeMessage(buf);
    if (!msg.ok) {
      countBad(transport, msg.reason);
      return null;
    }
    const port = byStream.get(msg.streamId);
    if (!port) {
      countBad(transport, 'unknown_stream');
      return null;
    }
    if (only && port !== only) {
      countBad(transport, 'wrong_stream');
      return null;
    }
    const r = port.accept(msg, buf, recvMs, transport);
    if (r) countBad(transport, r);
    return port;
  };

  // UDP
  let udp: dgram.Socket | null = null;
  let udpPort: number | null = null;
  if (config.udp) {
    const u = config.udp;
    udp = dgram.createSocket({ type: u.host.includes(':') ? 'udp6' : 'udp4', recvBufferSize: u.recvBufferBytes });
    const sock = udp;
    sock.on('message', (buf) => {
      if (closing) return;
      if (buf.length > u.maxDatagramBytes) {
        countBad('udp', 'too_large');
        return;
      }
      ingest(buf, 'udp', nowMs());
    });
    // After bind, a socket error (e.g. ICMP feedback) concerns one datagram at most: keep serving.
    sock.on('error', () => undefined);
    await new Promise<void>((resolve, reject) => {
      sock.once('error', reject);
      sock.bind(u.port, u.host, () => {
        sock.off('error', reject);
        resolve();
      });
    });
    udpPort = sock.address().port;
  }

  // TCP: one connection per sensor, bound to the stream id of its first frame.
  let tcp: net.Server | null = null;
  let tcpPort: number | null = null;
  const tcpSockets = new Set<net.Socket>();
  if (config.tcp) {
    const t = config.tcp;
    tcp = net.createServer((socket) => {
      if (closing) {
        socket.destroy();
        return;
      }
      tcpSockets.add(socket);
      const splitter = new FrameSplitter(t.maxFrameBytes);
      let bound: SensorPort | null = null;
      socket.on('data', (chunk: Buffer) => {
        if (closing) return;
        const recv = nowMs();
        for (const frame of splitter.push(chunk)) {
          const p = ingest(frame, 'tcp', recv, bound ?? undefined);
          if (!bound && p) bound = p;
        }
        if (splitter.failed) {
          countBad('tcp', splitter.failed);
          socket.destroy();
          return;
        }
        bound?.throttle(socket);
      });
      socket.on('error', () => undefined);
      socket.on('close', () => {
        tcpSockets.delete(socket);
        bound?.paused.delete(socket);
      });
    });
    tcp.maxConnections = t.maxConnections;
    const server = tcp;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(t.port, t.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    tcpPort = (server.address() as net.AddressInfo).port;
  }

  const metrics = async (): Promise<string> => {
    const list = [...ports.values()];
    await Promise.all(list.map((p) => p.freshStats()));
    const fam = (name: string, help: string, type: Family['type'], samples: Family['samples']): Family => ({ name, help, type, samples });
    const per = (f: (p: SensorPort) => number) => list.map((p) => ({ labels: { sensor: p.cfg.id }, value: f(p) }));
    const dropSamples = list.flatMap((p) => Object.entries(p.status().events.dropped).map(([reason, value]) => ({ labels: { sensor: p.cfg.id, reason }, value })));
    return formatMetrics([
      fam('neurite_gateway_sensor_up', '1 while the sensor\'s learner thread runs', 'gauge', per((p) => (p.up ? 1 : 0))),
      fam('neurite_gateway_events_received_total', 'events received in accepted messages', 'counter', per((p) => p.received)),
      fam('neurite_gateway_events_processed_total', 'events the learner fed to the network', 'counter', per((p) => p.stats?.eventsProcessed ?? 0)),
      fam('neurite_gateway_events_dropped_total', 'events dropped, by reason', 'counter', dropSamples),
      fam('neurite_gateway_model_events_dropped_total', 'events the runtime dropped (outside its input, or over its per-step buffer)', 'counter', per((p) => p.stats?.modelDropped ?? 0)),
      fam('neurite_gateway_queue_depth_events', 'events queued between the socket and the learner', 'gauge', per((p) => p.queued)),
      fam('neurite_gateway_queue_capacity_events', 'queue bound', 'gauge', per((p) => p.cfg.queue.maxEvents)),
      fam('neurite_gateway_messages_total', 'accepted messages', 'counter', per((p) => p.messages)),
      fam('neurite_gateway_messages_lost_total', 'messages missing from the sequence numbers', 'counter', per((p) => p.lostMessages)),
      fam('neurite_gateway_tcp_pauses_total', 'times a TCP connection was paused by back-pressure (queue full)', 'counter', per((p) => p.pauses)),
      fam('neurite_gateway_bad_messages_total', 'refused messages, by transport and reason', 'counter',
        [...bad.entries()].map(([k, value]) => ({ labels: { transport: k.split(':')[0], reason: k.split(':')[1] }, value }))),
      fam('neurite_gateway_samples_learned_total', 'labelled samples learned', 'counter', per((p) => p.meta?.samplesLearned ?? 0)),
      fam('neurite_gateway_samples_predicted_total', 'samples predicted (labelled or not)', 'counter', per((p) => p.meta?.samplesPredicted ?? 0)),
      fam('neurite_gateway_accuracy', 'prequential accuracy: predictions made before learning each labelled sample', 'gauge',
        list.filter((p) => (p.meta?.samplesLearned ?? 0) > 0).map((p) => ({ labels: { sensor: p.cfg.id }, value: p.meta!.correct / p.meta!.samplesLearned }))),
      fam('neurite_gateway_early_decisions_total', 'samples decided before their end', 'counter', per((p) => p.meta?.earlyDecisions ?? 0)),
      fam('neurite_gateway_decision_latency_seconds', 'sensor time from a sample\'s begin to its decision', 'histogram',
        list.flatMap((p) => histogramSamples({ sensor: p.cfg.id }, DECISION_BUCKETS, p.stats?.decisionBuckets ?? [], p.stats?.decisionCount ?? 0, p.stats?.decisionSumSeconds ?? 0))),
      fam('neurite_gateway_readout_version', 'readout version (+1 per learned sample, merge or upload)', 'gauge', per((p) => p.meta?.version ?? 0)),
      fam('neurite_gateway_http_requests_total', 'HTTP requests', 'counter', [{ value: httpRequests }]),
      fam('neurite_gateway_http_errors_total', 'HTTP requests answered with a 4xx or 5xx status', 'counter', [{ value: httpErrors }]),
    ]);
  };

  const checkpointAll = async (): Promise<{ sensor: string; bytes: number }[]> => {
    const out: { sensor: string; bytes: number }[] = [];
    for (const p of ports.values()) if (p.up) out.push({ sensor: p.cfg.id, bytes: await p.checkpoint() });
    return out;
  };

  let checkpointing = false;
  const timer = config.checkpoints.periodSeconds > 0
    ? setInterval(() => {
      if (checkpointing || closing) return;
      checkpointing = true;
      checkpointAll().catch(() => undefined).finally(() => { checkpointing = false; });
    }, config.checkpoints.periodSeconds * 1000)
    : null;
  timer?.unref();

  const port = (id: string): SensorPort => {
    const p = ports.get(id);
    if (!p) throw new GatewayRequestError('UnknownSensor', `no sensor "${id}" (have: ${[...ports.keys()].join(', ')})`);
    return p;
  };

  const readBody = (req: http.IncomingMessage, limit: number): Promise<Uint8Array | 'too_large'> =>
    new Promise((resolve, reject) => {
      const parts: Buffer[] = [];
      let n = 0;
      let over = false;
      req.on('data', (c: Buffer) => {
        if (over) return;
        n += c.length;
        if (n > limit) {
          over = true;
          parts.length = 0;
          resolve('too_large');
          return;
        }
        parts.push(c);
      });
      req.on('end', () => { if (!over) resolve(new Uint8Array(Buffer.concat(parts))); });
      req.on('error', reject);
    });

  const handle = async (req: http.IncomingMessage, res: http.ServerResponse): Promise<void> => {
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://gateway');
    } catch {
      json(res, 400, errorBody('BadRequest', 'the request target is not a valid URL'));
      return;
    }
    const parts = url.pathname.split('/').filter(Boolean).map((s) => {
      try { return decodeURIComponent(s); } catch { return '\u0000'; }
    });
    const method = req.method ?? 'GET';
    const only = (allowed: string): boolean => {
      if (method === allowed || (allowed === 'GET' && method === 'HEAD')) return true;
      json(res, 405, errorBody('MethodNotAllowed', `${method} is not allowed on ${url.pathname} (allowed: ${allowed})`), { allow: allowed });
      return false;
    };
    if (parts.length === 1 && parts[0] === 'healthz') {
      if (!only('GET')) return;
      const down = [...ports.values()].filter((p) => !p.up).map((p) => p.cfg.id);
      json(res, down.length ? 503 : 200, { status: down.length ? 'degraded' : 'ok', sensors: ports.size, down, closing });
      return;
    }
    if (parts.length === 1 && parts[0] === 'metrics') {
      if (!only('GET')) return;
      const text = await metrics();
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8', 'content-length': Buffer.byteLength(text) });
      res.end(text);
      return;
    }
    if (parts[0] === 'sensors' && parts.length === 1) {
      if (!only('GET')) return;
      const list = [...ports.values()];
      // ?latencyWindow=restart: report the latency percentiles so far, then start a new window.
      const restart = url.searchParams.get('latencyWindow') === 'restart';
      await Promise.all(list.map((p) => p.freshStats(restart)));
      json(res, 200, { sensors: list.map((p) => p.status()) });
      return;
    }
    if (parts[0] === 'sensors' && (parts.length === 2 || (parts.length === 3 && parts[2] === 'checkpoint'))) {
      const p = ports.get(parts[1]);
      if (!p) {
        json(res, 404, errorBody('UnknownSensor', `no sensor "${parts[1]}"`));
        return;
      }
      if (parts.length === 2) {
        if (!only('GET')) return;
        await p.freshStats(url.searchParams.get('latencyWindow') === 'restart');
        json(res, 200, p.status());
        return;
      }
      if (method === 'GET' || method === 'HEAD') {
        const bytes = await p.request<Uint8Array>('download');
        res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': bytes.length, 'content-disposition': `attachment; filename="${p.cfg.id}.nrt"` });
        res.end(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
        return;
      }
      if (method !== 'PUT') {
        json(res, 405, errorBody('MethodNotAllowed', `${method} is not allowed on ${url.pathname} (allowed: GET, PUT)`), { allow: 'GET, PUT' });
        return;
      }
      if (config.token === null) {
        json(res, 403, errorBody('WritesDisabled', 'this gateway has no token configured, so it accepts no writes'));
        return;
      }
      if (!tokenMatches(req.headers.authorization, config.token)) {
        json(res, 401, errorBody('Unauthorized', 'a write needs the header "Authorization: Bearer <token>" with the configured token'), { 'www-authenticate': 'Bearer' });
        return;
      }
      const limit = config.http.maxBodyBytes;
      const declared = Number(req.headers['content-length'] ?? NaN);
      if (Number.isFinite(declared) && declared > limit) {
        json(res, 413, errorBody('BodyTooLarge', `the body of ${declared} bytes exceeds the limit of ${limit} bytes`), { connection: 'close' });
        req.resume();
        return;
      }
      const body = await readBody(req, limit);
      if (body === 'too_large') {
        json(res, 413, errorBody('BodyTooLarge', `the body exceeds the limit of ${limit} bytes`), { connection: 'close' });
        return;
      }
      // Validate here first (checksum, ABI, spec, regions) so nothing reaches the learner unless whole.
      try {
        const rt = decodeCheckpoint(body, 'uploaded checkpoint', p.cfg.build);
        const same = canonicalJson(rt.plan.spec) === canonicalJson(p.cfg.model);
        rt.dispose();
        if (!same) {
          json(res, 422, errorBody('SpecMismatch', `the uploaded checkpoint holds model "${rt.plan.spec.name}" with a different spec than sensor "${p.cfg.id}" ("${p.cfg.model.name}"); nothing was replaced`));
          return;
        }
      } catch (e) {
        if (!(e instanceof NeuriteError)) throw e;
        json(res, 422, errorBody(e.name, `${e.message}; nothing was replaced`));
        return;
      }
      const r = await p.request<{ bytes: number; version: number }>('upload', { bytes: body }, [body.buffer as ArrayBuffer]);
      p.lastCheckpoint = { at: new Date().toISOString(), bytes: r.bytes };
      json(res, 200, { replaced: true, sensor: p.cfg.id, bytes: r.bytes, readoutVersion: r.version });
      return;
    }
    json(res, 404, errorBody('NotFound', `no route ${method} ${url.pathname} (see docs/gateway.md)`));
  };

  const server = http.createServer((req, res) => {
    httpRequests++;
    res.on('finish', () => { if (res.statusCode >= 400) httpErrors++; });
    handle(req, res).catch((e: unknown) => {
      const err = e instanceof GatewayRequestError ? { status: 409, type: e.type } : { status: 500, type: 'InternalError' };
      if (!res.headersSent) json(res, err.status, errorBody(err.type, (e as Error)?.message ?? String(e)));
      else res.destroy();
    });
  });
  server.on('clientError', (_e, socket) => {
    httpErrors++;
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\nconnection: close\r\n\r\n');
    else socket.destroy();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.http.port, config.http.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const httpPort = (server.address() as net.AddressInfo).port;

  let closed: Promise<ShutdownReport> | null = null;
  const close = (opts: { drainMs?: number } = {}): Promise<ShutdownReport> => {
    if (closed) return closed;
    closing = true;
    closed = (async () => {
      if (timer) clearInterval(timer);
      const errors: string[] = [];
      udp?.close();
      for (const s of tcpSockets) s.destroy();
      await new Promise<void>((r) => (tcp ? tcp.close(() => r()) : r()));
      let droppedAtShutdown = 0;
      const left = await Promise.all([...ports.values()].map((p) => p.drain(opts.drainMs ?? 10_000)));
      [...ports.values()].forEach((p, k) => {
        p.dropped.shutdown += left[k];
        droppedAtShutdown += left[k];
      });
      const checkpoints: { sensor: string; bytes: number }[] = [];
      for (const p of ports.values()) {
        if (!p.up) continue;
        try {
          checkpoints.push({ sensor: p.cfg.id, bytes: await p.checkpoint() });
        } catch (e) {
          errors.push(`sensor ${p.cfg.id}: final checkpoint failed: ${(e as Error).message}`);
        }
      }
      await Promise.all([...ports.values()].map((p) => p.worker.terminate()));
      await new Promise<void>((r) => {
        server.close(() => r());
        server.closeAllConnections();
      });
      return { droppedAtShutdown, checkpoints, errors };
    })();
    return closed;
  };

  return {
    config,
    ports: { http: httpPort, udp: udpPort, tcp: tcpPort },
    sensorIds: [...ports.keys()],
    async status(id) {
      const p = port(id);
      await p.freshStats();
      return p.status();
    },
    metrics,
    checkpointAll,
    async readoutState(id) {
      const p = port(id);
      const r = await p.request<{ weights: Float32Array; meta: LearnerMeta }>('readout');
      const spec = p.cfg.model;
      return {
        sensor: id,
        model: spec.name,
        specJson: canonicalJson(spec),
        nFeat: r.weights.length / spec.readout!.classes,
        nClass: spec.readout!.classes,
        weights: r.weights,
        classCounts: r.meta.classCounts,
        samplesLearned: r.meta.samplesLearned,
        version: r.meta.version,
      };
    },
    async mergeReadoutState(id, state) {
      const p = port(id);
      if (state.classCounts && state.classCounts.length !== p.nClass) {
        throw new GatewayRequestError('SpecMismatch', `classCounts has ${state.classCounts.length} entries, sensor "${id}" has ${p.nClass} classes`);
      }
      const w = Float32Array.from(state.weights);
      const r = await p.request<{ version: number }>('setReadout', { weights: w, classCounts: state.classCounts }, [w.buffer as ArrayBuffer]);
      return r.version;
    },
    async addToReadout(id, change) {
      const p = port(id);
      const w = Float32Array.from(change);
      const r = await p.request<{ version: number }>('addReadout', { weights: w }, [w.buffer as ArrayBuffer]);
      return r.version;
    },
    badMessages() {
      return Object.fromEntries(bad);
    },
    close,
  };
}
