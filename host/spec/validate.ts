/**
 * Model spec validation: the edge where an untrusted parsed-JSON value becomes a typed ModelSpec.
 *
 * `validateSpec` walks the whole document and collects every problem before throwing, so a user
 * fixes a spec in one round. Each problem carries the JSON path of the offending value
 * (`populations[1].neuron.tauMemMs`) and a message that says what was expected and what was found
 * (`must be > 0, got -5`). Unknown fields are errors, with a spelling suggestion when one is close.
 * On success the result is a fresh object (the input is never modified or aliased) with every
 * default filled in, so validating a result again gives the same object.
 *
 * Rules that the types cannot express are listed in the doc comments of `./types.ts` and checked
 * here; the JSON Schema in `schema/model-spec.schema.json` expresses the subset a schema can.
 */
import { SpecError } from '../errors.js';
import { CONNECTIVITY_KEYS, connectivityNetworkIssues, readConnectivityFields } from '../plan/connectivity.js';
import {
  SPEC_VERSION,
  type InputSpec,
  type LifNeuronSpec,
  type IzhikevichNeuronSpec,
  type LifCondNeuronSpec,
  type LifEscapeNeuronSpec,
  type NeuronSpec,
  type ModelSpec,
  type PopulationSpec,
  type ProjectionSpec,
  type ReadoutSpec,
  type ClasspSpec,
  type ModesSpec,
  type VariabilitySpec,
  type HomeostasisSpec,
  type StdpPairSpec,
  type PlasticitySpec,
  type LifI16NeuronSpec,
  type TeacherSpec,
  type WeightInit,
  type WtaSpec,
} from './types.js';

/** One validation problem: where (JSON path, `$` for the whole document) and what. */
export interface SpecIssue {
  path: string;
  message: string;
}

/** Values filled in for optional fields that are absent. */
export const SPEC_DEFAULTS = {
  seed: 1,
  bufferEvents: 16384,
  bufferSteps: 512,
  xOffset: 0,
} as const;

/** Identifier rule for the spec name and population names. */
export const SPEC_NAME_PATTERN = /^[a-z0-9][a-z0-9-]*$/;

/** Bounds of the numeric fields (inclusive unless named `...Exclusive`). */
export const SPEC_LIMITS = {
  dtMsMax: 100,
  seedMax: 0xffffffff,
  sensorSideMax: 65535,
  bufferEventsMax: 16777216,
  bufferStepsMax: 65536,
  populationSizeMax: 1048576,
  learningRateMaxExclusive: 2,
} as const;

/**
 * Checks an untrusted value (typically from JSON.parse) against the model spec format and returns a
 * typed, defaults-filled copy. Throws SpecError listing every problem found, never anything else.
 */
export function validateSpec(input: unknown): ModelSpec {
  const ctx = new Ctx();
  const spec = readSpec(ctx, input);
  if (ctx.issues.length > 0) throw new SpecError(ctx.issues);
  if (spec === undefined) throw new SpecError([{ path: '$', message: 'is not a valid model spec' }]);
  return spec;
}

/**
 * Parses JSON text and validates it. A syntax error becomes a SpecError at path `$` whose message
 * gives the line and column (1-based) and what the parser expected there. `source` (a file name)
 * is only used in that message.
 */
export function parseSpecJson(text: string, source?: string): ModelSpec {
  // A byte-order mark at the start is legal in files but not in JSON.parse.
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch (e) {
    const where = source !== undefined && source !== '' ? ` in ${source}` : '';
    const found = findJsonSyntaxError(body);
    let message: string;
    if (found !== undefined) {
      const { line, column } = lineColumn(body, found.offset);
      message = `invalid JSON${where} at line ${line}, column ${column}: ${found.message}`;
    } else {
      // Our scanner and the engine disagree; keep the engine's words.
      message = `invalid JSON${where}: ${e instanceof Error ? e.message : String(e)}`;
    }
    throw new SpecError([{ path: '$', message }]);
  }
  return validateSpec(value);
}

// ------------------------------------------------------------------------------------------------
// Collecting problems

class Ctx {
  readonly issues: SpecIssue[] = [];
  /** Edit-distance computations left for spelling suggestions. */
  suggestBudget = 200_000;
  get count(): number {
    return this.issues.length;
  }
  add(path: string, message: string): void {
    this.issues.push({ path: path === '' ? '$' : path, message });
  }
}

type Obj = Record<string, unknown>;

const IDENT_KEY = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

function join(path: string, key: string): string {
  if (key.length <= 64 && IDENT_KEY.test(key)) return path === '' ? key : `${path}.${key}`;
  return `${path}[${JSON.stringify(clip(key, 64))}]`;
}

function index(path: string, i: number): string {
  return `${path}[${i}]`;
}

function clip(s: string, max: number): string {
  return s.length > max ? `${s.slice(0, max)}…` : s;
}

function quote(s: string): string {
  return JSON.stringify(clip(s, 60));
}

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The value of an own property, or undefined (absent and explicitly undefined are the same). */
function get(o: Obj, key: string): unknown {
  return Object.prototype.hasOwnProperty.call(o, key) ? o[key] : undefined;
}

/** A found value with its type, for type errors: `string "5"`, `number 3`, `null`, `array`. */
function typed(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  switch (typeof v) {
    case 'string':
      return `string ${quote(v)}`;
    case 'number':
      return `number ${String(v)}`;
    case 'boolean':
      return `boolean ${String(v)}`;
    default:
      return typeof v;
  }
}

function quoteList(values: readonly string[], max = 20): string {
  const shown = values.slice(0, max).map((v) => quote(v));
  const more = values.length > max ? `, … (${values.length - max} more)` : '';
  return shown.join(', ') + more;
}

// ------------------------------------------------------------------------------------------------
// Spelling suggestions

/** Optimal-string-alignment distance (Levenshtein plus adjacent transposition). */
function editDistance(a: string, b: string): number {
  const n = a.length;
  const m = b.length;
  let prev2 = new Array<number>(m + 1).fill(0);
  let prev = Array.from({ length: m + 1 }, (_, j) => j);
  let cur = new Array<number>(m + 1).fill(0);
  for (let i = 1; i <= n; i++) {
    cur[0] = i;
    for (let j = 1; j <= m; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        d = Math.min(d, prev2[j - 2] + 1);
      }
      cur[j] = d;
    }
    [prev2, prev, cur] = [prev, cur, prev2];
  }
  return prev[m];
}

/**
 * The closest candidate if it is close enough to be a likely typo. `ctx` carries a budget of
 * distance computations, so a hostile spec with thousands of bad references stays fast (later
 * messages then simply carry no suggestion).
 */
function suggest(ctx: Ctx, word: string, candidates: readonly string[]): string | undefined {
  if (word.length === 0 || word.length > 64) return undefined;
  const lower = word.toLowerCase();
  let best: string | undefined;
  let bestD = Infinity;
  for (const c of candidates) {
    if (ctx.suggestBudget <= 0) break;
    if (c.length > 64) continue;
    const limit = Math.max(1, Math.floor(Math.max(word.length, c.length) / 3));
    if (Math.abs(c.length - word.length) > limit) continue;
    ctx.suggestBudget--;
    const cl = c.toLowerCase();
    const d = cl === lower ? 0.5 : editDistance(lower, cl);
    if (d <= limit && d < bestD) {
      bestD = d;
      best = c;
    }
  }
  return best;
}

function didYouMean(ctx: Ctx, word: string, candidates: readonly string[]): string {
  const s = suggest(ctx, word, candidates);
  return s === undefined ? '' : ` (did you mean ${quote(s)}?)`;
}

// ------------------------------------------------------------------------------------------------
// Field readers. Each returns the checked value, or undefined after recording a problem (or when
// an optional field is absent).

interface NumRule {
  int?: boolean;
  gt?: number;
  ge?: number;
  lt?: number;
  le?: number;
}

function boundsText(r: NumRule): string {
  const parts: string[] = [];
  if (r.gt !== undefined) parts.push(`> ${r.gt}`);
  if (r.ge !== undefined) parts.push(`>= ${r.ge}`);
  if (r.lt !== undefined) parts.push(`< ${r.lt}`);
  if (r.le !== undefined) parts.push(`<= ${r.le}`);
  return parts.join(' and ');
}

function numExpected(r: NumRule): string {
  const b = boundsText(r);
  return `${r.int ? 'an integer' : 'a number'}${b === '' ? '' : ' ' + b}`;
}

function missing(ctx: Ctx, path: string, expected: string): void {
  ctx.add(path, `missing required field (expected ${expected})`);
}

function checkNum(ctx: Ctx, v: unknown, path: string, r: NumRule): number | undefined {
  const kind = r.int ? 'an integer' : 'a number';
  if (typeof v !== 'number') {
    ctx.add(path, `must be ${kind}, got ${typed(v)}`);
    return undefined;
  }
  if (!Number.isFinite(v)) {
    ctx.add(path, `must be a finite number, got ${String(v)}`);
    return undefined;
  }
  if (r.int && !Number.isInteger(v)) {
    ctx.add(path, `must be an integer, got ${String(v)}`);
    return undefined;
  }
  if (
    (r.gt !== undefined && !(v > r.gt)) ||
    (r.ge !== undefined && !(v >= r.ge)) ||
    (r.lt !== undefined && !(v < r.lt)) ||
    (r.le !== undefined && !(v <= r.le))
  ) {
    ctx.add(path, `must be ${boundsText(r)}, got ${String(v)}`);
    return undefined;
  }
  return v;
}

function num(ctx: Ctx, o: Obj, path: string, key: string, r: NumRule, optional = false): number | undefined {
  const p = join(path, key);
  const v = get(o, key);
  if (v === undefined) {
    if (!optional) missing(ctx, p, numExpected(r));
    return undefined;
  }
  return checkNum(ctx, v, p, r);
}

