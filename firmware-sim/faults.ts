/**
 * Power-loss faults: learning state checkpointed to emulated NOR flash, power cut at random
 * points (including in the middle of a checkpoint write), restart from the last complete
 * checkpoint.
 *
 * Emulated flash: sectors of `sectorBytes` (erase unit, erased = 0xFF) split into pages of
 * `pageBytes` (program unit). Programming can only clear bits (new = old AND data), as on NOR.
 * Every erase is counted per sector against the device's endurance figure.
 * A power cut tears the operation in progress instead of throwing: a torn erase leaves a random
 * part of the sector erased and the rest stale; a torn program leaves a random prefix of the page
 * programmed and the rest as it was (erased).
 *
 * Checkpoint store: two slots (A/B), each a whole number of sectors. A write goes to the slot not
 * holding the newest checkpoint: erase its sectors, program the payload (encodeCheckpoint's bytes,
 * which end in their own CRC-32), then program the slot header last (magic, sequence number,
 * length, CRC-32 of the payload). The header is the commit record: until it is fully programmed
 * the slot reads as empty or corrupt, so the other slot still holds the last complete checkpoint.
 * Restore reads both slots, keeps those whose header and payload check out and which decode as a
 * checkpoint, and loads the newest.
 */
import { crc32 } from 'node:zlib';
import { NeuriteError } from '../host/errors.js';
import { decodeCheckpoint, encodeCheckpoint } from '../host/runtime/checkpoint.js';
import type { KernelBuild } from '../host/runtime/kernels.js';
import type { Runtime } from '../host/runtime/runtime.js';
import { Xoshiro128 } from '../host/util/prng.js';

/** Thrown by the flash when power is cut during an operation (the operation is left torn). */
export class PowerCut extends NeuriteError {
  override readonly name = 'PowerCut';
  constructor(readonly op: number) {
    super(`power cut during flash operation ${op}`);
  }
}

export class EmulatedFlash {
  readonly bytes: Uint8Array;
  readonly erases: Uint32Array;
  /** Flash operations (erase sector, program page) done so far. */
  ops = 0;
  /** Cut power when `ops` reaches this value (the operation with this index is torn). */
  cutAtOp = Infinity;

  constructor(
    readonly sectorBytes: number,
    readonly pageBytes: number,
    readonly sectors: number,
    private readonly rng: Xoshiro128 = new Xoshiro128(1),
  ) {
    if (sectorBytes % pageBytes !== 0) throw new NeuriteError('sector size must be a multiple of the page size');
    this.bytes = new Uint8Array(sectorBytes * sectors).fill(0xff);
    this.erases = new Uint32Array(sectors);
  }

  private tear(): never {
    const op = this.ops++;
    this.cutAtOp = Infinity;
    throw new PowerCut(op);
  }

  eraseSector(s: number): void {
    const base = s * this.sectorBytes;
    if (this.ops === this.cutAtOp) {
      // Torn erase: a random subset of the sector's bytes is erased.
      for (let i = 0; i < this.sectorBytes; i++) if (this.rng.nextU32() & 1) this.bytes[base + i] = 0xff;
      this.erases[s]++;
      this.tear();
    }
    this.bytes.fill(0xff, base, base + this.sectorBytes);
    this.erases[s]++;
    this.ops++;
  }

  /** Programs up to one page at `addr` (page-aligned), NOR semantics. */
  programPage(addr: number, data: Uint8Array): void {
    if (addr % this.pageBytes !== 0 || data.length > this.pageBytes) throw new NeuriteError('programPage: unaligned or too long');
    const n = this.ops === this.cutAtOp ? this.rng.nextU32() % (data.length + 1) : data.length;
    for (let i = 0; i < n; i++) this.bytes[addr + i] &= data[i];
    if (n < data.length || this.ops === this.cutAtOp) this.tear();
    this.ops++;
  }
}

const SLOT_MAGIC = 0x4e465753; // "NFWS"
const HEADER_BYTES = 16;

export interface StoreStats {
  readonly checkpointsWritten: number;
  readonly maxSectorErases: number;
  readonly enduranceCycles: number;
  /** Checkpoints until the most-erased sector reaches its endurance, at the current wear rate. */
  readonly checkpointsToWearOut: number;
}

