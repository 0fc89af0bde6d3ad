/**
 * The gateway's configuration file (JSON, docs/gateway.md "Configuration"): validated as a whole
 * before anything starts, every problem reported with its JSON path (ConfigError). Relative paths
 * (model specs, checkpoint directory, token file) are resolved against the config file's folder.
 *
 * The schema is open for additions: a section another module owns (e.g. `fleet`) is registered in
 * EXTRA_SECTIONS with its own validator, so unknown keys can still be refused everywhere else.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { ConfigError, NeuriteError } from '../errors.js';
import { downsampleGeometry } from '../events/transforms/downsample.js';
import { loadModelSpec } from '../spec/models.js';
import type { ModelSpec } from '../spec/types.js';
import { validateSpec } from '../spec/validate.js';
import { MAX_UDP_PAYLOAD, MSG_HEADER_BYTES, UNLABELLED } from './protocol.js';

export type DropPolicy = 'drop-newest' | 'drop-oldest';

export interface ListenConfig {
  host: string;
  /** 0 = any free port (the bound port is reported by the gateway). */
  port: number;
}

export interface QueueConfig {
  /** Events a sensor may hold between the socket and its learner (staged + in the worker). */
  maxEvents: number;
  /** Events per message handed to the worker. */
  batchEvents: number;
  /** UDP only: which events a full queue drops. TCP pauses reading instead. */
  dropPolicy: DropPolicy;
}

export interface EarlyDecisionConfig {
  /** Events of the sample seen before any early decision. */
  minEvents: number;
  /** Softmax probability of the top class needed to decide early (0 < c <= 1). */
  confidence: number;
  /** Softmax inverse temperature applied to the readout scores. */
  sharpness: number;
}

export interface SensorConfig {
  /** Name in URLs and metrics: [A-Za-z0-9_-]{1,64}. */
  id: string;
  /** The stream id in message headers (0..65535), unique per gateway. */
  streamId: number;
  /** The validated model spec (from a bundled name, a path, or an inline object). */
  model: ModelSpec;
  /** Raw sensor geometry of incoming events. */
  width: number;
  height: number;
  /** Spatial pooling from the sensor to the model's input (tonic-style downsampling). */
  downsample: { factorX: number; factorY: number; refractoryUs?: number };
  /** Unlabelled streams without sample records are cut into windows of this length. */
  windowMs: number;
  /** Events after this long from a sample's begin are dropped ('sample_too_long'). */
  maxSampleMs: number;
  /** Re-run labelled samples with the teacher and plasticity on (spiking-layer learning). */
  plasticity: boolean;
  /** Events of a sample kept for the plasticity re-run; longer samples skip it (counted). */
  maxSampleEvents: number;
  /** Readout learning rate (default: the model's). */
  readoutLearningRate: number;
  earlyDecision: EarlyDecisionConfig;
  build: 'simd' | 'scalar';
  queue: QueueConfig;
}

export interface GatewayConfig {
  /** Where the config came from (for messages). */
  source: string;
  http: ListenConfig & { maxBodyBytes: number };
  udp: (ListenConfig & { maxDatagramBytes: number; recvBufferBytes: number }) | null;
  tcp: (ListenConfig & { maxFrameBytes: number; maxConnections: number }) | null;
  /** Bearer token for writes; null = writes are refused. */
  token: string | null;
  checkpoints: { dir: string; periodSeconds: number };
  sensors: SensorConfig[];
  /** Sections owned by other modules (see EXTRA_SECTIONS), already validated by them. */
  extra: Record<string, unknown>;
}

type Issues = { path: string; message: string }[];

/** Validators of top-level sections owned by other modules, by key. Return the parsed value. */
export const EXTRA_SECTIONS = new Map<string, (value: unknown, path: string, issues: Issues, baseDir: string) => unknown>();

const TOP_KEYS = ['http', 'udp', 'tcp', 'auth', 'checkpoints', 'queue', 'sensors', '$schema', 'description'];
const SENSOR_KEYS = ['id', 'streamId', 'model', 'width', 'height', 'transform', 'windowMs', 'maxSampleMs', 'plasticity', 'maxSampleEvents', 'readoutLearningRate', 'earlyDecision', 'build', 'queue'];

class Reader {
  constructor(readonly issues: Issues) {}

  obj(v: unknown, path: string, keys: readonly string[], allowExtra = false): Record<string, unknown> | null {
    if (v === undefined) return null;
    if (v === null || typeof v !== 'object' || Array.isArray(v)) {
      this.issues.push({ path, message: `must be an object, got ${JSON.stringify(v)}` });
      return null;
    }
    const o = v as Record<string, unknown>;
    if (!allowExtra) for (const k of Object.keys(o)) if (!keys.includes(k)) this.issues.push({ path: `${path}.${k}`, message: `unknown key (allowed: ${keys.join(', ')})` });
    return o;
  }