function checkStr(ctx: Ctx, v: unknown, path: string): string | undefined {
  if (typeof v !== 'string') {
    ctx.add(path, `must be a string, got ${typed(v)}`);
    return undefined;
  }
  return v;
}

function str(ctx: Ctx, o: Obj, path: string, key: string, optional = false): string | undefined {
  const p = join(path, key);
  const v = get(o, key);
  if (v === undefined) {
    if (!optional) missing(ctx, p, 'a string');
    return undefined;
  }
  return checkStr(ctx, v, p);
}

const IDENT_EXPECTED =
  'a name matching /^[a-z0-9][a-z0-9-]*$/ (lowercase letters, digits and hyphens, not starting with a hyphen)';

function checkIdent(ctx: Ctx, v: string, path: string): string | undefined {
  if (!SPEC_NAME_PATTERN.test(v)) {
    ctx.add(path, `must be ${IDENT_EXPECTED}, got ${quote(v)}`);
    return undefined;
  }
  return v;
}

function oneOf<T extends string>(
  ctx: Ctx,
  o: Obj,
  path: string,
  key: string,
  values: readonly T[],
  optional = false,
): T | undefined {
  const p = join(path, key);
  const v = get(o, key);
  const expected =
    values.length === 1 ? quote(values[0]) : `one of ${values.map((x) => quote(x)).join(', ')}`;
  if (v === undefined) {
    if (!optional) missing(ctx, p, expected);
    return undefined;
  }
  if (typeof v !== 'string') {
    ctx.add(p, `must be ${expected}, got ${typed(v)}`);
    return undefined;
  }
  if (!(values as readonly string[]).includes(v)) {
    ctx.add(p, `must be ${expected}, got ${quote(v)}${didYouMean(ctx, v, values)}`);
    return undefined;
  }
  return v as T;
}

/** Checks that `v` is an object whose keys are all in `allowed`; reports each unknown key. */
function checkObj(ctx: Ctx, v: unknown, path: string, allowed: readonly string[]): Obj | undefined {
  if (!isObj(v)) {
    ctx.add(path, `must be an object, got ${typed(v)}`);
    return undefined;
  }
  const keys = Object.keys(v);
  const absent = allowed.filter((k) => get(v, k) === undefined);
  for (const key of keys) {
    if (allowed.includes(key) || v[key] === undefined) continue;
    const s = suggest(ctx, key, absent);
    ctx.add(
      join(path, key),
      s !== undefined
        ? `unknown field (did you mean ${quote(s)}?)`
        : `unknown field (allowed fields: ${allowed.join(', ')})`,
    );
  }
  return v;
}

function obj(
  ctx: Ctx,
  o: Obj,
  path: string,
  key: string,
  allowed: readonly string[],
  optional = false,
): Obj | undefined {
  const p = join(path, key);
  const v = get(o, key);
  if (v === undefined) {
    if (!optional) missing(ctx, p, 'an object');
    return undefined;
  }
  return checkObj(ctx, v, p, allowed);
}

function arr(ctx: Ctx, o: Obj, path: string, key: string): unknown[] | undefined {
  const p = join(path, key);
  const v = get(o, key);
  if (v === undefined) {
    missing(ctx, p, 'an array');
    return undefined;
  }
  if (!Array.isArray(v)) {
    ctx.add(p, `must be an array, got ${typed(v)}`);
    return undefined;
  }
  return v;
}

// ------------------------------------------------------------------------------------------------
// The document

const ROOT_KEYS = [
  'version',
  'name',
  'description',
  'dtMs',
  'seed',
  'budgetBytes',
  'input',
  'populations',
  'projections',
  'readout',
] as const;
const INPUT_KEYS = ['width', 'height', 'polarity', 'bufferEvents', 'bufferSteps'] as const;
const POPULATION_KEYS = ['name', 'size', 'neuron', 'wta', 'teacher'] as const;
const NEURON_KEYS = [
  'model',
  'tauMemMs',
  'tauSynMs',
  'threshold',
  'reset',
  'refractoryMs',
  'adaptation',
] as const;
const IZH_KEYS = ['model', 'a', 'b', 'c', 'd', 'vPeakMv', 'tauSynMs', 'v0Mv', 'integration', 'refractoryMs'] as const;
const COND_KEYS = ['model', 'tauMemMs', 'tauSynMs', 'eRevMv', 'eLeakMv', 'thresholdMv', 'reset', 'refractoryMs', 'adaptation', 'synapseDecay'] as const;
const ADAPTATION_KEYS = ['tauMs', 'increment'] as const;
const WTA_KEYS = ['k', 'inhibition', 'vFloor'] as const;
const TEACHER_KEYS = ['classes', 'current', 'suppress'] as const;
const PROJECTION_KEYS = ['name', 'from', 'to', 'weights', 'plasticity', 'layout', ...CONNECTIVITY_KEYS] as const;
const WEIGHTS_KEYS = ['dtype', 'init'] as const;
const PLASTICITY_KEYS = [
  'rule',
  'tauPreMs',
  'tauPostMs',
  'etaPlus',
  'etaMinus',
  'wMin',
  'wMax',
  'bounds',
  'pairing',
  'xOffset',
  'normalize',
] as const;
const NORMALIZE_KEYS = ['targetSum', 'targetNorm'] as const;
const READOUT_KEYS = ['from', 'classes', 'rule', 'learningRate'] as const;

const POSITIVE: NumRule = { gt: 0 };
const NON_NEGATIVE: NumRule = { ge: 0 };
const ANY: NumRule = {};

/** What the population pass learns about each entry, even when the entry has other problems. */
interface PopulationInfo {
  path: string;
  /** The name if it is a string (valid identifier or not), to resolve references without cascades. */
  name?: string;
  spec?: PopulationSpec;
}

function readSpec(ctx: Ctx, doc: unknown): ModelSpec | undefined {
  const o = checkObj(ctx, doc, '', ROOT_KEYS);
  if (o === undefined) return undefined;
  const start = ctx.count;

  let version: typeof SPEC_VERSION | undefined;
  const rawVersion = get(o, 'version');
  if (rawVersion === undefined) {
    missing(ctx, 'version', `the number ${SPEC_VERSION}`);
  } else if (rawVersion !== SPEC_VERSION) {
    ctx.add(
      'version',
      `must be ${SPEC_VERSION} (the spec version this host reads), ` +
        `got ${typeof rawVersion === 'number' ? String(rawVersion) : typed(rawVersion)}`,
    );
  } else {
    version = SPEC_VERSION;
  }

  const rawName = str(ctx, o, '', 'name');
  const name = rawName === undefined ? undefined : checkIdent(ctx, rawName, 'name');
  const description = str(ctx, o, '', 'description', true);
  const dtMs = num(ctx, o, '', 'dtMs', { gt: 0, le: SPEC_LIMITS.dtMsMax });
  const seed = num(ctx, o, '', 'seed', { int: true, ge: 0, le: SPEC_LIMITS.seedMax }, true);
  const budgetBytes = num(ctx, o, '', 'budgetBytes', { int: true, gt: 0 }, true);

  const rawInput = get(o, 'input');
  let input: InputSpec | undefined;
  if (rawInput === undefined) missing(ctx, 'input', 'an object');
  else input = readInput(ctx, rawInput, 'input');

  // Populations first: projections and the readout refer to them by name.
  const rawPops = arr(ctx, o, '', 'populations');
  const pops: PopulationInfo[] = [];
  if (rawPops !== undefined) {
    const firstByName = new Map<string, string>();
    for (let i = 0; i < rawPops.length; i++) {
      const info = readPopulation(ctx, rawPops[i], index('populations', i));
      if (info.name !== undefined) {
        const prior = firstByName.get(info.name);
        if (prior !== undefined) {
          ctx.add(
            join(info.path, 'name'),
            `must be unique, got ${quote(info.name)} which ${prior}.name already uses`,
          );
          info.spec = undefined;
        } else {
          firstByName.set(info.name, info.path);
        }
      }
      pops.push(info);
    }
  }
  const known: Known | undefined =
    rawPops === undefined
      ? undefined
      : makeKnown(pops.flatMap((p) => (p.name === undefined ? [] : [p.name])));

  const rawProjs = arr(ctx, o, '', 'projections');
  const projections: (ProjectionSpec | undefined)[] = [];
  if (rawProjs !== undefined) {
    const pairs = new Map<string, string>();
    const names = new Map<string, string>();
    for (let i = 0; i < rawProjs.length; i++) {
      const path = index('projections', i);
      const proj = readProjection(ctx, rawProjs[i], path, known);
      projections.push(proj.spec);
      if (proj.from !== undefined && proj.to !== undefined) {
        const key = JSON.stringify([proj.from, proj.to]);
        const prior = pairs.get(key);
        if (prior !== undefined) {
          ctx.add(
            path,
            `duplicate projection from ${quote(proj.from)} to ${quote(proj.to)}: ` +
        `expected at most one per (from, to) pair, ${prior} already connects them`,
          );
        } else {
          pairs.set(key, path);
        }
        const effective = proj.name ?? `${proj.from}->${proj.to}`;
        const priorName = names.get(effective);
        if (priorName !== undefined && prior === undefined) {
          ctx.add(
            proj.name !== undefined ? join(path, 'name') : path,
            `projection names must be unique, got ${quote(effective)} which ${priorName} already uses`,
          );
        } else if (priorName === undefined) {
          names.set(effective, path);
        }
      }
    }
  }

  const rawReadout = get(o, 'readout');
  const readout = rawReadout === undefined ? undefined : readReadout(ctx, rawReadout, 'readout', known);

  // Whole-network rules.
  if (rawPops !== undefined && rawPops.length === 0) {
    const readoutFromInput = isObj(rawReadout) && get(rawReadout, 'from') === 'input';
    if (!readoutFromInput) {
      ctx.add(
        'populations',
        'must contain at least one population (unless readout.from is "input"), got an empty array',
      );
    }
  }
  if (rawProjs !== undefined) {
    const fed = new Set<string>();
    for (const p of rawProjs) {
      if (isObj(p)) {
        const to = get(p, 'to');
        if (typeof to === 'string') fed.add(to);
      }
    }
    for (const p of pops) {
      if (p.name !== undefined && !fed.has(p.name)) {
        ctx.add(p.path, `no projection feeds population ${quote(p.name)}`);
      }
    }
  }

  checkSpecRuleTargets(ctx, pops, projections);

  if (
    ctx.count !== start ||
    version === undefined ||
    name === undefined ||
    dtMs === undefined ||
    input === undefined
  ) {
    return undefined;
  }
  const populations: PopulationSpec[] = [];
  for (const p of pops) {
    if (p.spec === undefined) return undefined;
    populations.push(p.spec);
  }
  const projs: ProjectionSpec[] = [];
  for (const p of projections) {
    if (p === undefined) return undefined;
    projs.push(p);
  }
  const spec: ModelSpec = {
    version,
    name,
    ...(description !== undefined ? { description } : {}),
    dtMs,
    seed: seed ?? SPEC_DEFAULTS.seed,
    ...(budgetBytes !== undefined ? { budgetBytes } : {}),
    input,
    populations,
    projections: projs,
  };
  if (readout !== undefined) spec.readout = readout;
  // Connectivity rules that need sizes and dt (conv2d shapes, fan-in, block divisibility, delays).
  const netIssues = connectivityNetworkIssues(spec);
  for (const i of netIssues) ctx.add(i.path, i.message);
  if (netIssues.length > 0) return undefined;
  return spec;
}

