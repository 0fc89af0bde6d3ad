/**
 * A gateway's fleet membership over MQTT (the `mqtt` npm client, MQTT 5, any broker; the project
 * tests against Mosquitto).
 *
 * - Publishes its own readout contribution as a retained QoS 1 message on its state topic, with a
 *   version that increases with every publish (continued from its own retained message after a
 *   restart, so peers never see a version go backwards).
 * - Subscribes to every member's state topic; keeps the newest version per sender; drops older or
 *   equal versions (stale), refuses other model specs / ABIs / shapes (FleetMismatchError) and
 *   malformed payloads (FleetPayloadError), counting and logging each, and merges the rest into
 *   the live readout by sample-weighted averaging (state.ts).
 * - A new gateway gets every member's retained state on subscribing, and merges it before it
 *   publishes anything: it starts from the fleet's knowledge.
 * - Connection loss (broker restart, network): reconnects with exponential backoff and jitter
 *   (mqtt.js's own fixed-period retry is switched off), then resynchronises: subscribes again
 *   (retained states arrive again; already-known versions are ignored) and re-publishes its own
 *   state, so a broker that lost its retained messages gets them back from the gateways.
 * - A refused CONNACK (wrong credentials, not authorised) is a FleetAuthError and is not retried;
 *   a refused PUBACK (the ACL) is a FleetPublishError.
 */
import type { IClientOptions, MqttClient } from 'mqtt';
import type { ModelSpec } from '../spec/types.js';
import { ABI_VERSION } from '../runtime/abi.js';
import { type FleetClientConfig, fleetStateFilter, type ResolvedFleetConfig, resolveFleetConfig, stateTopic } from './config.js';
import { FleetAuthError, FleetMismatchError, FleetPayloadError, FleetPublishError } from './errors.js';
import { decodeFleetState, encodeFleetState } from './payload.js';
import { checkCompatible, type FleetState, type MergeResult, type ReadoutAccess, specHash } from './state.js';

export interface FleetStats {
  /** Own states published (acknowledged by the broker). */
  published: number;
  /** Peer states accepted (newer version, compatible). */
  accepted: number;
  /** Peer states ignored because their version was not newer than the one held. */
  stale: number;
  /** Peer states refused as incompatible (other spec, ABI, kind or shape). */
  refused: number;
  /** Messages that were not valid payloads. */
  corrupt: number;
  /** Merges into the live readout. */
  merges: number;
  /** Successful connections after the first. */
  reconnects: number;
}

export type FleetEvent =
  | { type: 'connected'; reconnect: boolean }
  | { type: 'disconnected' }
  | { type: 'published'; version: number; samples: number }
  | { type: 'accepted'; sender: string; version: number }
  | { type: 'merged'; peers: number; samples: number }
  | { type: 'error'; error: Error };

export interface FleetMemberOptions {
  config: FleetClientConfig;
  readout: ReadoutAccess;
  /** The model spec the readout belongs to (its hash guards every merge). */
  spec: ModelSpec;
  /** Told about connections, publishes, merges and every counted error. */
  onEvent?: (e: FleetEvent) => void;
  /** Quiet time after reading the retained states before the first merge. Default 150 ms. */
  settleMs?: number;
}

