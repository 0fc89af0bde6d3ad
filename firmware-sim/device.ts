/**
 * Device profiles (firmware-sim/profiles/*.json): typed, validated, every figure with its source
 * and confidence. A profile that fails validation is refused with every problem and its JSON path.
 *
 * Confidence levels (after the legend of the reference notes, ../shared/reference/mcu-energy.md):
 *   verified             the number appears in vendor or datasheet text
 *   verified-secondary   a third-party page quoting the datasheet
 *   derived              computed from verified numbers (the arithmetic is in the source text)
 *   calibrated           fitted to a measurement (MLPerf Tiny) by calibration.ts
 *   unverified           recalled or estimated, not found in a source: check before relying on it
 *   assumed              a modelling parameter chosen here, not a device fact
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { NeuriteError, UsageError } from '../host/errors.js';
import { CORE_FAMILIES, isCoreFamily, type CoreFamily } from './cores.js';

export const CONFIDENCE = ['verified', 'verified-secondary', 'derived', 'calibrated', 'unverified', 'assumed'] as const;
export type Confidence = (typeof CONFIDENCE)[number];

/** One number with where it came from. */
export interface Figure {
  readonly value: number;
  readonly source: string;
  readonly confidence: Confidence;
  readonly note?: string;
}

export interface OperatingPoint {
  /** Highest clock this point is valid for (MHz). */
  readonly maxMHz: number;
  /** Run current per MHz (µA/MHz) at `voltageV`. */
  readonly uaPerMHz: number;
  readonly voltageV: number;
  readonly regulator: 'LDO' | 'SMPS' | 'DCDC' | 'internal' | 'unknown';
  /** What was running when the figure was measured (CoreMark, while(1), ...). */
  readonly condition: string;
  /** false for best-case headline figures (e.g. while(1)) that should not drive estimates. */
  readonly representative: boolean;
  readonly source: string;
  readonly confidence: Confidence;
}

export interface SleepMode {
  readonly name: string;
  readonly currentUA: Figure;
  /** Does this mode keep SRAM (the learned state) without a checkpoint? */
  readonly retainsSram: boolean;
  readonly wakeupUs: Figure | null;
  /** Charge drawn by one wake-up (nA·s), when known; else wakeupUs x run current is used. */
  readonly wakeupChargeNAs: Figure | null;
}

export interface DeviceProfile {
  readonly id: string;
  readonly name: string;
  readonly class: 'mcu' | 'gateway';
  readonly core: { readonly family: CoreFamily; readonly count: number; readonly description: string; readonly source: string; readonly confidence: Confidence };
  readonly clock: { readonly maxMHz: Figure; readonly defaultMHz: number };
  readonly memory: {
    readonly sramBytes: Figure;
    /** Largest contiguous SRAM block (a wasm linear memory must be contiguous). */
    readonly sramLargestBlockBytes: Figure;
    readonly flashBytes: Figure;
    readonly flashSectorBytes: Figure;
    readonly flashEnduranceCycles: Figure;
    readonly note?: string;
  };
  readonly fetch: {
    /** Clock (MHz) covered per flash wait state: wait states = ceil(f / zeroWaitMHz) - 1. 0 = no wait states modelled. */
    readonly zeroWaitMHz: Figure;
    /** Fraction of instruction fetches served by the flash accelerator / cache. */
    readonly hitRate: Figure;
    /** Extra cycles per missing fetch on top of the wait states (e.g. QSPI XIP), cycles. */
    readonly missPenaltyCycles: Figure;
  };
  readonly dataCache: null | {
    readonly bytes: Figure;
    readonly lineBytes: Figure;
    readonly missPenaltyCycles: Figure;
    /** Tightly coupled / zero-wait memory that holds the arena when it fits. */
    readonly tcmBytes: Figure;
  };
  readonly power: {
    readonly operatingPoints: readonly OperatingPoint[];
    /** Current drawn while active regardless of clock (flash banks, regulators), µA. */
    readonly staticActiveUA: Figure;
    readonly sleep: readonly SleepMode[];
    /** Highest current of the device while active (for the battery peak check), mA. */
    readonly peakActiveMA: Figure;
  };
  readonly gateway: null | {
    readonly idleW: Figure;
    readonly perCoreActiveW: Figure;
  };
  readonly notes: readonly string[];
}

