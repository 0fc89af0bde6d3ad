/**
 * The sending side of the gateway's wire format, for bridges, tests and the benchmark: packs
 * samples (begin record, events, end record) and unlabelled event runs into messages of at most
 * `maxBytes`, numbering them per stream. Times are sensor microseconds on one clock per stream:
 * `StreamPacker.sample` places each sample after the previous one.
 */
import dgram from 'node:dgram';
import net from 'node:net';
import type { EventBatch } from '../events/types.js';
import { EVENT_BYTES, MSG_HEADER_BYTES, type OutRecord, RECORD_BYTES, encodeMessage, messageBytes, tcpFrame } from './protocol.js';

export class StreamPacker {
  seq = 0;
  /** The stream clock (µs): where the next sample begins. */
  clockUs = 0;

  constructor(
    readonly streamId: number,
    readonly maxBytes = 1472,
  ) {
    if (maxBytes < MSG_HEADER_BYTES + 3 * RECORD_BYTES + EVENT_BYTES) throw new RangeError(`maxBytes ${maxBytes} is too small for one event`);
  }

  private pack(records: OutRecord[][]): Uint8Array[] {
    return records.map((r) => encodeMessage(this.streamId, this.seq++, r));
  }

  /**
   * One sample: its events (times from 0) shifted to the stream clock, framed by begin/end
   * records with the label (null = unlabelled). The clock then moves past the sample by `gapUs`.
   */
  sample(events: EventBatch, label: number | null, gapUs = 1000): Uint8Array[] {
    const t0 = this.clockUs;
    const n = events.length;
    const t = new Float64Array(n);
    for (let i = 0; i < n; i++) t[i] = t0 + events.t[i];
    const end = n > 0 ? t[n - 1] + 1 : t0;
    this.clockUs = Math.ceil(end + gapUs);
    const perMsg = Math.floor((this.maxBytes - MSG_HEADER_BYTES - 3 * RECORD_BYTES) / EVENT_BYTES);
    const msgs: OutRecord[][] = [];
    let cur: OutRecord[] = [{ kind: 'begin', label, t: t0 }];
    for (let from = 0; from < n; from += perMsg) {
      const to = Math.min(n, from + perMsg);
      cur.push({ kind: 'events', t, x: events.x, y: events.y, p: events.p, from, to });
      if (to < n) {
        msgs.push(cur);
        cur = [];
      }
    }
    const endRec: OutRecord = { kind: 'end', label, t: end };
    if (messageBytes([...cur, endRec]) <= this.maxBytes) cur.push(endRec);
    else {
      msgs.push(cur);
      cur = [endRec];
    }
    msgs.push(cur);
    return this.pack(msgs);
  }

  /** Unlabelled events with absolute stream times (no sample records), `perMsg` events a message. */
  events(events: EventBatch, from = 0, to = events.length): Uint8Array[] {
    const perMsg = Math.floor((this.maxBytes - MSG_HEADER_BYTES - RECORD_BYTES) / EVENT_BYTES);
    const msgs: OutRecord[][] = [];
    for (let a = from; a < to; a += perMsg) msgs.push([{ kind: 'events', t: events.t, x: events.x, y: events.y, p: events.p, from: a, to: Math.min(to, a + perMsg) }]);
    if (to > from && events.t[to - 1] >= this.clockUs) this.clockUs = Math.ceil(events.t[to - 1] + 1);
    return this.pack(msgs);
  }
}

/** A UDP client: sends messages, waiting for each batch of sends to complete. */
export class UdpSender {
  private readonly socket: dgram.Socket;

  constructor(readonly host: string, readonly port: number, sendBufferBytes = 4 << 20) {
    this.socket = dgram.createSocket({ type: host.includes(':') ? 'udp6' : 'udp4', sendBufferSize: sendBufferBytes });
  }

  send(msg: Uint8Array): Promise<void> {
    return new Promise((resolve, reject) => this.socket.send(msg, this.port, this.host, (e) => (e ? reject(e) : resolve())));
  }

  async sendAll(msgs: readonly Uint8Array[]): Promise<void> {
    for (const m of msgs) await this.send(m);
  }

  /** Hands every message to the socket at once (a burst), then waits for all of them. */
  burst(msgs: readonly Uint8Array[]): Promise<void> {
    return Promise.all(msgs.map((m) => this.send(m))).then(() => undefined);
  }

  close(): void {
    this.socket.close();
  }
}

/** A TCP client for one sensor: length-prefixed messages, honouring the socket's back-pressure. */
export class TcpSender {
  private constructor(private readonly socket: net.Socket) {}

  static connect(host: string, port: number): Promise<TcpSender> {
    return new Promise((resolve, reject) => {
      const s = net.connect(port, host, () => {
        s.off('error', reject);
        resolve(new TcpSender(s));
      });
      s.once('error', reject);
    });
  }

  /** Resolves once the bytes are handed to the kernel (waits for 'drain' when the buffer is full). */
  write(bytes: Uint8Array): Promise<void> {
    return new Promise((resolve, reject) => {
      const ok = this.socket.write(bytes, (e) => { if (e) reject(e); });
      if (ok) resolve();
      else this.socket.once('drain', () => resolve());
    });
  }

  async sendAll(msgs: readonly Uint8Array[]): Promise<void> {
    for (const m of msgs) await this.write(tcpFrame(m));
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.socket.end(() => resolve()));
  }

  destroy(): void {
    this.socket.destroy();
  }
}