type Mqtt = typeof import('mqtt');
let mqttModule: Promise<Mqtt> | null = null;
/** The MQTT client library, loaded on first use: commands that never join a fleet do not need it. */
function loadMqtt(): Promise<Mqtt> {
  return (mqttModule ??= import('mqtt'));
}
const reasonText = (m: Mqtt, code: number): string => (m.ReasonCodes as Record<number, string | undefined>)[code] ?? `reason code ${code}`;
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export class FleetMember {
  readonly config: ResolvedFleetConfig;
  readonly topic: string;
  readonly stats: FleetStats = { published: 0, accepted: 0, stale: 0, refused: 0, corrupt: 0, merges: 0, reconnects: 0 };
  /** The last error counted (refused, corrupt, publish or connection), for status pages. */
  lastError: Error | null = null;
  private readonly hash: Uint8Array;
  private readonly peerStates = new Map<string, FleetState>();
  private client: MqttClient | null = null;
  private mqtt: Mqtt | null = null;
  private started = false;
  private version = 0;
  private publishedSamples = -1;
  private attempts = 0;
  private everConnected = false;
  private stopping = false;
  private fatal: FleetAuthError | null = null;
  private lastMessageAt = 0;
  private reconnectTimer: NodeJS.Timeout | null = null;
  private mergeTimer: NodeJS.Timeout | null = null;
  private periodTimer: NodeJS.Timeout | null = null;
  private readonly waiters = new Set<() => void>();
  private syncing: Promise<void> | null = null;
  /** A peer state arrived since the last merge (merging the same states twice would pull the
   *  delta readout towards the peers again without new information). */
  private dirty = false;
  private chain: Promise<unknown> = Promise.resolve();
  private mergedSincePublish = false;
  private readonly settleMs: number;

  constructor(private readonly opts: FleetMemberOptions) {
    this.config = resolveFleetConfig(opts.config);
    this.topic = stateTopic(this.config.topicPrefix, this.config.fleet, this.config.gatewayId);
    this.hash = specHash(opts.spec);
    this.settleMs = opts.settleMs ?? 150;
  }

  get id(): string {
    return this.config.gatewayId;
  }

  get connected(): boolean {
    return this.client?.connected ?? false;
  }

  /** The newest accepted state of each peer (not this gateway's own). */
  peers(): ReadonlyMap<string, FleetState> {
    return this.peerStates;
  }

  /** The version of this gateway's last publish. */
  get currentVersion(): number {
    return this.version;
  }

  private emit(e: FleetEvent): void {
    if (e.type === 'error') this.lastError = e.error;
    this.opts.onEvent?.(e);
  }

  /**
   * Connects, reads the fleet's retained states, merges them and publishes the own state (if it
   * has learned anything). Resolves once that first synchronisation is done; rejects with
   * FleetAuthError if the broker refuses the credentials. While the broker is unreachable it
   * keeps retrying with backoff (stop() ends that).
   */
  async start(): Promise<void> {
    if (this.started) throw new Error(`fleet member ${this.id} already started`);
    this.started = true;
    const mqtt = await loadMqtt();
    if (this.stopping) throw new Error(`fleet member ${this.id} was stopped while starting`);
    this.mqtt = mqtt;
    await new Promise<void>((resolve, reject) => {
      const first = { resolve, reject, done: false };
      const options: IClientOptions = {
        protocolVersion: 5,
        clientId: `neurite-${this.id}`,
        username: this.id,
        password: this.config.password,
        clean: true,
        reconnectPeriod: 0,
        resubscribe: false,
        connectTimeout: 5000,
        keepalive: 30,
      };
      const client = mqtt.connect(this.config.brokerUrl, options);
      this.client = client;
      client.on('connect', () => {
        const reconnect = this.everConnected;
        this.everConnected = true;
        this.attempts = 0;
        if (reconnect) this.stats.reconnects++;
        this.emit({ type: 'connected', reconnect });
        this.syncing = this.synchronise().then(
          () => {
            if (!first.done) { first.done = true; first.resolve(); }
          },
          (e: unknown) => {
            const err = e instanceof Error ? e : new Error(String(e));
            this.emit({ type: 'error', error: err });
            if (!first.done) { first.done = true; first.reject(err); }
          },
        ).finally(() => {
          this.syncing = null;
          // States that arrived after the synchronisation's merge.
          if (this.dirty) this.scheduleMerge();
        });
      });
      client.on('message', (topic, payload) => this.onMessage(topic, payload));
      client.on('error', (e) => {
        if (e instanceof mqtt.ErrorWithReasonCode && e.code >= 0x80 && !client.connected) {
          // A CONNACK refusal: retrying with the same credentials cannot succeed.
          this.fatal = new FleetAuthError(this.config.brokerUrl, this.id, e.code, reasonText(mqtt, e.code));
          this.emit({ type: 'error', error: this.fatal });
          if (!first.done) { first.done = true; first.reject(this.fatal); }
          return;
        }
        this.emit({ type: 'error', error: e });
      });
      client.on('close', () => {
        this.emit({ type: 'disconnected' });
        this.scheduleReconnect();
      });
    }).then(() => {
      if (this.config.publishPeriodMs > 0) {
        this.periodTimer = setInterval(() => {
          if (!this.connected) return;
          Promise.resolve(this.opts.readout.ownSamples())
            .then((own) => (own > 0 && (own !== this.publishedSamples || this.mergedSincePublish) ? this.publish() : 0))
            .catch((e: unknown) => this.emit({ type: 'error', error: e as Error }));
        }, this.config.publishPeriodMs);
        this.periodTimer.unref();
      }
    });
  }

  private scheduleReconnect(): void {
    if (this.stopping || this.fatal || this.reconnectTimer || !this.client) return;
    const { reconnectMinMs: lo, reconnectMaxMs: hi } = this.config;
    // Exponential backoff with jitter: gateways restarted together by a broker restart do not
    // all knock at the same instant.
    const delay = Math.min(hi, lo * 2 ** Math.min(this.attempts, 20)) * (0.5 + 0.5 * Math.random());
    this.attempts++;
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null;
      if (!this.stopping && !this.fatal && this.client && !this.client.connected) this.client.reconnect();
    }, delay);
  }

  /** Subscribe, let the retained states arrive, take in the fleet's knowledge, re-publish own. */
  private async synchronise(): Promise<void> {
    const client = this.client!;
    const filter = fleetStateFilter(this.config.topicPrefix, this.config.fleet);
    const granted = await client.subscribeAsync(filter, { qos: 1 });
    if (granted.some((g) => g.qos === 128)) throw new FleetPublishError(filter, 128, 'subscription refused by the broker (ACL)');
    // A barrier: the broker queues a subscription's retained messages before it reads our next
    // packet, so by the time this (no-op) UNSUBSCRIBE is acknowledged they have all been handled.
    // (With more members than the broker's in-flight window, 20 in Mosquitto, some may still be
    // queued: the quiet period below covers those.)
    await client.unsubscribeAsync(`${this.config.topicPrefix}/${this.config.fleet}/sync/${this.id}`);
    this.lastMessageAt = Date.now();
    while (Date.now() - this.lastMessageAt < this.settleMs) await sleep(this.settleMs / 3);
    if (this.dirty) await this.mergeNow();
    // A gateway that has learned nothing itself publishes nothing: after a restart without its
    // checkpoint it must not overwrite its earlier contribution with an empty one.
    if ((await this.opts.readout.ownSamples()) > 0) await this.publish();
  }

  private onMessage(topic: string, payload: Buffer): void {
    this.lastMessageAt = Date.now();
    try {
      this.takeMessage(topic, payload);
    } finally {
      for (const w of this.waiters) w();
    }
  }

  private takeMessage(topic: string, payload: Buffer): void {
    const prefix = `${this.config.topicPrefix}/${this.config.fleet}/state/`;
    if (!topic.startsWith(prefix)) return;
    const topicId = topic.slice(prefix.length);
    if (payload.length === 0) return; // a cleared retained message: nothing to merge
    let s: FleetState;
    try {
      s = decodeFleetState(new Uint8Array(payload.buffer, payload.byteOffset, payload.byteLength), topic);
      if (s.sender !== topicId) throw new FleetPayloadError(topic, `sender "${s.sender}" does not own this topic`);
      checkCompatible(s, { kind: this.opts.readout.kind, nFeat: this.opts.readout.nFeat, nClass: this.opts.readout.nClass, specHash: this.hash, abiVersion: ABI_VERSION });
    } catch (e) {
      if (e instanceof FleetMismatchError) this.stats.refused++;
      else this.stats.corrupt++;
      this.emit({ type: 'error', error: e as Error });
      return;
    }
    if (s.sender === this.id) {
      // Our own retained state (from before a restart): continue its version numbering.
      this.version = Math.max(this.version, s.version);
      return;
    }
    const held = this.peerStates.get(s.sender);
    if (held && s.version <= held.version) {
      this.stats.stale++;
      return;
    }
    this.peerStates.set(s.sender, s);
    this.dirty = true;
    this.stats.accepted++;
    this.emit({ type: 'accepted', sender: s.sender, version: s.version });
    if (!this.syncing) this.scheduleMerge();
  }

  /** With autoMerge, merges after mergeDelayMs without new states (a burst is merged once). */
  private scheduleMerge(): void {
    if (!this.config.autoMerge || this.stopping) return;
    if (this.mergeTimer) clearTimeout(this.mergeTimer);
    this.mergeTimer = setTimeout(() => {
      this.mergeTimer = null;
      if (this.dirty) this.mergeNow().catch((e: unknown) => this.emit({ type: 'error', error: e as Error }));
    }, this.config.mergeDelayMs);
  }

  /** Runs readout operations one after the other (a merge and a publish never interleave). */
  private serial<T>(f: () => Promise<T>): Promise<T> {
    const run = this.chain.then(f, f);
    this.chain = run.catch(() => undefined);
    return run;
  }

  /** Merges the held peer states into the live readout now. */
  mergeNow(): Promise<MergeResult> {
    return this.serial(async () => {
      this.dirty = false;
      const merged = await this.opts.readout.merge([...this.peerStates.values()]);
      // The merge moved the live readout: the periodic publisher shares the result, so peers
      // converge on one readout instead of each keeping its own last average.
      if (merged.change > this.config.changeTolerance) this.mergedSincePublish = true;
      this.stats.merges++;
      this.emit({ type: 'merged', peers: this.peerStates.size, samples: merged.counts.reduce((a, b) => a + b, 0) });
      return merged;
    });
  }

  /** Publishes the own contribution (retained, QoS 1) with the next version; resolves on PUBACK. */
  publish(): Promise<number> {
    return this.serial(() => this.publishNow());
  }

  private async publishNow(): Promise<number> {
    const client = this.client;
    if (!client) throw new Error(`fleet member ${this.id} is not started`);
    const own = await this.opts.readout.contribution();
    const version = this.version + 1;
    const bytes = encodeFleetState({ ...own, sender: this.id, version, specHash: this.hash, abiVersion: ABI_VERSION, publishedAtMs: Date.now() });
    try {
      await client.publishAsync(this.topic, Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), { qos: 1, retain: true });
    } catch (e) {
      const mqtt = this.mqtt!;
      const code = e instanceof mqtt.ErrorWithReasonCode ? e.code : null;
      const err = new FleetPublishError(this.topic, code, code !== null ? reasonText(mqtt, code) : (e as Error).message);
      this.emit({ type: 'error', error: err });
      throw err;
    }
    this.version = version;
    this.mergedSincePublish = false;
    const samples = own.counts.reduce((a, b) => a + b, 0);
    this.publishedSamples = samples;
    this.stats.published++;
    this.emit({ type: 'published', version, samples });
    return version;
  }

  /** Resolves when `pred` holds (checked now and after every message); rejects after timeoutMs. */
  waitFor(pred: (peers: ReadonlyMap<string, FleetState>) => boolean, timeoutMs: number): Promise<void> {
    if (pred(this.peerStates)) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const check = () => {
        if (!pred(this.peerStates)) return;
        clearTimeout(t);
        this.waiters.delete(check);
        resolve();
      };
      const t = setTimeout(() => {
        this.waiters.delete(check);
        reject(new Error(`fleet member ${this.id}: condition not met within ${timeoutMs} ms (peers: ${[...this.peerStates.values()].map((p) => `${p.sender}@${p.version}`).join(', ') || 'none'})`));
      }, timeoutMs);
      this.waiters.add(check);
    });
  }

  /** Resolves when every listed peer's held version is at least `minVersion`. */
  waitForPeers(ids: readonly string[], minVersion: number, timeoutMs: number): Promise<void> {
    return this.waitFor((p) => ids.every((id) => (p.get(id)?.version ?? -1) >= minVersion), timeoutMs);
  }

  /** Resolves when connected and the post-connect synchronisation has finished. */
  async waitConnected(timeoutMs: number): Promise<void> {
    const end = Date.now() + timeoutMs;
    while (!(this.connected && this.syncing === null)) {
      if (this.fatal) throw this.fatal;
      if (Date.now() > end) throw new Error(`fleet member ${this.id}: not connected within ${timeoutMs} ms`);
      await sleep(20);
    }
  }

  /**
   * Disconnects and stops every timer. The live readout keeps what it merged. With publishFirst,
   * a connected member first publishes what it learned since its last publish (bounded by
   * timeoutMs, default 2000), so a gateway shutting down leaves its latest state in the broker.
   */
  async stop(opts: { publishFirst?: boolean; timeoutMs?: number } = {}): Promise<void> {
    if (opts.publishFirst && this.connected && !this.stopping) {
      const own = await this.opts.readout.ownSamples();
      if (own > 0 && own !== this.publishedSamples) {
        let timer: NodeJS.Timeout | null = null;
        await Promise.race([
          this.publish().catch(() => 0),
          new Promise((r) => { timer = setTimeout(r, opts.timeoutMs ?? 2000); }),
        ]);
        if (timer) clearTimeout(timer);
      }
    }
    this.stopping = true;
    for (const t of [this.reconnectTimer, this.mergeTimer]) if (t) clearTimeout(t);
    if (this.periodTimer) clearInterval(this.periodTimer);
    this.reconnectTimer = this.mergeTimer = this.periodTimer = null;
    const c = this.client;
    if (c) await c.endAsync(true);
  }
}