  int(o: Record<string, unknown> | null, key: string, path: string, min: number, max: number, dflt?: number): number {
    const v = o?.[key];
    if (v === undefined) {
      if (dflt === undefined) this.issues.push({ path: `${path}.${key}`, message: `is required (an integer in ${min}..${max})` });
      return dflt ?? min;
    }
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
      this.issues.push({ path: `${path}.${key}`, message: `must be an integer in ${min}..${max}, got ${JSON.stringify(v)}` });
      return dflt ?? min;
    }
    return v;
  }

  num(o: Record<string, unknown> | null, key: string, path: string, min: number, max: number, dflt: number, openMin = false): number {
    const v = o?.[key];
    if (v === undefined) return dflt;
    if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max || (openMin && v === min)) {
      this.issues.push({ path: `${path}.${key}`, message: `must be a number in ${openMin ? '(' : '['}${min}, ${max}], got ${JSON.stringify(v)}` });
      return dflt;
    }
    return v;
  }

  str(o: Record<string, unknown> | null, key: string, path: string, dflt?: string, pattern?: RegExp): string {
    const v = o?.[key];
    if (v === undefined) {
      if (dflt === undefined) this.issues.push({ path: `${path}.${key}`, message: 'is required (a string)' });
      return dflt ?? '';
    }
    if (typeof v !== 'string' || (pattern && !pattern.test(v))) {
      this.issues.push({ path: `${path}.${key}`, message: `must be a string${pattern ? ` matching ${pattern}` : ''}, got ${JSON.stringify(v)}` });
      return dflt ?? '';
    }
    return v;
  }

  bool(o: Record<string, unknown> | null, key: string, path: string, dflt: boolean): boolean {
    const v = o?.[key];
    if (v === undefined) return dflt;
    if (typeof v !== 'boolean') {
      this.issues.push({ path: `${path}.${key}`, message: `must be true or false, got ${JSON.stringify(v)}` });
      return dflt;
    }
    return v;
  }

  oneOf<T extends string>(o: Record<string, unknown> | null, key: string, path: string, allowed: readonly T[], dflt: T): T {
    const v = o?.[key];
    if (v === undefined) return dflt;
    if (typeof v !== 'string' || !allowed.includes(v as T)) {
      this.issues.push({ path: `${path}.${key}`, message: `must be one of ${allowed.join(', ')}, got ${JSON.stringify(v)}` });
      return dflt;
    }
    return v as T;
  }
}

const HOST = /^[A-Za-z0-9.:_-]{1,255}$/;

function listen(r: Reader, v: unknown, path: string, extraKeys: readonly string[]): Record<string, unknown> | null {
  return r.obj(v, path, ['host', 'port', ...extraKeys]);
}

function queueOf(r: Reader, v: unknown, path: string, base: QueueConfig): QueueConfig {
  const o = r.obj(v, path, ['maxEvents', 'batchEvents', 'dropPolicy']);
  const q: QueueConfig = {
    maxEvents: r.int(o, 'maxEvents', path, 1024, 1 << 26, base.maxEvents),
    batchEvents: r.int(o, 'batchEvents', path, 64, 1 << 20, base.batchEvents),
    dropPolicy: r.oneOf(o, 'dropPolicy', path, ['drop-newest', 'drop-oldest'] as const, base.dropPolicy),
  };
  if (q.batchEvents > q.maxEvents) r.issues.push({ path: `${path}.batchEvents`, message: `(${q.batchEvents}) must not exceed maxEvents (${q.maxEvents})` });
  return q;
}

export const DEFAULT_QUEUE: QueueConfig = { maxEvents: 1 << 20, batchEvents: 16384, dropPolicy: 'drop-newest' };

function modelOf(r: Reader, v: unknown, path: string, baseDir: string): ModelSpec | null {
  try {
    if (typeof v === 'string') {
      const asPath = isAbsolute(v) ? v : resolve(baseDir, v);
      return loadModelSpec(v.includes('/') || v.endsWith('.json') ? asPath : v);
    }
    if (v !== null && typeof v === 'object') return validateSpec(v);
    r.issues.push({ path, message: `must be a bundled model name, a spec file path or a spec object, got ${JSON.stringify(v)}` });
  } catch (e) {
    if (!(e instanceof NeuriteError)) throw e;
    r.issues.push({ path, message: e.message.replace(/\n/g, ' ') });
  }
  return null;
}