function readInput(ctx: Ctx, v: unknown, path: string): InputSpec | undefined {
  const o = checkObj(ctx, v, path, INPUT_KEYS);
  if (o === undefined) return undefined;
  const start = ctx.count;
  const side: NumRule = { int: true, ge: 1, le: SPEC_LIMITS.sensorSideMax };
  const width = num(ctx, o, path, 'width', side);
  const height = num(ctx, o, path, 'height', side);
  const polarity = oneOf(ctx, o, path, 'polarity', ['merge', 'split'] as const);
  const eventsRule: NumRule = { int: true, ge: 1, le: SPEC_LIMITS.bufferEventsMax };
  const stepsRule: NumRule = { int: true, ge: 1, le: SPEC_LIMITS.bufferStepsMax };
  const bufferEvents = num(ctx, o, path, 'bufferEvents', eventsRule, true);
  const bufferSteps = num(ctx, o, path, 'bufferSteps', stepsRule, true);
  if (ctx.count !== start || width === undefined || height === undefined || polarity === undefined) {
    return undefined;
  }
  return {
    width,
    height,
    polarity,
    bufferEvents: bufferEvents ?? SPEC_DEFAULTS.bufferEvents,
    bufferSteps: bufferSteps ?? SPEC_DEFAULTS.bufferSteps,
  };
}

function readPopulation(ctx: Ctx, v: unknown, path: string): PopulationInfo {
  const info: PopulationInfo = { path };
  const o = checkObj(ctx, v, path, POPULATION_KEYS);
  if (o === undefined) return info;
  const start = ctx.count;

  const rawName = str(ctx, o, path, 'name');
  let name: string | undefined;
  if (rawName !== undefined) {
    // A population wrongly named "input" stays out of name resolution: "input" means the sensor.
    if (rawName !== 'input') info.name = rawName;
    if (rawName === 'input') {
      ctx.add(join(path, 'name'), `must not be "input" (that name is the sensor layer), got "input"`);
    } else {
      name = checkIdent(ctx, rawName, join(path, 'name'));
    }
  }
  const size = num(ctx, o, path, 'size', { int: true, ge: 1, le: SPEC_LIMITS.populationSizeMax });
  const rawNeuron = get(o, 'neuron');
  let neuron: NeuronSpec | undefined;
  if (rawNeuron === undefined) missing(ctx, join(path, 'neuron'), 'an object');
  else neuron = readNeuron(ctx, rawNeuron, join(path, 'neuron'));

  const rawWta = get(o, 'wta');
  let wta: WtaSpec | undefined;
  if (rawWta !== undefined) {
    const resetValue = neuron === undefined ? 0 : neuron.model === 'izhikevich' ? neuron.c : neuron.reset.mode === 'value' ? neuron.reset.value : 0;
    wta = readWta(ctx, rawWta, join(path, 'wta'), size, resetValue);
  }

  const rawTeacher = get(o, 'teacher');
  let teacher: TeacherSpec | undefined;
  if (rawTeacher !== undefined) {
    teacher = readTeacher(ctx, rawTeacher, join(path, 'teacher'));
    if (teacher !== undefined && size !== undefined && size % teacher.classes !== 0) {
      const c = teacher.classes;
      const lower = Math.floor(size / c) * c;
      const nearest = lower >= c ? `${lower} or ${lower + c}` : `${lower + c}`;
      ctx.add(
        join(path, 'size'),
        `must be a multiple of teacher.classes (${c}) so that every class gets an equal group, ` +
          `got ${size} (nearest: ${nearest})`,
      );
    }
  }

  if (ctx.count !== start || name === undefined || size === undefined || neuron === undefined) {
    return info;
  }
  const spec: PopulationSpec = { name, size, neuron };
  if (wta !== undefined) spec.wta = wta;
  if (teacher !== undefined) spec.teacher = teacher;
  info.spec = spec;
  return info;
}

function readNeuron(ctx: Ctx, v: unknown, path: string): NeuronSpec | undefined {
  if (isObj(v) && get(v, 'model') === 'izhikevich') return readIzhikevich(ctx, v, path);
  if (isObj(v) && get(v, 'model') === 'lif-cond') return readLifCond(ctx, v, path);
  if (isObj(v) && get(v, 'model') === 'lif-escape') return readLifEscape(ctx, v, path);
  if (isObj(v) && get(v, 'model') === 'lif-i16') return readLifI16(ctx, v, path);
  return readLif(ctx, v, path);
}

function readLifEscape(ctx: Ctx, v: unknown, path: string): LifEscapeNeuronSpec | undefined {
  if (!isObj(v)) return undefined;
  // The LIF part is validated by readLif (same fields, same paths); the two escape fields here.
  const { escapeRateHz: _rate, deltaU: _width, ...rest } = v as Record<string, unknown>;
  const start = ctx.count;
  const lif = readLif(ctx, { ...rest, model: 'lif' }, path);
  const o = v as Obj;
  const escapeRateHz = num(ctx, o, path, 'escapeRateHz', POSITIVE);
  const deltaU = num(ctx, o, path, 'deltaU', POSITIVE);
  if (ctx.count !== start || lif === undefined || escapeRateHz === undefined || deltaU === undefined) return undefined;
  return { ...lif, model: 'lif-escape', escapeRateHz, deltaU };
}

const LIF_I16_KEYS = ['model', 'shiftMem', 'shiftSyn', 'threshold', 'reset', 'refractoryMs'] as const;

/** The fixed-point LIF: integer shifts and LSB values that fit its 16-bit datapath. */
function readLifI16(ctx: Ctx, v: unknown, path: string): LifI16NeuronSpec | undefined {
  const o = checkObj(ctx, v, path, LIF_I16_KEYS);
  if (o === undefined) return undefined;
  const start = ctx.count;
  const shiftMem = num(ctx, o, path, 'shiftMem', { int: true, ge: 0, le: 15 });
  const shiftSyn = num(ctx, o, path, 'shiftSyn', { int: true, ge: 0, le: 15 });
  const threshold = num(ctx, o, path, 'threshold', { int: true, ge: 1, le: 32767 });
  const reset = readReset(ctx, o, path);
  if (reset !== undefined && reset.mode === 'value') checkNum(ctx, reset.value, join(join(path, 'reset'), 'value'), { int: true, ge: -32768, le: 32767 });
  const refractoryMs = num(ctx, o, path, 'refractoryMs', NON_NEGATIVE);
  if (ctx.count !== start || shiftMem === undefined || shiftSyn === undefined || threshold === undefined || reset === undefined || refractoryMs === undefined) return undefined;
  return { model: 'lif-i16', shiftMem, shiftSyn, threshold, reset, refractoryMs };
}

function readReset(ctx: Ctx, o: Obj, path: string): LifNeuronSpec['reset'] | undefined {
  const rawReset = get(o, 'reset');
  const resetPath = join(path, 'reset');
  if (rawReset === undefined) {
    missing(ctx, resetPath, 'an object');
    return undefined;
  }
  const mode = isObj(rawReset) ? get(rawReset, 'mode') : undefined;
  const allowed = mode === 'subtract' ? ['mode'] : ['mode', 'value'];
  const r = checkObj(ctx, rawReset, resetPath, allowed);
  if (r === undefined) return undefined;
  const m = oneOf(ctx, r, resetPath, 'mode', ['value', 'subtract'] as const);
  if (m === 'subtract') return { mode: 'subtract' };
  if (m === 'value') {
    const value = num(ctx, r, resetPath, 'value', ANY);
    if (value !== undefined) return { mode: 'value', value };
  }
  return undefined;
}

