/**
 * Fleet learning for `neurite serve`: an optional `fleet` section in the gateway config makes the
 * gateway a fleet member that shares one sensor's readout (docs/fleet.md, "With neurite serve").
 *
 *   "fleet": {
 *     "brokerUrl": "mqtt://127.0.0.1:1883",
 *     "gatewayId": "gw-kitchen",            // broker user name, last level of the state topic
 *     "passwordFile": "fleet-password.txt", // or "password": "..."
 *     "fleet": "digits",                    // optional, default "default"
 *     "topicPrefix": "neurite/fleet",       // optional
 *     "sensor": "cam0",                     // whose readout is shared (default: the only sensor)
 *     "publishPeriodSeconds": 10            // optional, default 10
 *   }
 *
 * The sensor's learner lives in a worker thread, so the readout is read and written through the
 * gateway's readoutState / addToReadout requests. A merge reads a snapshot of the weights, computes
 * the merged readout from it and sends back only the difference, which the worker adds to its live
 * weights: what the learner learned between the two requests is kept, not overwritten.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { EXTRA_SECTIONS } from '../gateway/config.js';
import type { Gateway } from '../gateway/gateway.js';
import { FleetMember } from './client.js';
import { type FleetClientConfig, resolveFleetConfig } from './config.js';
import { FleetConfigError } from './errors.js';
import { fleetCounts, mergeDeltaOnce, type MergeResult, type PeerState, type ReadoutAccess, type ReadoutState, relativeChange } from './state.js';

export interface GatewayFleetSection extends FleetClientConfig {
  /** The sensor whose readout is shared; null = the gateway's only sensor. */
  sensor: string | null;
}

const KEYS = ['brokerUrl', 'gatewayId', 'password', 'passwordFile', 'fleet', 'topicPrefix', 'sensor', 'publishPeriodSeconds', 'reconnectMinMs', 'reconnectMaxMs'];

/** Validates the `fleet` section (registered with the gateway config by registerFleetSection). */
export function validateFleetSection(value: unknown, path: string, issues: { path: string; message: string }[], baseDir: string): GatewayFleetSection | null {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    issues.push({ path, message: `must be an object, got ${JSON.stringify(value)}` });
    return null;
  }
  const o = value as Record<string, unknown>;
  for (const k of Object.keys(o)) if (!KEYS.includes(k)) issues.push({ path: `${path}.${k}`, message: `unknown key (allowed: ${KEYS.join(', ')})` });
  let password = typeof o.password === 'string' ? o.password : '';
  if (o.password !== undefined && o.passwordFile !== undefined) issues.push({ path, message: 'give password or passwordFile, not both' });
  else if (typeof o.passwordFile === 'string') {
    const f = resolve(baseDir, o.passwordFile);
    try {
      password = readFileSync(f, 'utf8').trim();
    } catch (e) {
      issues.push({ path: `${path}.passwordFile`, message: `cannot read ${f}: ${(e as Error).message}` });
    }
  } else if (o.password === undefined) issues.push({ path, message: 'needs password or passwordFile (the broker refuses anonymous gateways)' });
  const period = o.publishPeriodSeconds ?? 10;
  if (typeof period !== 'number' || !(period > 0) || period > 86400) issues.push({ path: `${path}.publishPeriodSeconds`, message: `must be a number in (0, 86400], got ${JSON.stringify(period)}` });
  if (o.sensor !== undefined && typeof o.sensor !== 'string') issues.push({ path: `${path}.sensor`, message: `must be a sensor id, got ${JSON.stringify(o.sensor)}` });
  const num = (k: string): number | undefined => (typeof o[k] === 'number' ? (o[k] as number) : undefined);
  const section: GatewayFleetSection = {
    brokerUrl: String(o.brokerUrl ?? ''),
    gatewayId: String(o.gatewayId ?? ''),
    password: password || '-',
    ...(o.fleet !== undefined ? { fleet: String(o.fleet) } : {}),
    ...(o.topicPrefix !== undefined ? { topicPrefix: String(o.topicPrefix) } : {}),
    ...(num('reconnectMinMs') !== undefined ? { reconnectMinMs: num('reconnectMinMs') } : {}),
    ...(num('reconnectMaxMs') !== undefined ? { reconnectMaxMs: num('reconnectMaxMs') } : {}),
    publishPeriodMs: typeof period === 'number' ? period * 1000 : 10_000,
    sensor: typeof o.sensor === 'string' ? o.sensor : null,
  };
  try {
    resolveFleetConfig(section);
  } catch (e) {
    if (!(e instanceof FleetConfigError)) throw e;
    issues.push({ path: `${path}.${e.path}`, message: e.reason });
  }
  return section;
}

