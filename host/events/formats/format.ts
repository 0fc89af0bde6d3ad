/**
 * The contract every event-file format implements. Decoders are incremental over arbitrary byte
 * chunks (a record may straddle two chunks; headers are not word-aligned) and hand out DVS events
 * as SoA batches; side channels (IMU, triggers, frames) are kept apart and drained separately.
 * Bad bytes raise DecodeError with the absolute byte offset; a decoder never hangs, never
 * allocates from an untrusted declared size without a bound, and refuses input after an error.
 */
import type { EventBatch, SensorGeometry } from '../types.js';

export type FormatId = 'nmnist' | 'evt2' | 'evt3' | 'dat' | 'aedat2' | 'aedat3' | 'aedat4' | 'es' | 'npy' | 'csv';

export interface ImuSample {
  /** µs. */
  readonly t: number;
  /** Accelerometer, g. */
  readonly accel: readonly [number, number, number];
  /** Gyroscope, degrees per second. */
  readonly gyro: readonly [number, number, number];
  /** Magnetometer, µT, where the format has one. */
  readonly mag?: readonly [number, number, number];
  /** °C, where the format has one. */
  readonly temperature?: number;
}

export interface TriggerEvent {
  /** µs. */
  readonly t: number;
  /** Source or channel id as stored. */
  readonly id: number;
  /** Edge or value as stored (e.g. 1 rising, 0 falling). */
  readonly value: number;
}

export interface FrameRecord {
  /** µs (the format's frame timestamp; exposure start where the format distinguishes). */
  readonly t: number;
  readonly width: number;
  readonly height: number;
  /** Channels per pixel (1 grey, 3 colour). */
  readonly channels: number;
  /** Bits per channel sample (8 or 16). */
  readonly bits: 8 | 16;
  /** Row-major pixels. */
  readonly pixels: Uint8Array | Uint16Array;
}

export interface SideChannels {
  readonly imu: ImuSample[];
  readonly triggers: TriggerEvent[];
  readonly frames: FrameRecord[];
}

/** What a header told us. `fields` keeps the format's own key/value pairs for `inspect`. */
export interface DecodedHeader {
  readonly format: FormatId;
  /** Sensor size, the format's documented default, or null when neither is known. */
  readonly geometry: SensorGeometry | null;
  readonly fields: Readonly<Record<string, string | number>>;
}

export interface DecoderOptions {
  /** File name, used in error messages. */
  readonly source?: string;
  /** Geometry given by the caller (for formats without one, or to validate coordinates). */
  readonly geometry?: SensorGeometry;
  /** Largest batch handed out by one push (bounded memory). Default 65536. */
  readonly maxBatch?: number;
}

export interface EventDecoder {
  readonly format: FormatId;
  /** Decodes a chunk; returns the DVS events completed so far (possibly empty). */
  push(chunk: Uint8Array): EventBatch;
  /** Ends the stream: returns any remaining events; throws DecodeError on a truncated record. */
  end(): EventBatch;
  /** The header, once it has been read (null before, or for headerless formats with no info). */
  header(): DecodedHeader | null;
  /** IMU samples, triggers and frames decoded since the last call (drained). */
  takeSideChannels(): SideChannels;
  /** Bytes consumed so far (the absolute offset of the next byte). */
  readonly bytesConsumed: number;
}

export interface EncoderOptions {
  readonly geometry?: SensorGeometry;
}

export interface EventEncoder {
  readonly format: FormatId;
  /** Encodes a batch (events sorted by time); returns bytes to append (the header comes first). */
  push(batch: EventBatch): Uint8Array;
  /** Finishes the file; returns the trailing bytes (may be empty). */
  end(): Uint8Array;
}

/** A format's entry in the registry (host/events/formats/index.ts). */
export interface FormatInfo {
  readonly id: FormatId;
  readonly description: string;
  /** Lower-case file extensions including the dot, e.g. ['.raw']. */
  readonly extensions: readonly string[];
  /**
   * True when the first bytes identify this format (magic or header). Formats without a header
   * return false and are chosen by extension or an explicit --format.
   */
  sniff(head: Uint8Array): boolean;
  createDecoder(opts?: DecoderOptions): EventDecoder;
  /** Present for formats neurite can write. */
  createEncoder?(opts?: EncoderOptions): EventEncoder;
}

export function emptySideChannels(): SideChannels {
  return { imu: [], triggers: [], frames: [] };
}