function readAdaptation(ctx: Ctx, o: Obj, path: string): LifNeuronSpec['adaptation'] {
  const a = obj(ctx, o, path, 'adaptation', ADAPTATION_KEYS, true);
  if (a === undefined) return undefined;
  const ap = join(path, 'adaptation');
  const tauMs = num(ctx, a, ap, 'tauMs', POSITIVE);
  const increment = num(ctx, a, ap, 'increment', NON_NEGATIVE);
  return tauMs !== undefined && increment !== undefined ? { tauMs, increment } : undefined;
}

function readLifCond(ctx: Ctx, v: unknown, path: string): LifCondNeuronSpec | undefined {
  const o = checkObj(ctx, v, path, COND_KEYS);
  if (o === undefined) return undefined;
  const start = ctx.count;
  const tauMemMs = num(ctx, o, path, 'tauMemMs', POSITIVE);
  const tauSynMs = num(ctx, o, path, 'tauSynMs', POSITIVE);
  const eRevMv = num(ctx, o, path, 'eRevMv', ANY);
  const eLeakMv = num(ctx, o, path, 'eLeakMv', ANY);
  const thresholdMv = num(ctx, o, path, 'thresholdMv', ANY);
  const reset = readReset(ctx, o, path);
  const refractoryMs = num(ctx, o, path, 'refractoryMs', NON_NEGATIVE);
  const adaptation = readAdaptation(ctx, o, path);
  const synapseDecay = oneOf(ctx, o, path, 'synapseDecay', ['exact', 'euler'] as const, true);
  if (thresholdMv !== undefined && eLeakMv !== undefined && !(thresholdMv > eLeakMv)) {
    ctx.add(join(path, 'thresholdMv'), `must be above eLeakMv (${eLeakMv}), got ${thresholdMv}`);
  }
  if (
    ctx.count !== start || tauMemMs === undefined || tauSynMs === undefined || eRevMv === undefined ||
    eLeakMv === undefined || thresholdMv === undefined || reset === undefined || refractoryMs === undefined
  ) {
    return undefined;
  }
  const spec: LifCondNeuronSpec = { model: 'lif-cond', tauMemMs, tauSynMs, eRevMv, eLeakMv, thresholdMv, reset, refractoryMs, synapseDecay: synapseDecay ?? 'exact' };
  if (adaptation !== undefined) spec.adaptation = adaptation;
  return spec;
}

function readIzhikevich(ctx: Ctx, v: unknown, path: string): IzhikevichNeuronSpec | undefined {
  const o = checkObj(ctx, v, path, IZH_KEYS);
  if (o === undefined) return undefined;
  const start = ctx.count;
  const a = num(ctx, o, path, 'a', POSITIVE);
  const b = num(ctx, o, path, 'b', ANY);
  const c = num(ctx, o, path, 'c', ANY);
  const d = num(ctx, o, path, 'd', ANY);
  const vPeakMv = num(ctx, o, path, 'vPeakMv', ANY, true);
  const tauSynMs = num(ctx, o, path, 'tauSynMs', POSITIVE);
  const v0Mv = num(ctx, o, path, 'v0Mv', ANY, true);
  const integration = oneOf(ctx, o, path, 'integration', ['euler', 'izhikevich2003'] as const);
  const refractoryMs = num(ctx, o, path, 'refractoryMs', NON_NEGATIVE, true);
  if (c !== undefined && (vPeakMv ?? 30) <= c) {
    ctx.add(join(path, vPeakMv === undefined ? 'c' : 'vPeakMv'), `the spike cut-off vPeakMv (${vPeakMv ?? 30}) must be above the reset value c (${c})`);
  }
  if (ctx.count !== start || a === undefined || b === undefined || c === undefined || d === undefined || tauSynMs === undefined || integration === undefined) {
    return undefined;
  }
  const spec: IzhikevichNeuronSpec = { model: 'izhikevich', a, b, c, d, vPeakMv: vPeakMv ?? 30, tauSynMs, v0Mv: v0Mv ?? c, integration, refractoryMs: refractoryMs ?? 0 };
  return spec;
}

function readLif(ctx: Ctx, v: unknown, path: string): LifNeuronSpec | undefined {
  const o = checkObj(ctx, v, path, NEURON_KEYS);
  if (o === undefined) return undefined;
  const start = ctx.count;
  const model = oneOf(ctx, o, path, 'model', ['lif', 'izhikevich', 'lif-cond', 'lif-escape'] as const) as 'lif' | undefined;
  const tauMemMs = num(ctx, o, path, 'tauMemMs', POSITIVE);
  const tauSynMs = num(ctx, o, path, 'tauSynMs', POSITIVE);
  const threshold = num(ctx, o, path, 'threshold', POSITIVE);

  let reset: LifNeuronSpec['reset'] | undefined;
  const rawReset = get(o, 'reset');
  const resetPath = join(path, 'reset');
  if (rawReset === undefined) {
    missing(ctx, resetPath, 'an object');
  } else {
    const mode = isObj(rawReset) ? get(rawReset, 'mode') : undefined;
    const allowed = mode === 'subtract' ? ['mode'] : ['mode', 'value'];
    const r = checkObj(ctx, rawReset, resetPath, allowed);
    if (r !== undefined) {
      const m = oneOf(ctx, r, resetPath, 'mode', ['value', 'subtract'] as const);
      if (m === 'subtract') {
        reset = { mode: 'subtract' };
      } else if (m === 'value') {
        const value = num(ctx, r, resetPath, 'value', ANY);
        if (value !== undefined) reset = { mode: 'value', value };
      }
    }
  }

  const refractoryMs = num(ctx, o, path, 'refractoryMs', NON_NEGATIVE);

  let adaptation: LifNeuronSpec['adaptation'];
  const a = obj(ctx, o, path, 'adaptation', ADAPTATION_KEYS, true);
  if (a !== undefined) {
    const ap = join(path, 'adaptation');
    const tauMs = num(ctx, a, ap, 'tauMs', POSITIVE);
    const increment = num(ctx, a, ap, 'increment', NON_NEGATIVE);
    if (tauMs !== undefined && increment !== undefined) adaptation = { tauMs, increment };
  }

  if (
    ctx.count !== start ||
    model === undefined ||
    tauMemMs === undefined ||
    tauSynMs === undefined ||
    threshold === undefined ||
    reset === undefined ||
    refractoryMs === undefined
  ) {
    return undefined;
  }
  const spec: LifNeuronSpec = { model, tauMemMs, tauSynMs, threshold, reset, refractoryMs };
  if (adaptation !== undefined) spec.adaptation = adaptation;
  return spec;
}

function readWta(
  ctx: Ctx,
  v: unknown,
  path: string,
  size: number | undefined,
  resetValue: number,
): WtaSpec | undefined {
  const o = checkObj(ctx, v, path, WTA_KEYS);
  if (o === undefined) return undefined;
  const start = ctx.count;
  const k = num(ctx, o, path, 'k', { int: true, ge: 1 });
  if (k !== undefined && size !== undefined && k > size) {
    ctx.add(join(path, 'k'), `must be <= the population size (${size}), got ${k}`);
  }
  const inhibition = num(ctx, o, path, 'inhibition', NON_NEGATIVE);
  const vFloor = num(ctx, o, path, 'vFloor', ANY, true);
  if (ctx.count !== start || k === undefined || inhibition === undefined) return undefined;
  return { k, inhibition, vFloor: vFloor ?? resetValue };
}

function readTeacher(ctx: Ctx, v: unknown, path: string): TeacherSpec | undefined {
  const o = checkObj(ctx, v, path, TEACHER_KEYS);
  if (o === undefined) return undefined;
  const start = ctx.count;
  const classes = num(ctx, o, path, 'classes', { int: true, ge: 2 });
  const current = num(ctx, o, path, 'current', POSITIVE);
  const suppress = num(ctx, o, path, 'suppress', NON_NEGATIVE);
  if (ctx.count !== start || classes === undefined || current === undefined || suppress === undefined) {
    return undefined;
  }
  return { classes, current, suppress };
}

/** Population names in document order, as a set for lookups, and the texts for messages. */
interface Known {
  set: ReadonlySet<string>;
  /** Names offered as spelling suggestions, with and without "input" (bounded for huge specs). */
  candidates: readonly string[];
  candidatesWithInput: readonly string[];
  text: string;
  textWithInput: string;
}

function makeKnown(names: string[]): Known {
  const set = new Set(names);
  const list = [...set];
  const withInput = ['input', ...list];
  return {
    set,
    candidates: list.slice(0, 1000),
    candidatesWithInput: withInput.slice(0, 1000),
    text: list.length === 0 ? 'none' : quoteList(list),
    textWithInput: quoteList(withInput),
  };
}

/** Checks a population reference; `known` is undefined when the populations list itself is broken. */
function checkRef(
  ctx: Ctx,
  name: string,
  path: string,
  known: Known | undefined,
  allowInput: boolean,
): boolean {
  if (allowInput && name === 'input') return true;
  if (known === undefined) return false;
  if (known.set.has(name)) return true;
  const knownText = allowInput ? known.textWithInput : known.text;
  const candidates = allowInput ? known.candidatesWithInput : known.candidates;
  if (name === 'input') {
    ctx.add(
      path,
      `must name a population, got "input" (the sensor layer cannot be a target); ` +
        `known populations: ${knownText}`,
    );
  } else {
    const hint = didYouMean(ctx, name, candidates);
    ctx.add(path, `unknown population ${quote(name)}${hint}; known: ${knownText}`);
  }
  return false;
}

interface ProjectionInfo {
  spec?: ProjectionSpec;
  from?: string;
  to?: string;
  name?: string;
}