export interface ProfileIssue {
  readonly path: string;
  readonly message: string;
}

/** A device profile failed validation; every problem is listed with its JSON path. */
export class DeviceProfileError extends NeuriteError {
  override readonly name = 'DeviceProfileError';
  constructor(readonly file: string, readonly issues: readonly ProfileIssue[]) {
    super(`device profile ${file} has ${issues.length} error${issues.length === 1 ? '' : 's'}:\n` + issues.map((i) => `  ${i.path}: ${i.message}`).join('\n'));
  }
}

type Obj = Record<string, unknown>;

class Checker {
  readonly issues: ProfileIssue[] = [];
  fail(path: string, message: string): void {
    this.issues.push({ path, message });
  }
  obj(v: unknown, path: string): Obj | null {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) {
      this.fail(path, `must be an object, got ${describe(v)}`);
      return null;
    }
    return v as Obj;
  }
  keys(o: Obj, path: string, required: readonly string[], optional: readonly string[] = []): void {
    for (const k of required) if (!(k in o)) this.fail(`${path}.${k}`, 'is required');
    for (const k of Object.keys(o)) if (!required.includes(k) && !optional.includes(k)) this.fail(`${path}.${k}`, 'unknown field');
  }
  str(o: Obj, k: string, path: string): string {
    const v = o[k];
    if (typeof v !== 'string' || v.length === 0) {
      if (k in o) this.fail(`${path}.${k}`, `must be a non-empty string, got ${describe(v)}`);
      return '';
    }
    return v;
  }
  num(o: Obj, k: string, path: string, min = -Infinity, max = Infinity): number {
    const v = o[k];
    if (typeof v !== 'number' || !Number.isFinite(v)) {
      if (k in o) this.fail(`${path}.${k}`, `must be a finite number, got ${describe(v)}`);
      return NaN;
    }
    if (v < min || v > max) this.fail(`${path}.${k}`, `must be in [${min}, ${max}], got ${v}`);
    return v;
  }
  bool(o: Obj, k: string, path: string): boolean {
    const v = o[k];
    if (typeof v !== 'boolean') {
      if (k in o) this.fail(`${path}.${k}`, `must be true or false, got ${describe(v)}`);
      return false;
    }
    return v;
  }
  oneOf<T extends string>(o: Obj, k: string, path: string, allowed: readonly T[]): T {
    const v = o[k];
    if (typeof v !== 'string' || !allowed.includes(v as T)) {
      if (k in o) this.fail(`${path}.${k}`, `must be one of ${allowed.map((a) => JSON.stringify(a)).join(', ')}, got ${describe(v)}`);
      return allowed[0];
    }
    return v as T;
  }
  figure(v: unknown, path: string, min = 0, max = Infinity): Figure {
    const o = this.obj(v, path);
    if (!o) return { value: NaN, source: '', confidence: 'unverified' };
    this.keys(o, path, ['value', 'source', 'confidence'], ['note']);
    const value = this.num(o, 'value', path, min, max);
    const source = this.str(o, 'source', path);
    const confidence = this.oneOf(o, 'confidence', path, CONFIDENCE);
    const note = typeof o.note === 'string' ? o.note : undefined;
    if ('note' in o && typeof o.note !== 'string') this.fail(`${path}.note`, `must be a string, got ${describe(o.note)}`);
    return { value, source, confidence, ...(note !== undefined ? { note } : {}) };
  }
  figureOrNull(v: unknown, path: string, min = 0): Figure | null {
    return v === null ? null : this.figure(v, path, min);
  }
}

function describe(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'object') return 'an object';
  return `${typeof v} ${JSON.stringify(v)}`;
}