/** Lets gateway configs carry a `fleet` section. Idempotent. */
export function registerFleetSection(): void {
  EXTRA_SECTIONS.set('fleet', validateFleetSection);
}

/** One gateway sensor's delta readout, read and written through the gateway's worker requests. */
export class GatewaySensorReadout implements ReadoutAccess {
  readonly kind = 'delta' as const;
  private readonly merged = new Map<string, number>();

  constructor(
    private readonly gw: Gateway,
    readonly sensor: string,
    readonly nFeat: number,
    readonly nClass: number,
  ) {}

  async contribution(): Promise<ReadoutState> {
    const s = await this.gw.readoutState(this.sensor);
    return { kind: 'delta', nFeat: this.nFeat, nClass: this.nClass, values: s.weights, counts: Float64Array.from(s.classCounts) };
  }

  async ownSamples(): Promise<number> {
    const s = await this.gw.readoutState(this.sensor);
    return s.classCounts.reduce((a, b) => a + b, 0);
  }

  async merge(peers: readonly PeerState[]): Promise<MergeResult> {
    const s = await this.gw.readoutState(this.sensor);
    const own = s.classCounts.reduce((a, b) => a + b, 0);
    const next = mergeDeltaOnce(s.weights, own, peers, this.merged);
    // Only the weights are installed: the class counts stay the sensor's own.
    if (next) {
      const change = new Float32Array(next.length);
      for (let i = 0; i < next.length; i++) change[i] = next[i] - s.weights[i];
      await this.gw.addToReadout(this.sensor, change);
    }
    return { kind: 'delta', nFeat: this.nFeat, nClass: this.nClass, values: next ?? s.weights, counts: fleetCounts(s.classCounts, peers), change: next ? relativeChange(s.weights, next) : 0 };
  }
}

/**
 * Makes a started gateway a fleet member. Returns at once: the first connection and
 * synchronisation run in the background (a broker that is down must not keep the gateway from
 * serving); errors, including refused credentials, go to `log`.
 */
export async function startGatewayFleet(gw: Gateway, section: GatewayFleetSection, log: (line: string) => void): Promise<FleetMember> {
  const sensor = section.sensor ?? (gw.sensorIds.length === 1 ? gw.sensorIds[0] : null);
  if (sensor === null) throw new FleetConfigError('fleet.sensor', null, `the gateway has ${gw.sensorIds.length} sensors (${gw.sensorIds.join(', ')}): name the one whose readout the fleet shares`);
  if (!gw.sensorIds.includes(sensor)) throw new FleetConfigError('fleet.sensor', sensor, `no such sensor (have: ${gw.sensorIds.join(', ')})`);
  const cfg = gw.config.sensors.find((s) => s.id === sensor)!;
  const state = await gw.readoutState(sensor);
  const member = new FleetMember({
    config: section,
    readout: new GatewaySensorReadout(gw, sensor, state.nFeat, state.nClass),
    spec: cfg.model,
    onEvent: (e) => {
      if (e.type === 'error') log(`fleet: ${e.error.message}`);
      else if (e.type === 'connected') log(`fleet: ${e.reconnect ? 'reconnected to' : 'connected to'} ${section.brokerUrl} as ${section.gatewayId}`);
      else if (e.type === 'merged') log(`fleet: merged ${e.peers} peer state(s), ${e.samples} samples in the fleet readout`);
    },
  });
  member.start().catch(() => { /* reported through onEvent */ });
  return member;
}