/** Validates a parsed config object; `source` names it in messages, `baseDir` resolves paths. */
export function validateConfig(raw: unknown, source = '<config>', baseDir = process.cwd()): GatewayConfig {
  const issues: Issues = [];
  const r = new Reader(issues);
  const top = r.obj(raw, '$', [...TOP_KEYS, ...EXTRA_SECTIONS.keys()]) ?? (raw === undefined ? (issues.push({ path: '$', message: 'is empty' }), null) : null);

  const h = listen(r, top?.http, '$.http', ['maxBodyBytes']);
  const http = {
    host: r.str(h, 'host', '$.http', '127.0.0.1', HOST),
    port: r.int(h, 'port', '$.http', 0, 65535, 8080),
    maxBodyBytes: r.int(h, 'maxBodyBytes', '$.http', 1024, 1 << 30, 64 << 20),
  };
  const u = top?.udp === null ? null : listen(r, top?.udp ?? {}, '$.udp', ['maxDatagramBytes', 'recvBufferBytes']);
  const udp = u === null ? null : {
    host: r.str(u, 'host', '$.udp', '127.0.0.1', HOST),
    port: r.int(u, 'port', '$.udp', 0, 65535, 3333),
    maxDatagramBytes: r.int(u, 'maxDatagramBytes', '$.udp', MSG_HEADER_BYTES, MAX_UDP_PAYLOAD, MAX_UDP_PAYLOAD),
    recvBufferBytes: r.int(u, 'recvBufferBytes', '$.udp', 65536, 1 << 30, 8 << 20),
  };
  const t = top?.tcp === null ? null : listen(r, top?.tcp ?? {}, '$.tcp', ['maxFrameBytes', 'maxConnections']);
  const tcp = t === null ? null : {
    host: r.str(t, 'host', '$.tcp', '127.0.0.1', HOST),
    port: r.int(t, 'port', '$.tcp', 0, 65535, 3334),
    maxFrameBytes: r.int(t, 'maxFrameBytes', '$.tcp', MSG_HEADER_BYTES, 64 << 20, 1 << 20),
    maxConnections: r.int(t, 'maxConnections', '$.tcp', 1, 4096, 64),
  };

  const a = r.obj(top?.auth, '$.auth', ['token', 'tokenFile']);
  let token: string | null = null;
  if (a?.token !== undefined && a?.tokenFile !== undefined) issues.push({ path: '$.auth', message: 'give token or tokenFile, not both' });
  else if (a?.token !== undefined) token = r.str(a, 'token', '$.auth');
  else if (a?.tokenFile !== undefined) {
    const f = resolve(baseDir, r.str(a, 'tokenFile', '$.auth'));
    try {
      token = readFileSync(f, 'utf8').trim();
    } catch (e) {
      issues.push({ path: '$.auth.tokenFile', message: `cannot read ${f}: ${(e as Error).message}` });
    }
  }
  if (token !== null && !/^[\x21-\x7e]{16,512}$/.test(token)) {
    issues.push({ path: '$.auth', message: `the token must be 16..512 printable ASCII characters without spaces (got ${token.length} characters)` });
    token = null;
  }

  const c = r.obj(top?.checkpoints, '$.checkpoints', ['dir', 'periodSeconds']);
  const checkpoints = {
    dir: resolve(baseDir, r.str(c, 'dir', '$.checkpoints', 'gateway-state')),
    periodSeconds: r.num(c, 'periodSeconds', '$.checkpoints', 0, 86400, 60),
  };
  if (existsSync(checkpoints.dir) && !statSync(checkpoints.dir).isDirectory()) issues.push({ path: '$.checkpoints.dir', message: `${checkpoints.dir} is not a directory` });

  const queue = queueOf(r, top?.queue, '$.queue', DEFAULT_QUEUE);

  const sensors: SensorConfig[] = [];
  const list = top?.sensors;
  if (!Array.isArray(list) || list.length === 0 || list.length > 64) {
    issues.push({ path: '$.sensors', message: `must be an array of 1..64 sensors, got ${Array.isArray(list) ? `${list.length} entries` : JSON.stringify(list)}` });
  } else {
    list.forEach((sv, k) => {
      const path = `$.sensors[${k}]`;
      const s = r.obj(sv, path, SENSOR_KEYS);
      if (!s) {
        if (sv === undefined) issues.push({ path, message: 'is missing' });
        return;
      }
      const id = r.str(s, 'id', path, undefined, /^[A-Za-z0-9_-]{1,64}$/);
      const streamId = r.int(s, 'streamId', path, 0, 65535, k);
      const width = r.int(s, 'width', path, 1, 32767);
      const height = r.int(s, 'height', path, 1, 32767);
      const tr = r.obj(s.transform, `${path}.transform`, ['downsample']);
      const ds = r.obj(tr?.downsample, `${path}.transform.downsample`, ['factorX', 'factorY', 'refractoryUs']);
      const factorX = r.int(ds, 'factorX', `${path}.transform.downsample`, 1, 32767, 1);
      const factorY = r.int(ds, 'factorY', `${path}.transform.downsample`, 1, 32767, factorX);
      const refractoryUs = ds?.refractoryUs === undefined ? undefined : r.num(ds, 'refractoryUs', `${path}.transform.downsample`, 0, 1e7, 0);
      const model = s.model === undefined ? (issues.push({ path: `${path}.model`, message: 'is required' }), null) : modelOf(r, s.model, `${path}.model`, baseDir);
      const ed = r.obj(s.earlyDecision, `${path}.earlyDecision`, ['minEvents', 'confidence', 'sharpness']);
      const sensor: SensorConfig = {
        id,
        streamId,
        model: model as ModelSpec,
        width,
        height,
        downsample: { factorX, factorY, ...(refractoryUs === undefined ? {} : { refractoryUs }) },
        windowMs: r.num(s, 'windowMs', path, 0, 3.6e6, 300, true),
        maxSampleMs: r.num(s, 'maxSampleMs', path, 0, 3.6e6, 10000, true),
        plasticity: r.bool(s, 'plasticity', path, false),
        maxSampleEvents: r.int(s, 'maxSampleEvents', path, 1, 1 << 24, 1 << 20),
        readoutLearningRate: r.num(s, 'readoutLearningRate', path, 0, 2, model?.readout?.learningRate ?? 0.5, true),
        earlyDecision: {
          minEvents: r.int(ed, 'minEvents', `${path}.earlyDecision`, 1, 1 << 30, 500),
          confidence: r.num(ed, 'confidence', `${path}.earlyDecision`, 0, 1, 0.9, true),
          sharpness: r.num(ed, 'sharpness', `${path}.earlyDecision`, 0, 1e6, 10, true),
        },
        build: r.oneOf(s, 'build', path, ['simd', 'scalar'] as const, 'simd'),
        queue: queueOf(r, s.queue, `${path}.queue`, queue),
      };
      if (model) {
        if (!model.readout) issues.push({ path: `${path}.model`, message: `model "${model.name}" has no readout: the gateway learns and predicts labels with it` });
        else if (model.readout.classes > UNLABELLED) issues.push({ path: `${path}.model`, message: `model "${model.name}" has ${model.readout.classes} classes; labels on the wire are below ${UNLABELLED}` });
        try {
          const g = downsampleGeometry({ width, height }, factorX, factorY);
          if (g.width !== model.input.width || g.height !== model.input.height) {
            issues.push({ path: `${path}.transform`, message: `a ${width}x${height} sensor downsampled by ${factorX}x${factorY} gives ${g.width}x${g.height}, but model "${model.name}" takes ${model.input.width}x${model.input.height} input` });
          }
        } catch (e) {
          if (!(e instanceof NeuriteError)) throw e;
        }
      }
      if (sensor.maxSampleMs < sensor.windowMs) issues.push({ path: `${path}.maxSampleMs`, message: `(${sensor.maxSampleMs}) must be at least windowMs (${sensor.windowMs})` });
      if (sensors.some((o) => o.id === id)) issues.push({ path: `${path}.id`, message: `duplicate sensor id "${id}"` });
      if (sensors.some((o) => o.streamId === streamId)) issues.push({ path: `${path}.streamId`, message: `duplicate stream id ${streamId}` });
      sensors.push(sensor);
    });
  }

  const extra: Record<string, unknown> = {};
  for (const [key, validate] of EXTRA_SECTIONS) {
    if (top?.[key] !== undefined) extra[key] = validate(top[key], `$.${key}`, issues, baseDir);
  }
  if (issues.length > 0) throw new ConfigError(source, issues);
  return { source, http, udp, tcp, token, checkpoints, sensors, extra };
}

/** Reads and validates a config file (JSON). */
export function loadConfig(path: string): GatewayConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new ConfigError(path, [{ path: '$', message: `cannot read the file: ${(e as Error).message}` }]);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new ConfigError(path, [{ path: '$', message: `not valid JSON: ${(e as Error).message}` }]);
  }
  return validateConfig(raw, path, dirname(resolve(path)));
}
