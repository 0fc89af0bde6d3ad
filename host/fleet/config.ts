/**
 * Fleet configuration: the client side (which broker, who this gateway is, which topics, how
 * often to publish) and the broker side (one user per gateway, each allowed to write only its own
 * state topic and to read the fleet's), written as Mosquitto's password and ACL files.
 *
 * Topics:
 *   <prefix>/<fleet>/state/<gatewayId>   one retained message per gateway: its readout state
 * A gateway subscribes to <prefix>/<fleet>/state/+ (every member's state, its own included: its
 * own retained message tells a restarted gateway which version number to continue from).
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, writeFileSync } from 'node:fs';
import { FleetConfigError } from './errors.js';
import { GATEWAY_ID } from './payload.js';

export interface FleetClientConfig {
  /** mqtt://host:port (mqtts:// for TLS). */
  brokerUrl: string;
  /** This gateway's id: its state topic's last level and its broker user name. */
  gatewayId: string;
  password: string;
  /** Fleet name (one topic level): gateways of different fleets never see each other. Default 'default'. */
  fleet?: string;
  /** Topic prefix. Default 'neurite/fleet'. */
  topicPrefix?: string;
  /** Publish own state (if it changed) and merge every this many ms; 0 = only on demand. Default 0. */
  publishPeriodMs?: number;
  /** Reconnect backoff: first delay and cap, ms. Defaults 200 and 10000. */
  reconnectMinMs?: number;
  reconnectMaxMs?: number;
  /** Merge as soon as a new peer state arrives (after mergeDelayMs of quiet). Default true. */
  autoMerge?: boolean;
  mergeDelayMs?: number;
  /**
   * A merge that moves the live readout by more than this (relative, MergeResult.change) is
   * published at the next period even without new own samples, so the fleet converges on one
   * readout; smaller moves are not worth a message. Default 1e-4.
   */
  changeTolerance?: number;
}

export type ResolvedFleetConfig = Required<FleetClientConfig>;

const TOPIC_LEVEL = /^[A-Za-z0-9_.-]{1,64}$/;

/** Validates a client config (all problems are FleetConfigError with the path and value). */
export function resolveFleetConfig(c: FleetClientConfig): ResolvedFleetConfig {
  const r: ResolvedFleetConfig = {
    fleet: 'default',
    topicPrefix: 'neurite/fleet',
    publishPeriodMs: 0,
    reconnectMinMs: 200,
    reconnectMaxMs: 10_000,
    autoMerge: true,
    mergeDelayMs: 50,
    changeTolerance: 1e-4,
    ...c,
  };
  let url: URL;
  try {
    url = new URL(r.brokerUrl);
  } catch {
    throw new FleetConfigError('brokerUrl', r.brokerUrl, 'not a URL (expected mqtt://host:port)');
  }
  if (!['mqtt:', 'mqtts:', 'tcp:', 'ssl:', 'ws:', 'wss:'].includes(url.protocol)) throw new FleetConfigError('brokerUrl', r.brokerUrl, `protocol ${url.protocol} is not an MQTT transport`);
  if (!GATEWAY_ID.test(r.gatewayId)) throw new FleetConfigError('gatewayId', r.gatewayId, 'must be 1..64 characters of A-Z a-z 0-9 _ . -');
  if (!TOPIC_LEVEL.test(r.fleet)) throw new FleetConfigError('fleet', r.fleet, 'must be one topic level of 1..64 characters of A-Z a-z 0-9 _ . -');
  if (!/^[A-Za-z0-9_.-]+(\/[A-Za-z0-9_.-]+)*$/.test(r.topicPrefix)) throw new FleetConfigError('topicPrefix', r.topicPrefix, 'must be topic levels of A-Z a-z 0-9 _ . - separated by "/" (no wildcards)');
  if (typeof r.password !== 'string' || r.password.length === 0) throw new FleetConfigError('password', '<hidden>', 'must be a non-empty string');
  for (const k of ['publishPeriodMs', 'reconnectMinMs', 'reconnectMaxMs', 'mergeDelayMs', 'changeTolerance'] as const) {
    if (!Number.isFinite(r[k]) || r[k] < 0) throw new FleetConfigError(k, r[k], k === 'changeTolerance' ? 'must be a non-negative number' : 'must be a non-negative number of milliseconds');
  }
  if (r.reconnectMaxMs < r.reconnectMinMs) throw new FleetConfigError('reconnectMaxMs', r.reconnectMaxMs, `must be >= reconnectMinMs (${r.reconnectMinMs})`);
  return r;
}

export function stateTopic(prefix: string, fleet: string, gatewayId: string): string {
  return `${prefix}/${fleet}/state/${gatewayId}`;
}

export function fleetStateFilter(prefix: string, fleet: string): string {
  return `${prefix}/${fleet}/state/+`;
}

/** The broker-side view of a fleet: its topics and its members' credentials. */
export interface FleetBrokerConfig {
  fleet: string;
  topicPrefix?: string;
  gateways: readonly { id: string; password: string }[];
}

function checkBrokerConfig(b: FleetBrokerConfig): string {
  const prefix = b.topicPrefix ?? 'neurite/fleet';
  if (!TOPIC_LEVEL.test(b.fleet)) throw new FleetConfigError('fleet', b.fleet, 'must be one topic level of A-Z a-z 0-9 _ . -');
  const seen = new Set<string>();
  b.gateways.forEach((g, i) => {
    if (!GATEWAY_ID.test(g.id)) throw new FleetConfigError(`gateways[${i}].id`, g.id, 'must be 1..64 characters of A-Z a-z 0-9 _ . -');
    if (seen.has(g.id)) throw new FleetConfigError(`gateways[${i}].id`, g.id, 'appears twice');
    if (!g.password || /[\n:]/.test(g.password)) throw new FleetConfigError(`gateways[${i}].password`, '<hidden>', 'must be non-empty without ":" or line breaks');
    seen.add(g.id);
  });
  return prefix;
}

/**
 * Mosquitto ACL file text: each gateway may write only its own state topic and read every
 * member's. Anything not granted is denied (Mosquitto's default once an acl_file is set).
 */
export function mosquittoAcl(b: FleetBrokerConfig): string {
  const prefix = checkBrokerConfig(b);
  const lines = [`# neurite fleet "${b.fleet}": one user per gateway (host/fleet/config.ts)`];
  for (const g of b.gateways) {
    lines.push('', `user ${g.id}`, `topic write ${stateTopic(prefix, b.fleet, g.id)}`, `topic read ${fleetStateFilter(prefix, b.fleet)}`);
  }
  return `${lines.join('\n')}\n`;
}

/**
 * Writes a Mosquitto password file for the fleet's gateways: plain `user:password` lines (mode
 * 0600), then hashed in place by `mosquitto_passwd -U`, so no password appears on a command line.
 */
export function writeMosquittoPasswords(path: string, b: FleetBrokerConfig, mosquittoPasswd = '/usr/bin/mosquitto_passwd'): void {
  checkBrokerConfig(b);
  writeFileSync(path, b.gateways.map((g) => `${g.id}:${g.password}\n`).join(''), { mode: 0o600 });
  chmodSync(path, 0o600);
  const r = spawnSync(mosquittoPasswd, ['-U', path], { encoding: 'utf8' });
  if (r.error || r.status !== 0) {
    throw new FleetConfigError('mosquittoPasswd', mosquittoPasswd, `hashing ${path} failed: ${r.error?.message ?? r.stderr.trim()}`);
  }
}