export class CheckpointStore {
  readonly slotSectors: number;
  private seq = 0;
  written = 0;

  constructor(readonly flash: EmulatedFlash, maxCheckpointBytes: number, readonly enduranceCycles: number) {
    this.slotSectors = Math.ceil((HEADER_BYTES + maxCheckpointBytes) / flash.sectorBytes);
    if (2 * this.slotSectors > flash.sectors) throw new NeuriteError(`flash too small for two slots of ${this.slotSectors} sectors`);
  }

  private slotBase(slot: number): number {
    return slot * this.slotSectors * this.flash.sectorBytes;
  }

  /** Reads a slot: the payload and sequence number when the slot is complete and intact. */
  readSlot(slot: number): { seq: number; payload: Uint8Array } | null {
    const base = this.slotBase(slot);
    const dv = new DataView(this.flash.bytes.buffer, this.flash.bytes.byteOffset + base, HEADER_BYTES);
    if (dv.getUint32(0, true) !== SLOT_MAGIC) return null;
    const seq = dv.getUint32(4, true);
    const len = dv.getUint32(8, true);
    const crc = dv.getUint32(12, true);
    if (len === 0 || HEADER_BYTES + len > this.slotSectors * this.flash.sectorBytes) return null;
    const payload = this.flash.bytes.slice(base + HEADER_BYTES, base + HEADER_BYTES + len);
    if ((crc32(payload) >>> 0) !== crc) return null;
    return { seq, payload };
  }

  /** Writes a checkpoint of `rt` (may throw PowerCut, leaving the target slot torn). */
  write(rt: Runtime): number {
    const payload = encodeCheckpoint(rt);
    const a = this.readSlot(0);
    const b = this.readSlot(1);
    const target = a && (!b || a.seq > b.seq) ? 1 : 0;
    const nextSeq = Math.max(a?.seq ?? 0, b?.seq ?? 0, this.seq) + 1;
    const base = this.slotBase(target);
    const f = this.flash;
    for (let s = 0; s < this.slotSectors; s++) f.eraseSector(target * this.slotSectors + s);
    // Payload first (page by page, after the header page's first HEADER_BYTES), header last.
    const body = new Uint8Array(HEADER_BYTES + payload.length);
    body.set(payload, HEADER_BYTES);
    body.fill(0xff, 0, HEADER_BYTES);
    for (let off = 0; off < body.length; off += f.pageBytes) f.programPage(base + off, body.subarray(off, Math.min(off + f.pageBytes, body.length)));
    const header = new Uint8Array(HEADER_BYTES);
    const dv = new DataView(header.buffer);
    dv.setUint32(0, SLOT_MAGIC, true);
    dv.setUint32(4, nextSeq, true);
    dv.setUint32(8, payload.length, true);
    dv.setUint32(12, crc32(payload) >>> 0, true);
    f.programPage(base, header);
    this.seq = nextSeq;
    this.written++;
    return nextSeq;
  }

  /** The newest complete, checksum-valid checkpoint as a runtime, or null when there is none. */
  restore(build: KernelBuild = 'simd'): { rt: Runtime; seq: number } | null {
    const slots = [this.readSlot(0), this.readSlot(1)].filter((s): s is { seq: number; payload: Uint8Array } => s !== null).sort((x, y) => y.seq - x.seq);
    for (const s of slots) {
      try {
        return { rt: decodeCheckpoint(s.payload, `flash slot seq ${s.seq}`, build), seq: s.seq };
      } catch {
        // a slot whose header survived but whose payload does not decode: try the older one
      }
    }
    return null;
  }

  stats(): StoreStats {
    const max = this.flash.erases.reduce((m, e) => Math.max(m, e), 0);
    const perCheckpoint = this.written > 0 ? max / this.written : 0;
    return {
      checkpointsWritten: this.written,
      maxSectorErases: max,
      enduranceCycles: this.enduranceCycles,
      checkpointsToWearOut: perCheckpoint > 0 ? Math.floor(this.enduranceCycles / perCheckpoint) : Infinity,
    };
  }
}