function readProjection(
  ctx: Ctx,
  v: unknown,
  path: string,
  known: Known | undefined,
): ProjectionInfo {
  const info: ProjectionInfo = {};
  const o = checkObj(ctx, v, path, PROJECTION_KEYS);
  if (o === undefined) return info;
  const start = ctx.count;

  const name = str(ctx, o, path, 'name', true);
  if (name !== undefined) {
    if (name === '') ctx.add(join(path, 'name'), 'must be a non-empty string, got ""');
    else info.name = name;
  }
  const from = str(ctx, o, path, 'from');
  if (from !== undefined) {
    info.from = from;
    checkRef(ctx, from, join(path, 'from'), known, true);
  }
  const to = str(ctx, o, path, 'to');
  if (to !== undefined) {
    info.to = to;
    checkRef(ctx, to, join(path, 'to'), known, false);
  }

  const wPath = join(path, 'weights');
  const w = obj(ctx, o, path, 'weights', WEIGHTS_KEYS);
  let dtype: 'f32' | 'int8' | 'int16' | undefined;
  let init: WeightInit | undefined;
  if (w !== undefined) {
    dtype = oneOf(ctx, w, wPath, 'dtype', ['f32', 'int8', 'int16'] as const);
    init = readInit(ctx, w, wPath);
  }

  const rawPlasticity = get(o, 'plasticity');
  let plasticity: PlasticitySpec | undefined;
  if (rawPlasticity !== undefined) {
    const pPath = join(path, 'plasticity');
    if (dtype === 'int16') {
      ctx.add(
        pPath,
        'int16 plasticity is not supported yet ' +
          '(expected weights.dtype "f32" or "int8" (stochastic rounding) for a plastic projection, got "int16")',
      );
    }
    plasticity = readPlasticity(ctx, rawPlasticity, pPath);
    if (plasticity !== undefined && init !== undefined && plasticity.rule !== 'eg-dale') {
      // Initial weights the rule could never produce would be clipped on the first update.
      const { wMin, wMax } = plasticity;
      const ip = join(wPath, 'init');
      const outside = `must lie inside the plasticity bounds [wMin, wMax] = [${wMin}, ${wMax}]`;
      if (init.kind === 'uniform') {
        if (init.low < wMin) ctx.add(join(ip, 'low'), `${outside}, got ${init.low}`);
        if (init.high > wMax) ctx.add(join(ip, 'high'), `${outside}, got ${init.high}`);
      } else if (init.value < wMin || init.value > wMax) {
        ctx.add(join(ip, 'value'), `${outside}, got ${init.value}`);
      }
    }
  }

  const layout = oneOf(ctx, o, path, 'layout', ['pre-major', 'post-major'] as const, true);
  if (plasticity !== undefined && plasticity.rule !== 'stdp-pair') {
    if (dtype !== undefined && dtype !== 'f32') ctx.add(join(path, 'plasticity.rule'), `"${plasticity.rule}" needs f32 weights, got weights.dtype "${dtype}"`);
    if (layout === 'post-major') ctx.add(join(path, 'layout'), `"post-major" is implemented for "stdp-pair" only, got rule "${plasticity.rule}"`);
  }
  if (layout === 'post-major' && dtype !== undefined && dtype !== 'f32') {
    ctx.add(join(path, 'layout'), `"post-major" needs f32 weights, got weights.dtype "${dtype}"`);
  }
  // Sparse / conv2d / block-sparse connectivity, delays, short-term plasticity (plan/connectivity.ts).
  const conn = readConnectivityFields(o, path, (p, m) => ctx.add(p, m), {
    dtype, layout, plastic: rawPlasticity !== undefined, rule: plasticity?.rule, normalize: plasticity !== undefined && 'normalize' in plasticity && plasticity.normalize !== undefined,
  });

  if (
    ctx.count !== start ||
    from === undefined ||
    to === undefined ||
    dtype === undefined ||
    init === undefined
  ) {
    return info;
  }
  const spec: ProjectionSpec = {
    name: name ?? `${from}->${to}`,
    from,
    to,
    weights: { dtype, init },
  };
  if (plasticity !== undefined) spec.plasticity = plasticity;
  if (layout !== undefined) spec.layout = layout;
  Object.assign(spec, conn.fields);
  info.spec = spec;
  return info;
}

function readInit(ctx: Ctx, w: Obj, wPath: string): WeightInit | undefined {
  const path = join(wPath, 'init');
  const raw = get(w, 'init');
  if (raw === undefined) {
    missing(ctx, path, 'an object');
    return undefined;
  }
  const kind = isObj(raw) ? get(raw, 'kind') : undefined;
  const allowed =
    kind === 'uniform'
      ? ['kind', 'low', 'high']
      : kind === 'constant'
        ? ['kind', 'value']
        : ['kind', 'low', 'high', 'value'];
  const o = checkObj(ctx, raw, path, allowed);
  if (o === undefined) return undefined;
  const k = oneOf(ctx, o, path, 'kind', ['uniform', 'constant'] as const);
  if (k === 'uniform') {
    const low = num(ctx, o, path, 'low', ANY);
    const high = num(ctx, o, path, 'high', ANY);
    if (low === undefined || high === undefined) return undefined;
    if (low > high) {
      ctx.add(join(path, 'high'), `must be >= low (${low}), got ${high}`);
      return undefined;
    }
    return { kind: 'uniform', low, high };
  }
  if (k === 'constant') {
    const value = num(ctx, o, path, 'value', ANY);
    return value === undefined ? undefined : { kind: 'constant', value };
  }
  return undefined;
}

const TRIPLET_KEYS = ['rule', 'tauPlusMs', 'tauMinusMs', 'tauXMs', 'tauYMs', 'a2Plus', 'a3Plus', 'a2Minus', 'a3Minus', 'wMin', 'wMax', 'bounds', 'pairing', 'normalize'] as const;
const SYMSTDP_KEYS = ['rule', 'tauPreMs', 'tauPostMs', 'etaPre', 'etaPost', 'wMin', 'wMax', 'bounds', 'pairing', 'normalize'] as const;
const RSTDP_KEYS = ['rule', 'tauPreMs', 'tauPostMs', 'tauEligibilityMs', 'aPlus', 'aMinus', 'learningRate', 'wMin', 'wMax', 'bounds', 'pairing'] as const;

function readPlasticity(ctx: Ctx, v: unknown, path: string): PlasticitySpec | undefined {
  const rule = isObj(v) ? get(v, 'rule') : undefined;
  if (rule === 'stdp-triplet' || rule === 'stdp-symmetric' || rule === 'r-stdp') return readRuleByFields(ctx, v, path, rule);
  if (rule === 'tess' || rule === 'tempotron' || rule === 'eprop' || rule === 'hebb-signed' || rule === 'discrete-conductance') return readSpecRule(ctx, v, path, rule);
  if (rule === 'eg-dale') return readEgDale(ctx, v, path);
  return readPairPlasticity(ctx, v, path);
}

// ── Rules of the rule ops 50-64 (host/plan/rules.ts) ──────────────────────────────────────────
const TESS_KEYS = ['rule', 'classes', 'tauPreMs', 'tauPostMs', 'aPre', 'aPost', 'learningRate', 'pseudoDerivative', 'signalSlope', 'wMin', 'wMax', 'bounds'] as const;
const TEMPOTRON_KEYS = ['rule', 'classes', 'learningRate', 'wMin', 'wMax'] as const;
const HEBB_SIGNED_KEYS = ['rule', 'tauPreMs', 'tauPostMs', 'etaPre', 'etaPost', 'flippedFraction', 'wMin', 'wMax', 'bounds', 'pairing'] as const;
const EGDALE_KEYS = ['rule', 'classes', 'inhibitoryFraction', 'learningRate', 'targetTrace', 'tauPostMs', 'wAbsMin', 'wAbsMax'] as const;

/** Dale's-law EG: magnitude bounds whose logs stay normal f32 exponents. */
function readEgDale(ctx: Ctx, v: unknown, path: string): PlasticitySpec | undefined {
  const o = checkObj(ctx, v, path, EGDALE_KEYS);
  if (o === undefined) return undefined;
  const start = ctx.count;
  const classes = num(ctx, o, path, 'classes', { int: true, ge: 1, le: 256 });
  const inhibitoryFraction = num(ctx, o, path, 'inhibitoryFraction', { ge: 0, le: 1 });
  const learningRate = num(ctx, o, path, 'learningRate', { ge: 0, le: 100 });
  const targetTrace = num(ctx, o, path, 'targetTrace', POSITIVE);
  const tauPostMs = num(ctx, o, path, 'tauPostMs', POSITIVE);
  const wAbsMin = num(ctx, o, path, 'wAbsMin', { ge: Math.exp(-87), le: Math.exp(88) });
  const wAbsMax = num(ctx, o, path, 'wAbsMax', { ge: Math.exp(-87), le: Math.exp(88) });
  if (wAbsMin !== undefined && wAbsMax !== undefined && !(wAbsMin <= wAbsMax)) ctx.add(join(path, 'wAbsMax'), `must be >= wAbsMin (${wAbsMin}), got ${wAbsMax}`);
  if (ctx.count !== start || classes === undefined || inhibitoryFraction === undefined || learningRate === undefined || targetTrace === undefined ||
    tauPostMs === undefined || wAbsMin === undefined || wAbsMax === undefined) return undefined;
  return { rule: 'eg-dale', classes, inhibitoryFraction, learningRate, targetTrace, tauPostMs, wAbsMin, wAbsMax };
}