/** Validates a parsed profile; throws DeviceProfileError listing every problem. */
export function validateProfile(raw: unknown, file = '<profile>'): DeviceProfile {
  const c = new Checker();
  const root = c.obj(raw, '$');
  if (!root) throw new DeviceProfileError(file, c.issues);
  c.keys(root, '$', ['id', 'name', 'class', 'core', 'clock', 'memory', 'fetch', 'dataCache', 'power', 'gateway', 'notes'], ['$comment']);
  const id = c.str(root, 'id', '$');
  if (id && !/^[a-z0-9][a-z0-9-]*$/.test(id)) c.fail('$.id', `must be lower-case letters, digits and dashes, got ${JSON.stringify(id)}`);
  const name = c.str(root, 'name', '$');
  const cls = c.oneOf(root, 'class', '$', ['mcu', 'gateway'] as const);

  const coreO = c.obj(root.core, '$.core');
  let core: DeviceProfile['core'] = { family: 'M4', count: 1, description: '', source: '', confidence: 'unverified' };
  if (coreO) {
    c.keys(coreO, '$.core', ['family', 'count', 'description', 'source', 'confidence']);
    const fam = coreO.family;
    if (typeof fam !== 'string' || !isCoreFamily(fam)) c.fail('$.core.family', `must be one of ${CORE_FAMILIES.join(', ')}, got ${describe(fam)}`);
    const count = c.num(coreO, 'count', '$.core', 1, 64);
    if (Number.isFinite(count) && !Number.isInteger(count)) c.fail('$.core.count', `must be an integer, got ${count}`);
    core = {
      family: typeof fam === 'string' && isCoreFamily(fam) ? fam : 'M4',
      count,
      description: c.str(coreO, 'description', '$.core'),
      source: c.str(coreO, 'source', '$.core'),
      confidence: c.oneOf(coreO, 'confidence', '$.core', CONFIDENCE),
    };
  }

  const clockO = c.obj(root.clock, '$.clock');
  let clock: DeviceProfile['clock'] = { maxMHz: { value: NaN, source: '', confidence: 'unverified' }, defaultMHz: NaN };
  if (clockO) {
    c.keys(clockO, '$.clock', ['maxMHz', 'defaultMHz']);
    const maxMHz = c.figure(clockO.maxMHz, '$.clock.maxMHz', 1);
    const defaultMHz = c.num(clockO, 'defaultMHz', '$.clock', 1);
    if (defaultMHz > maxMHz.value) c.fail('$.clock.defaultMHz', `must not exceed maxMHz (${maxMHz.value}), got ${defaultMHz}`);
    clock = { maxMHz, defaultMHz };
  }

  const memO = c.obj(root.memory, '$.memory');
  const nanFig: Figure = { value: NaN, source: '', confidence: 'unverified' };
  let memory: DeviceProfile['memory'] = { sramBytes: nanFig, sramLargestBlockBytes: nanFig, flashBytes: nanFig, flashSectorBytes: nanFig, flashEnduranceCycles: nanFig };
  if (memO) {
    c.keys(memO, '$.memory', ['sramBytes', 'sramLargestBlockBytes', 'flashBytes', 'flashSectorBytes', 'flashEnduranceCycles'], ['note']);
    memory = {
      sramBytes: c.figure(memO.sramBytes, '$.memory.sramBytes', 1),
      sramLargestBlockBytes: c.figure(memO.sramLargestBlockBytes, '$.memory.sramLargestBlockBytes', 1),
      flashBytes: c.figure(memO.flashBytes, '$.memory.flashBytes', 1),
      flashSectorBytes: c.figure(memO.flashSectorBytes, '$.memory.flashSectorBytes', 1),
      flashEnduranceCycles: c.figure(memO.flashEnduranceCycles, '$.memory.flashEnduranceCycles', 1),
      ...(typeof memO.note === 'string' ? { note: memO.note } : {}),
    };
    if (memory.sramLargestBlockBytes.value > memory.sramBytes.value) {
      c.fail('$.memory.sramLargestBlockBytes.value', `must not exceed sramBytes (${memory.sramBytes.value}), got ${memory.sramLargestBlockBytes.value}`);
    }
  }

  const fetchO = c.obj(root.fetch, '$.fetch');
  let fetch: DeviceProfile['fetch'] = { zeroWaitMHz: nanFig, hitRate: nanFig, missPenaltyCycles: nanFig };
  if (fetchO) {
    c.keys(fetchO, '$.fetch', ['zeroWaitMHz', 'hitRate', 'missPenaltyCycles']);
    fetch = {
      zeroWaitMHz: c.figure(fetchO.zeroWaitMHz, '$.fetch.zeroWaitMHz', 0),
      hitRate: c.figure(fetchO.hitRate, '$.fetch.hitRate', 0, 1),
      missPenaltyCycles: c.figure(fetchO.missPenaltyCycles, '$.fetch.missPenaltyCycles', 0),
    };
  }

  let dataCache: DeviceProfile['dataCache'] = null;
  if (root.dataCache !== null && 'dataCache' in root) {
    const o = c.obj(root.dataCache, '$.dataCache');
    if (o) {
      c.keys(o, '$.dataCache', ['bytes', 'lineBytes', 'missPenaltyCycles', 'tcmBytes']);
      dataCache = {
        bytes: c.figure(o.bytes, '$.dataCache.bytes', 1),
        lineBytes: c.figure(o.lineBytes, '$.dataCache.lineBytes', 1),
        missPenaltyCycles: c.figure(o.missPenaltyCycles, '$.dataCache.missPenaltyCycles', 0),
        tcmBytes: c.figure(o.tcmBytes, '$.dataCache.tcmBytes', 0),
      };
    }
  }

  const powerO = c.obj(root.power, '$.power');
  let power: DeviceProfile['power'] = { operatingPoints: [], staticActiveUA: nanFig, sleep: [], peakActiveMA: nanFig };
  if (powerO) {
    c.keys(powerO, '$.power', ['operatingPoints', 'staticActiveUA', 'sleep', 'peakActiveMA']);
    const ops: OperatingPoint[] = [];
    if (!Array.isArray(powerO.operatingPoints)) c.fail('$.power.operatingPoints', `must be an array, got ${describe(powerO.operatingPoints)}`);
    else {
      powerO.operatingPoints.forEach((p, i) => {
        const path = `$.power.operatingPoints[${i}]`;
        const o = c.obj(p, path);
        if (!o) return;
        c.keys(o, path, ['maxMHz', 'uaPerMHz', 'voltageV', 'regulator', 'condition', 'representative', 'source', 'confidence']);
        ops.push({
          maxMHz: c.num(o, 'maxMHz', path, 1),
          uaPerMHz: c.num(o, 'uaPerMHz', path, 0),
          voltageV: c.num(o, 'voltageV', path, 0.5, 20),
          regulator: c.oneOf(o, 'regulator', path, ['LDO', 'SMPS', 'DCDC', 'internal', 'unknown'] as const),
          condition: c.str(o, 'condition', path),
          representative: c.bool(o, 'representative', path),
          source: c.str(o, 'source', path),
          confidence: c.oneOf(o, 'confidence', path, CONFIDENCE),
        });
      });
      if (cls === 'mcu' && !ops.some((p) => p.representative)) c.fail('$.power.operatingPoints', 'an MCU needs at least one representative operating point');
    }
    const sleep: SleepMode[] = [];
    if (!Array.isArray(powerO.sleep)) c.fail('$.power.sleep', `must be an array, got ${describe(powerO.sleep)}`);
    else {
      powerO.sleep.forEach((s, i) => {
        const path = `$.power.sleep[${i}]`;
        const o = c.obj(s, path);
        if (!o) return;
        c.keys(o, path, ['name', 'currentUA', 'retainsSram', 'wakeupUs', 'wakeupChargeNAs']);
        sleep.push({
          name: c.str(o, 'name', path),
          currentUA: c.figure(o.currentUA, `${path}.currentUA`),
          retainsSram: c.bool(o, 'retainsSram', path),
          wakeupUs: c.figureOrNull(o.wakeupUs, `${path}.wakeupUs`),
          wakeupChargeNAs: c.figureOrNull(o.wakeupChargeNAs, `${path}.wakeupChargeNAs`),
        });
      });
    }
    power = {
      operatingPoints: ops,
      staticActiveUA: c.figure(powerO.staticActiveUA, '$.power.staticActiveUA'),
      sleep,
      peakActiveMA: c.figure(powerO.peakActiveMA, '$.power.peakActiveMA'),
    };
  }

  let gateway: DeviceProfile['gateway'] = null;
  if (root.gateway !== null && 'gateway' in root) {
    const o = c.obj(root.gateway, '$.gateway');
    if (o) {
      c.keys(o, '$.gateway', ['idleW', 'perCoreActiveW']);
      gateway = { idleW: c.figure(o.idleW, '$.gateway.idleW'), perCoreActiveW: c.figure(o.perCoreActiveW, '$.gateway.perCoreActiveW') };
    }
  }
  if (cls === 'gateway' && gateway === null) c.fail('$.gateway', 'a gateway needs idleW and perCoreActiveW');

  const notes: string[] = [];
  if (!Array.isArray(root.notes) || !root.notes.every((n) => typeof n === 'string')) c.fail('$.notes', 'must be an array of strings');
  else notes.push(...(root.notes as string[]));

  if (c.issues.length) throw new DeviceProfileError(file, c.issues);
  return { id, name, class: cls, core, clock, memory, fetch, dataCache, power, gateway, notes };
}

function profilesDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const p = join(dir, 'firmware-sim', 'profiles');
    if (existsSync(p) && existsSync(join(dir, 'package.json'))) return p;
    const up = dirname(dir);
    if (up === dir) throw new UsageError('cannot find firmware-sim/profiles in the neurite package');
    dir = up;
  }
}

/** Parses and validates one profile file. */
export function loadProfileFile(path: string): DeviceProfile {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new DeviceProfileError(path, [{ path: '$', message: `not valid JSON: ${(e as Error).message}` }]);
  }
  const p = validateProfile(raw, path);
  if (p.id !== basename(path, '.json')) throw new DeviceProfileError(path, [{ path: '$.id', message: `must match the file name "${basename(path, '.json')}", got "${p.id}"` }]);
  return p;
}

let cache: DeviceProfile[] | null = null;

/** Every bundled profile, sorted: MCUs first, then gateways, by id. */
export function listDevices(): DeviceProfile[] {
  if (!cache) {
    const dir = profilesDir();
    cache = readdirSync(dir)
      .filter((f) => f.endsWith('.json'))
      .map((f) => loadProfileFile(join(dir, f)))
      .sort((a, b) => (a.class === b.class ? a.id.localeCompare(b.id) : a.class === 'mcu' ? -1 : 1));
  }
  return cache;
}

/** A bundled profile by id, or a profile file by path. */
export function loadDevice(idOrPath: string): DeviceProfile {
  if (idOrPath.endsWith('.json') || idOrPath.includes('/')) return loadProfileFile(idOrPath);
  const d = listDevices().find((p) => p.id === idOrPath);
  if (!d) throw new UsageError(`no device "${idOrPath}" (devices: ${listDevices().map((p) => p.id).join(', ')})`);
  return d;
}

/**
 * The operating point used at clock f: the first representative point in the profile (the
 * profile lists its default first) that allows f, optionally of a given regulator.
 */
export function operatingPointAt(d: DeviceProfile, mhz: number, regulator?: string): OperatingPoint | null {
  return d.power.operatingPoints.find((p) => p.representative && p.maxMHz >= mhz && (!regulator || p.regulator === regulator)) ?? null;
}

/** Flash wait states at clock f (0 when the profile models none). */
export function waitStatesAt(d: DeviceProfile, mhz: number): number {
  const z = d.fetch.zeroWaitMHz.value;
  return z > 0 ? Math.max(0, Math.ceil(mhz / z) - 1) : 0;
}