export interface CutRecord {
  /** Where power was lost: during checkpoint write op k of the write, or after learning samples. */
  readonly where: 'mid-checkpoint' | 'between-checkpoints';
  /** Sequence number restored after the restart. */
  readonly restoredSeq: number;
  /** Sequence number of the last checkpoint completed before the cut. */
  readonly lastCompleteSeq: number;
  /** Samples learned since the restored checkpoint, lost by the cut. */
  readonly samplesLost: number;
  /** The restored state is byte-identical to the checkpoint as it was written. */
  readonly intact: boolean;
}

export interface CampaignOptions {
  readonly cuts: number;
  /** Checkpoint every N learned samples. */
  readonly interval: number;
  readonly seed?: number;
  readonly sectorBytes?: number;
  readonly pageBytes?: number;
  readonly enduranceCycles?: number;
  /** Fraction of the cuts that land inside a checkpoint write (default 0.6). */
  readonly midWriteFraction?: number;
}

export interface CampaignResult {
  readonly cuts: readonly CutRecord[];
  readonly stats: StoreStats;
  readonly finalRuntime: Runtime;
}

/**
 * Online learning with power cuts: learns samples one after another (calling `learn(rt, i)`),
 * checkpoints every `interval` samples, and cuts power `cuts` times at random points; after each
 * cut the runtime is restored from flash and learning goes on from there.
 */
export function powerCutCampaign(
  start: Runtime,
  learn: (rt: Runtime, sampleIndex: number) => void,
  checkpointBytesMax: number,
  o: CampaignOptions,
): CampaignResult {
  const rng = new Xoshiro128(o.seed ?? 1);
  const sector = o.sectorBytes ?? 4096;
  const page = o.pageBytes ?? 256;
  const slotSectors = Math.ceil((HEADER_BYTES + checkpointBytesMax) / sector);
  const flash = new EmulatedFlash(sector, page, 2 * slotSectors, new Xoshiro128((o.seed ?? 1) ^ 0x5eed));
  const store = new CheckpointStore(flash, checkpointBytesMax, o.enduranceCycles ?? 10_000);
  const written = new Map<number, number>(); // seq -> crc32 of the payload as written
  let rt = start;
  const first = store.write(rt);
  written.set(first, crc32(store.readSlot(0)!.payload) >>> 0);
  let lastComplete = first;
  let sample = 0;
  const opsPerWrite = slotSectors + Math.ceil((HEADER_BYTES + checkpointBytesMax) / page) + 1;
  const records: CutRecord[] = [];
  for (let c = 0; c < o.cuts; c++) {
    const midWrite = rng.nextFloat() < (o.midWriteFraction ?? 0.6);
    // Cut during the k-th checkpoint write from now, at a random operation of it; or after a
    // random number of learned samples.
    const writesBefore = Math.floor(rng.nextFloat() * 2);
    const samplesBeforeCut = 1 + Math.floor(rng.nextFloat() * (2 * o.interval));
    let since = 0;
    let writes = 0;
    let learned = 0;
    for (;;) {
      learn(rt, sample++);
      since++;
      learned++;
      if (!midWrite && learned >= samplesBeforeCut) break;
      if (since < o.interval) continue;
      if (midWrite && writes === writesBefore) flash.cutAtOp = flash.ops + Math.floor(rng.nextFloat() * opsPerWrite);
      try {
        const seq = store.write(rt);
        const slot = store.readSlot(0)?.seq === seq ? 0 : 1;
        written.set(seq, crc32(store.readSlot(slot)!.payload) >>> 0);
        lastComplete = seq;
        since = 0;
        writes++;
      } catch (e) {
        if (!(e instanceof PowerCut)) throw e;
        break;
      }
    }
    flash.cutAtOp = Infinity;
    // Restart: everything in RAM is gone; restore from flash.
    const restored = store.restore(rt.build);
    if (!restored) throw new NeuriteError(`cut ${c}: no complete checkpoint could be restored`);
    const slot = store.readSlot(0)?.seq === restored.seq ? 0 : 1;
    const intact = (crc32(store.readSlot(slot)!.payload) >>> 0) === written.get(restored.seq);
    records.push({ where: midWrite ? 'mid-checkpoint' : 'between-checkpoints', restoredSeq: restored.seq, lastCompleteSeq: lastComplete, samplesLost: since, intact });
    rt = restored.rt;
  }
  return { cuts: records, stats: store.stats(), finalRuntime: rt };
}