const DCOND_KEYS = ['rule', 'levels', 'nonlinearity', 'stepUp', 'stepDown', 'unidirectional', 'deviceVariation', 'tauPreMs', 'traceThreshold', 'wMin', 'wMax'] as const;
const EPROP_KEYS = ['rule', 'classes', 'tauPreMs', 'tauOutMs', 'learningRate', 'readoutLearningRate', 'pseudoDerivative', 'wMin', 'wMax', 'bounds'] as const;
const SPEC_RULE_RANGES: Record<string, NumRule> = {
  classes: { int: true, ge: 2, le: 256 },
  tauPreMs: POSITIVE,
  tauPostMs: POSITIVE,
  aPre: { ge: -10, le: 10 },
  aPost: { ge: -10, le: 10 },
  learningRate: { ge: 0, le: 100 },
  pseudoDerivative: { gt: 0, le: 10 },
  tauOutMs: POSITIVE,
  etaPre: { ge: 0, le: 100 },
  etaPost: { ge: 0, le: 100 },
  flippedFraction: { ge: 0, le: 1 },
  levels: { int: true, ge: 2, le: 256 },
  nonlinearity: { ge: 0, le: 10 },
  stepUp: { int: true, ge: 1, le: 255 },
  stepDown: { int: true, ge: 0, le: 255 },
  deviceVariation: { ge: 0, lt: 1 },
  traceThreshold: { ge: 0 },
  readoutLearningRate: { ge: 0, le: 100 },
  signalSlope: { gt: 0, le: 1000 },
};

/** TESS, e-prop, the Tempotron and sign-diverse Hebbian: every numeric field has a documented range (types.ts). */
function readSpecRule(ctx: Ctx, v: unknown, path: string, rule: 'tess' | 'tempotron' | 'eprop' | 'hebb-signed' | 'discrete-conductance'): PlasticitySpec | undefined {
  const keys: readonly string[] = rule === 'tess' ? TESS_KEYS : rule === 'eprop' ? EPROP_KEYS : rule === 'hebb-signed' ? HEBB_SIGNED_KEYS : rule === 'discrete-conductance' ? DCOND_KEYS : TEMPOTRON_KEYS;
  const o = checkObj(ctx, v, path, keys);
  if (o === undefined) return undefined;
  const start = ctx.count;
  const vals: Record<string, number | undefined> = {};
  for (const k of keys) {
    const r = k === 'classes' && rule === 'tempotron' ? { int: true, ge: 1, le: 256 } : SPEC_RULE_RANGES[k];
    if (r !== undefined) vals[k] = num(ctx, o, path, k, r);
  }
  const wMin = num(ctx, o, path, 'wMin', ANY);
  const wMax = num(ctx, o, path, 'wMax', ANY);
  if (wMin !== undefined && wMax !== undefined && !(wMin < wMax)) ctx.add(join(path, 'wMax'), `must be > wMin (${wMin}), got ${wMax}`);
  const hasBounds = rule !== 'tempotron' && rule !== 'discrete-conductance';
  const bounds = hasBounds ? oneOf(ctx, o, path, 'bounds', ['additive', 'multiplicative'] as const) : undefined;
  const pairing = rule === 'hebb-signed' ? oneOf(ctx, o, path, 'pairing', ['all-to-all', 'nearest'] as const) : undefined;
  let unidirectional: boolean | undefined;
  if (rule === 'discrete-conductance') {
    const u = get(o, 'unidirectional');
    if (u === undefined) missing(ctx, join(path, 'unidirectional'), 'true or false');
    else if (typeof u !== 'boolean') ctx.add(join(path, 'unidirectional'), `must be true or false, got ${typed(u)}`);
    else unidirectional = u;
  }
  if (ctx.count !== start || wMin === undefined || wMax === undefined || (hasBounds && bounds === undefined)) return undefined;
  if (rule === 'hebb-signed' && pairing === undefined) return undefined;
  const numbers = Object.fromEntries(Object.entries(vals).map(([k, x]) => [k, x as number]));
  return {
    rule, ...numbers, wMin, wMax, ...(bounds !== undefined ? { bounds } : {}), ...(pairing !== undefined ? { pairing } : {}),
    ...(unidirectional !== undefined ? { unidirectional } : {}),
  } as unknown as PlasticitySpec;
}

/**
 * What the rules of the rule ops need from their target population: TESS, e-prop and the Tempotron read
 * the LIF membrane ('lif' only); TESS's basis needs at least two neurons per class, the Tempotron
 * equal class groups and tauSynMs != tauMemMs (its PSP kernel).
 */
function checkSpecRuleTargets(ctx: Ctx, pops: readonly PopulationInfo[], projections: readonly (ProjectionSpec | undefined)[]): void {
  // The fixed-point LIF has its own int16 state block and an i32 input: only plain dense int16
  // projections (integer LSB weights) feed it, and the f32 stages (WTA, teacher) do not apply.
  for (const p of pops) {
    if (p.spec?.neuron.model !== 'lif-i16') continue;
    if (p.spec.wta !== undefined) ctx.add(join(p.path, 'wta'), 'winner-take-all is not available for neuron.model "lif-i16" (remove wta)');
    if (p.spec.teacher !== undefined) ctx.add(join(p.path, 'teacher'), 'a teacher current is not available for neuron.model "lif-i16" (remove teacher)');
  }
  projections.forEach((pr, k) => {
    if (pr === undefined || pops.find((p) => p.name === pr.to)?.spec?.neuron.model !== 'lif-i16') return;
    const path = index('projections', k);
    if (pr.weights.dtype !== 'int16') ctx.add(join(join(path, 'weights'), 'dtype'), `must be "int16" (integer LSB) for a target with neuron.model "lif-i16", got "${pr.weights.dtype}"`);
    if (pr.plasticity !== undefined) ctx.add(join(path, 'plasticity'), `plasticity is not available into a "lif-i16" population (got rule "${pr.plasticity.rule}")`);
    const extra = pr as { connectivity?: { kind: string }; delayMs?: number; delays?: unknown; stp?: unknown };
    for (const key of ['delayMs', 'delays', 'stp'] as const) {
      if (extra[key] !== undefined) ctx.add(join(path, key), `not available into a "lif-i16" population (only dense int16 input)`);
    }
    if (extra.connectivity !== undefined && extra.connectivity.kind !== 'dense') {
      ctx.add(join(join(path, 'connectivity'), 'kind'), `must be "dense" into a "lif-i16" population, got "${extra.connectivity.kind}"`);
    }
  });
  projections.forEach((pr, k) => {
    const pl = pr?.plasticity;
    if (pr !== undefined && pl !== undefined && pl.rule === 'eg-dale') {
      const t = pops.find((p) => p.name === pr.to)?.spec;
      if (t !== undefined && t.size % pl.classes !== 0) {
        ctx.add(join(join(index('projections', k), 'plasticity'), 'classes'), `must divide the target size ${t.size} (equal class groups), got ${pl.classes}`);
      }
      return;
    }
    if (pr === undefined || pl === undefined || (pl.rule !== 'tess' && pl.rule !== 'tempotron' && pl.rule !== 'eprop')) return;
    const target = pops.find((p) => p.name === pr.to)?.spec;
    if (target === undefined) return;
    const path = join(index('projections', k), 'plasticity');
    const n = target.neuron;
    if (n.model !== 'lif') {
      ctx.add(join(path, 'rule'), `"${pl.rule}" needs a target population with neuron.model "lif", got ${quote(n.model)} (population ${quote(target.name)})`);
      return;
    }
    if (pl.rule === 'tess' && target.size < 2 * pl.classes) {
      ctx.add(join(path, 'classes'), `must be <= half the target size (${target.size} neurons, so at most ${Math.floor(target.size / 2)}), got ${pl.classes}`);
    }
    if (pl.rule === 'tempotron') {
      if (target.size % pl.classes !== 0) ctx.add(join(path, 'classes'), `must divide the target size ${target.size} (equal class groups), got ${pl.classes}`);
      if (Math.abs(n.tauSynMs - n.tauMemMs) < 1e-9 * n.tauMemMs) {
        ctx.add(join(path, 'rule'), `"tempotron" needs the target's tauSynMs != tauMemMs (its PSP kernel is their difference of exponentials), got both ${n.tauMemMs}`);
      }
    }
  });
}

/** The triplet and symmetric rules: positive time constants, non-negative amplitudes, bounds. */
function readRuleByFields(ctx: Ctx, v: unknown, path: string, rule: 'stdp-triplet' | 'stdp-symmetric' | 'r-stdp'): PlasticitySpec | undefined {
  const keys: readonly string[] = rule === 'stdp-triplet' ? TRIPLET_KEYS : rule === 'stdp-symmetric' ? SYMSTDP_KEYS : RSTDP_KEYS;
  const o = checkObj(ctx, v, path, keys);
  if (o === undefined) return undefined;
  const start = ctx.count;
  const vals: Record<string, number | undefined> = {};
  for (const k of keys) {
    if (k.endsWith('Ms')) vals[k] = num(ctx, o, path, k, POSITIVE);
    else if (k.startsWith('a2') || k.startsWith('a3') || k.startsWith('eta') || k === 'aPlus' || k === 'aMinus' || k === 'learningRate') vals[k] = num(ctx, o, path, k, NON_NEGATIVE);
  }
  const wMin = num(ctx, o, path, 'wMin', ANY);
  const wMax = num(ctx, o, path, 'wMax', ANY);
  if (wMin !== undefined && wMax !== undefined && !(wMin < wMax)) ctx.add(join(path, 'wMax'), `must be > wMin (${wMin}), got ${wMax}`);
  const bounds = oneOf(ctx, o, path, 'bounds', ['additive', 'multiplicative'] as const);
  const pairing = oneOf(ctx, o, path, 'pairing', ['all-to-all', 'nearest'] as const);
  let normalize: StdpPairSpec['normalize'];
  const n = obj(ctx, o, path, 'normalize', NORMALIZE_KEYS, true);
  if (n !== undefined) normalize = readNormalize(ctx, n, join(path, 'normalize'));
  if (ctx.count !== start || wMin === undefined || wMax === undefined || bounds === undefined || pairing === undefined) return undefined;
  const numbers = Object.fromEntries(Object.entries(vals).map(([k, x]) => [k, x as number]));
  const spec = { rule, ...numbers, wMin, wMax, bounds, pairing, ...(normalize ? { normalize } : {}) };
  return spec as unknown as PlasticitySpec;
}

function readPairPlasticity(ctx: Ctx, v: unknown, path: string): StdpPairSpec | undefined {
  const o = checkObj(ctx, v, path, PLASTICITY_KEYS);
  if (o === undefined) return undefined;
  const start = ctx.count;
  const rule = oneOf(ctx, o, path, 'rule', ['stdp-pair', 'stdp-triplet', 'stdp-symmetric', 'r-stdp', 'tess', 'tempotron', 'eprop', 'hebb-signed', 'discrete-conductance', 'eg-dale'] as const) as 'stdp-pair' | undefined;
  const tauPreMs = num(ctx, o, path, 'tauPreMs', POSITIVE);
  const tauPostMs = num(ctx, o, path, 'tauPostMs', POSITIVE);
  const etaPlus = num(ctx, o, path, 'etaPlus', NON_NEGATIVE);
  const etaMinus = num(ctx, o, path, 'etaMinus', NON_NEGATIVE);
  const wMin = num(ctx, o, path, 'wMin', ANY);
  const wMax = num(ctx, o, path, 'wMax', ANY);
  if (wMin !== undefined && wMax !== undefined && !(wMin < wMax)) {
    ctx.add(join(path, 'wMax'), `must be > wMin (${wMin}), got ${wMax}`);
  }
  const bounds = oneOf(ctx, o, path, 'bounds', ['additive', 'multiplicative'] as const);
  const pairing = oneOf(ctx, o, path, 'pairing', ['all-to-all', 'nearest'] as const);
  const xOffset = num(ctx, o, path, 'xOffset', ANY, true);
  let normalize: StdpPairSpec['normalize'];
  const n = obj(ctx, o, path, 'normalize', NORMALIZE_KEYS, true);
  if (n !== undefined) normalize = readNormalize(ctx, n, join(path, 'normalize'));
  if (
    ctx.count !== start ||
    rule === undefined ||
    tauPreMs === undefined ||
    tauPostMs === undefined ||
    etaPlus === undefined ||
    etaMinus === undefined ||
    wMin === undefined ||
    wMax === undefined ||
    bounds === undefined ||
    pairing === undefined
  ) {
    return undefined;
  }
  const spec: StdpPairSpec = {
    rule,
    tauPreMs,
    tauPostMs,
    etaPlus,
    etaMinus,
    wMin,
    wMax,
    bounds,
    pairing,
    xOffset: xOffset ?? SPEC_DEFAULTS.xOffset,
  };
  if (normalize !== undefined) spec.normalize = normalize;
  return spec;
}

/** Synaptic scaling target: exactly one of targetSum (L1) and targetNorm (L2). */
function readNormalize(ctx: Ctx, n: Obj, path: string): StdpPairSpec['normalize'] {
  const hasSum = get(n, 'targetSum') !== undefined;
  const hasNorm = get(n, 'targetNorm') !== undefined;
  if (hasSum && hasNorm) {
    ctx.add(path, 'must give exactly one of targetSum (L1 sum) and targetNorm (L2 norm), got both');
    num(ctx, n, path, 'targetSum', POSITIVE);
    num(ctx, n, path, 'targetNorm', POSITIVE);
    return undefined;
  }
  if (hasNorm) {
    const targetNorm = num(ctx, n, path, 'targetNorm', POSITIVE);
    return targetNorm === undefined ? undefined : { targetNorm };
  }
  if (!hasSum) {
    ctx.add(
      path,
      'must give exactly one of targetSum (L1 sum) and targetNorm (L2 norm), got neither',
    );
    return undefined;
  }
  const targetSum = num(ctx, n, path, 'targetSum', POSITIVE);
  return targetSum === undefined ? undefined : { targetSum };
}

const READOUT_RULES = ['delta', 'ncm', 'hopfield', 'gated-hebb'] as const;
const READOUT_RULE_KEYS: Record<(typeof READOUT_RULES)[number], readonly string[]> = {
  delta: [...READOUT_KEYS, 'classp', 'modes', 'variability', 'homeostasis'],
  ncm: ['from', 'classes', 'rule', 'metric'],
  hopfield: ['from', 'classes', 'rule', 'slots', 'beta'],
  'gated-hebb': ['from', 'classes', 'rule', 'learningRate', 'tauMs', 'tauSlowMs', 'bias', 'wMin', 'wMax', 'bounds'],
};
const CLASSP_KEYS = ['eps', 'threshold', 'power', 'wMin', 'wMax'] as const;
const MODES_KEYS = ['etaGain', 'etaThreshold', 'gainMin', 'gainMax', 'thresholdMin', 'thresholdMax'] as const;
const VARIABILITY_KEYS = ['sigma', 'distribution'] as const;
const HOMEOSTASIS_KEYS = ['aFast', 'aSlow', 'k', 'rho', 'phi', 'etaMin', 'etaMax'] as const;
/** Largest Hopfield memory (slots), so that a typo cannot ask for gigabytes before the budget check. */
export const HOPFIELD_SLOTS_MAX = 65536;

/** Checks lo < hi (reported at `hiKey`) and, when given, that lo <= inside <= hi (reported at the path). */
function checkRange(ctx: Ctx, path: string, loKey: string, hiKey: string, lo: number | undefined, hi: number | undefined, inside?: { value: number; what: string }): boolean {
  if (lo === undefined || hi === undefined) return false;
  if (!(lo < hi)) {
    ctx.add(join(path, hiKey), `must be > ${loKey} (${lo}), got ${hi}`);
    return false;
  }
  if (inside !== undefined && !(lo <= inside.value && inside.value <= hi)) {
    ctx.add(path, `[${loKey}, ${hiKey}] must contain ${inside.what} ${inside.value}, got [${lo}, ${hi}]`);
    return false;
  }
  return true;
}

function readReadout(
  ctx: Ctx,
  v: unknown,
  path: string,
  known: Known | undefined,
): ReadoutSpec | undefined {
  const rawRule = isObj(v) ? get(v, 'rule') : undefined;
  const ruleKnown = (READOUT_RULES as readonly unknown[]).includes(rawRule);
  const allKeys = [...new Set(Object.values(READOUT_RULE_KEYS).flat())];
  const o = checkObj(ctx, v, path, ruleKnown ? READOUT_RULE_KEYS[rawRule as (typeof READOUT_RULES)[number]] : allKeys);
  if (o === undefined) return undefined;
  const start = ctx.count;
  const from = str(ctx, o, path, 'from');
  if (from !== undefined) checkRef(ctx, from, join(path, 'from'), known, true);
  const classes = num(ctx, o, path, 'classes', { int: true, ge: 2 });
  const rule = oneOf(ctx, o, path, 'rule', READOUT_RULES);
  // An unknown rule: its other fields cannot be judged (the error on `rule` says what is allowed).
  if (rule === undefined) return undefined;
  if (rule === 'ncm') {
    const metric = oneOf(ctx, o, path, 'metric', ['l2', 'cosine'] as const);
    if (ctx.count !== start || from === undefined || classes === undefined || metric === undefined) return undefined;
    return { from, classes, rule, metric };
  }
  if (rule === 'hopfield') {
    const slots = num(ctx, o, path, 'slots', { int: true, ge: 1, le: HOPFIELD_SLOTS_MAX });
    const beta = num(ctx, o, path, 'beta', POSITIVE);
    if (ctx.count !== start || from === undefined || classes === undefined || slots === undefined || beta === undefined) return undefined;
    return { from, classes, rule, slots, beta };
  }
  if (rule === 'gated-hebb') {
    const learningRate = num(ctx, o, path, 'learningRate', POSITIVE);
    const tauMs = num(ctx, o, path, 'tauMs', POSITIVE);
    const tauSlowMs = num(ctx, o, path, 'tauSlowMs', POSITIVE, true);
    const rawBias = get(o, 'bias');
    if (rawBias !== undefined && typeof rawBias !== 'boolean') ctx.add(join(path, 'bias'), `must be true or false, got ${typed(rawBias)}`);
    const wMin = num(ctx, o, path, 'wMin', ANY);
    const wMax = num(ctx, o, path, 'wMax', ANY);
    checkRange(ctx, path, 'wMin', 'wMax', wMin, wMax);
    const bounds = oneOf(ctx, o, path, 'bounds', ['hard', 'soft'] as const);
    if (ctx.count !== start || from === undefined || classes === undefined || learningRate === undefined || tauMs === undefined ||
      wMin === undefined || wMax === undefined || bounds === undefined) return undefined;
    return { from, classes, rule, learningRate, tauMs, ...(tauSlowMs !== undefined ? { tauSlowMs } : {}), bias: rawBias !== false, wMin, wMax, bounds };
  }
  const learningRate = num(ctx, o, path, 'learningRate', { gt: 0, lt: SPEC_LIMITS.learningRateMaxExclusive });
  let classp: ClasspSpec | undefined;
  const c = obj(ctx, o, path, 'classp', CLASSP_KEYS, true);
  if (c !== undefined) {
    const cp = join(path, 'classp');
    const st = ctx.count;
    const eps = num(ctx, c, cp, 'eps', POSITIVE);
    const threshold = num(ctx, c, cp, 'threshold', NON_NEGATIVE);
    const rawPower = get(c, 'power');
    if (rawPower === undefined) missing(ctx, join(cp, 'power'), '1 or 2');
    else if (rawPower !== 1 && rawPower !== 2) ctx.add(join(cp, 'power'), `must be 1 or 2, got ${typeof rawPower === 'number' ? String(rawPower) : typed(rawPower)}`);
    const wMin = num(ctx, c, cp, 'wMin', ANY);
    const wMax = num(ctx, c, cp, 'wMax', ANY);
    checkRange(ctx, cp, 'wMin', 'wMax', wMin, wMax);
    if (ctx.count === st) classp = { eps: eps!, threshold: threshold!, power: rawPower as 1 | 2, wMin: wMin!, wMax: wMax! };
  }
  let modes: ModesSpec | undefined;
  const m = obj(ctx, o, path, 'modes', MODES_KEYS, true);
  if (m !== undefined) {
    const mp = join(path, 'modes');
    const st = ctx.count;
    const etaGain = num(ctx, m, mp, 'etaGain', NON_NEGATIVE);
    const etaThreshold = num(ctx, m, mp, 'etaThreshold', NON_NEGATIVE);
    const gainMin = num(ctx, m, mp, 'gainMin', ANY);
    const gainMax = num(ctx, m, mp, 'gainMax', ANY);
    const thresholdMin = num(ctx, m, mp, 'thresholdMin', ANY);
    const thresholdMax = num(ctx, m, mp, 'thresholdMax', ANY);
    checkRange(ctx, mp, 'gainMin', 'gainMax', gainMin, gainMax, { value: 1, what: 'the initial gain' });
    checkRange(ctx, mp, 'thresholdMin', 'thresholdMax', thresholdMin, thresholdMax, { value: 0, what: 'the initial threshold' });
    if (ctx.count === st) modes = { etaGain: etaGain!, etaThreshold: etaThreshold!, gainMin: gainMin!, gainMax: gainMax!, thresholdMin: thresholdMin!, thresholdMax: thresholdMax! };
  }
  let variability: VariabilitySpec | undefined;
  const n = obj(ctx, o, path, 'variability', VARIABILITY_KEYS, true);
  if (n !== undefined) {
    const np = join(path, 'variability');
    const st = ctx.count;
    const sigma = num(ctx, n, np, 'sigma', POSITIVE);
    const distribution = oneOf(ctx, n, np, 'distribution', ['uniform', 'irwin-hall'] as const);
    if (ctx.count === st) variability = { sigma: sigma!, distribution: distribution! };
  }
  let homeostasis: HomeostasisSpec | undefined;
  const hm = obj(ctx, o, path, 'homeostasis', HOMEOSTASIS_KEYS, true);
  if (hm !== undefined) {
    const hp = join(path, 'homeostasis');
    const st = ctx.count;
    const aFast = num(ctx, hm, hp, 'aFast', { gt: 0, le: 1 });
    // aSlow < aFast: the slow average is the baseline the fast one is tested against.
    const aSlow = num(ctx, hm, hp, 'aSlow', { gt: 0, lt: aFast ?? 1 });
    const k = num(ctx, hm, hp, 'k', NON_NEGATIVE);
    const rho = num(ctx, hm, hp, 'rho', { ge: 0, le: 1 });
    const phi = num(ctx, hm, hp, 'phi', { ge: 0, le: 1 }, true);
    // The rate must stay a stable normalised-LMS step (< 2) and its range must contain the resting rate.
    const eta0 = learningRate ?? 0;
    const etaMin = num(ctx, hm, hp, 'etaMin', { gt: 0, le: learningRate ?? SPEC_LIMITS.learningRateMaxExclusive }, true);
    const etaMax = num(ctx, hm, hp, 'etaMax', { ge: learningRate ?? 0, lt: SPEC_LIMITS.learningRateMaxExclusive }, true);
    if (ctx.count === st && learningRate !== undefined) {
      homeostasis = {
        aFast: aFast!, aSlow: aSlow!, k: k!, rho: rho!, phi: phi ?? 0,
        etaMin: etaMin ?? eta0, etaMax: etaMax ?? Math.max(1, eta0),
      };
    }
  }
  if (
    ctx.count !== start ||
    from === undefined ||
    classes === undefined ||
    rule === undefined ||
    learningRate === undefined
  ) {
    return undefined;
  }
  return {
    from, classes, rule, learningRate,
    ...(classp !== undefined ? { classp } : {}),
    ...(modes !== undefined ? { modes } : {}),
    ...(variability !== undefined ? { variability } : {}),
    ...(homeostasis !== undefined ? { homeostasis } : {}),
  };
}

// ------------------------------------------------------------------------------------------------
// JSON syntax errors with a position. JSON.parse messages differ between engine versions and often
// carry no position, so on failure the text is scanned again by this small recogniser, which
// reports the first offending offset and what was expected there.

interface JsonSyntaxError {
  offset: number;
  message: string;
}

function lineColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: offset - lineStart + 1 };
}

/** Returns the first syntax error in `text`, or undefined if it is valid JSON. Iterative. */
export function findJsonSyntaxError(text: string): JsonSyntaxError | undefined {
  const n = text.length;
  let i = 0;
  const stack: number[] = []; // 123 '{' or 91 '['

  const got = (at: number): string => (at >= n ? 'end of input' : JSON.stringify(text[at]));
  const fail = (expected: string, at = i): JsonSyntaxError => ({
    offset: at,
    message: `expected ${expected}, got ${got(at)}`,
  });
  const ws = (): void => {
    while (i < n) {
      const c = text.charCodeAt(i);
      if (c === 32 || c === 9 || c === 10 || c === 13) i++;
      else break;
    }
  };
  const isDigit = (c: number): boolean => c >= 48 && c <= 57;
  const isHex = (c: number): boolean => isDigit(c) || (c >= 97 && c <= 102) || (c >= 65 && c <= 70);

  /** Scans a string starting at the opening quote. */
  const scanString = (): JsonSyntaxError | undefined => {
    i++;
    for (;;) {
      if (i >= n) return { offset: i, message: 'unterminated string, expected \'"\', got end of input' };
      const c = text.charCodeAt(i);
      if (c === 34) {
        i++;
        return undefined;
      }
      if (c < 0x20) {
        const hex = c.toString(16).padStart(4, '0');
        return {
          offset: i,
          message: `expected a string character, got control character U+${hex.toUpperCase()} (escape it as \\u${hex})`,
        };
      }
      if (c === 92) {
        i++;
        if (i >= n) return fail('an escape character');
        const e = text[i];
        if (e === 'u') {
          for (let k = 1; k <= 4; k++) {
            if (i + k >= n || !isHex(text.charCodeAt(i + k))) return fail('4 hex digits after \\u', i + k);
          }
          i += 5;
        } else if ('"\\/bfnrt'.includes(e)) {
          i++;
        } else {
          return fail('one of the escapes \\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX');
        }
        continue;
      }
      i++;
    }
  };

  const scanNumber = (): JsonSyntaxError | undefined => {
    if (text.charCodeAt(i) === 45) i++;
    if (i < n && text.charCodeAt(i) === 48) {
      i++;
    } else if (i < n && isDigit(text.charCodeAt(i))) {
      while (i < n && isDigit(text.charCodeAt(i))) i++;
    } else {
      return fail('a digit');
    }
    if (i < n && text.charCodeAt(i) === 46) {
      i++;
      if (!(i < n && isDigit(text.charCodeAt(i)))) return fail('a digit after the decimal point');
      while (i < n && isDigit(text.charCodeAt(i))) i++;
    }
    if (i < n && (text.charCodeAt(i) === 101 || text.charCodeAt(i) === 69)) {
      i++;
      if (i < n && (text.charCodeAt(i) === 43 || text.charCodeAt(i) === 45)) i++;
      if (!(i < n && isDigit(text.charCodeAt(i)))) return fail('a digit in the exponent');
      while (i < n && isDigit(text.charCodeAt(i))) i++;
    }
    return undefined;
  };

  /** Reads `"key" :` inside an object. */
  const scanKey = (): JsonSyntaxError | undefined => {
    ws();
    if (i >= n || text.charCodeAt(i) !== 34) return fail('a property name in double quotes');
    const e = scanString();
    if (e) return e;
    ws();
    if (i >= n || text.charCodeAt(i) !== 58) return fail("':' after the property name");
    i++;
    return undefined;
  };

  for (;;) {
    // Expecting a value.
    ws();
    if (i >= n) return fail('a value');
    const c = text.charCodeAt(i);
    if (c === 123) {
      i++;
      ws();
      if (i < n && text.charCodeAt(i) === 125) {
        i++;
      } else {
        const e = scanKey();
        if (e) return e;
        stack.push(123);
        continue;
      }
    } else if (c === 91) {
      i++;
      ws();
      if (i < n && text.charCodeAt(i) === 93) {
        i++;
      } else {
        stack.push(91);
        continue;
      }
    } else if (c === 34) {
      const e = scanString();
      if (e) return e;
    } else if (c === 45 || isDigit(c)) {
      const e = scanNumber();
      if (e) return e;
    } else {
      const word = ['true', 'false', 'null'].find((w) => text.startsWith(w, i));
      if (word === undefined) return fail('a value (object, array, string, number, true, false or null)');
      i += word.length;
    }

    // After a value: close containers or move to the next element.
    for (;;) {
      ws();
      const top = stack[stack.length - 1];
      if (top === undefined) {
        return i < n ? fail('end of input after the JSON value') : undefined;
      }
      const d = i < n ? text.charCodeAt(i) : -1;
      if (top === 123) {
        if (d === 44) {
          i++;
          const e = scanKey();
          if (e) return e;
          break;
        }
        if (d === 125) {
          i++;
          stack.pop();
          continue;
        }
        return fail("',' or '}' after a property value");
      }
      if (d === 44) {
        i++;
        break;
      }
      if (d === 93) {
        i++;
        stack.pop();
        continue;
      }
      return fail("',' or ']' after an array element");
    }
  }
}
