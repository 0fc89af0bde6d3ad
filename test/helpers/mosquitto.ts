/**
 * A real Mosquitto broker for tests: started from Debian's /usr/sbin/mosquitto with a config in a
 * temporary directory, on a free loopback port, anonymous access off, one user per gateway
 * (password file hashed by mosquitto_passwd) and the fleet ACL (host/fleet/config.ts). It can be
 * stopped and restarted on the same port (the broker-restart test) and never outlives the test
 * process: stop() kills it, and an exit hook kills any broker a failed test left behind.
 *
 * Without mosquitto installed, tests skip with a notice; under CI=true that is a failure
 * (scripts/ensure-system-deps.mjs installs it before `npm test`).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { accessSync, constants, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, connect as tcpConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type FleetBrokerConfig, mosquittoAcl, writeMosquittoPasswords } from '../../host/fleet/config.js';

export const MOSQUITTO = '/usr/sbin/mosquitto';
export const MOSQUITTO_PASSWD = '/usr/bin/mosquitto_passwd';

/** True when the broker binaries exist; prints a notice (or throws under CI=true) when not. */
export function mosquittoAvailable(): boolean {
  try {
    accessSync(MOSQUITTO, constants.X_OK);
    accessSync(MOSQUITTO_PASSWD, constants.X_OK);
    return true;
  } catch {
    const msg = `${MOSQUITTO} or ${MOSQUITTO_PASSWD} not found (Debian package "mosquitto"; scripts/ensure-system-deps.mjs installs it)`;
    if (process.env.CI === 'true') throw new Error(`under CI=true: ${msg}`);
    console.warn(`[neurite tests] skipping: ${msg}`);
    return false;
  }
}

const live = new Set<ChildProcess>();
let hooked = false;
function killAllOnExit(): void {
  if (hooked) return;
  hooked = true;
  process.on('exit', () => {
    for (const p of live) try { p.kill('SIGKILL'); } catch { /* gone */ }
  });
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = tcpConnect({ host: '127.0.0.1', port });
    s.once('connect', () => { s.destroy(); resolve(true); });
    s.once('error', () => resolve(false));
  });
}

export interface TestBroker {
  readonly url: string;
  readonly port: number;
  readonly dir: string;
  /** Kills the broker (SIGTERM, then SIGKILL after 2 s) and waits for it to exit. */
  stop(): Promise<void>;
  /** Starts it again on the same port with the same files. */
  start(): Promise<void>;
  /** stop() + start(). */
  restart(): Promise<void>;
  /** Stops the broker and removes its directory. */
  dispose(): Promise<void>;
  /** The broker's log so far (for failure messages). */
  log(): string;
}

export interface BrokerOptions {
  fleet: FleetBrokerConfig;
  /** Keep retained messages on disk across restarts. Default false: a restart loses them all,
   *  the harder case for resynchronisation. */
  persistence?: boolean;
}

export async function startBroker(opts: BrokerOptions): Promise<TestBroker> {
  killAllOnExit();
  const dir = mkdtempSync(join(tmpdir(), 'neurite-mosquitto-'));
  const port = await freePort();
  const passwd = join(dir, 'passwd');
  const acl = join(dir, 'acl');
  writeMosquittoPasswords(passwd, opts.fleet, MOSQUITTO_PASSWD);
  writeFileSync(acl, mosquittoAcl(opts.fleet));
  const conf = [
    `listener ${port} 127.0.0.1`,
    'allow_anonymous false',
    `password_file ${passwd}`,
    `acl_file ${acl}`,
    // Running as root (CI), Mosquitto would switch to user "mosquitto", which cannot read these
    // 0600 files in a root-owned temp dir; the broker only ever listens on loopback here.
    ...(process.getuid?.() === 0 ? ['user root'] : []),
    opts.persistence ? `persistence true\npersistence_location ${join(dir, 'data')}/` : 'persistence false',
    'log_dest stderr',
    'log_type error',
    'log_type warning',
    'log_type notice',
    'log_type information',
  ].join('\n');
  if (opts.persistence) mkdirSync(join(dir, 'data'));
  writeFileSync(join(dir, 'mosquitto.conf'), `${conf}\n`);

  let proc: ChildProcess | null = null;
  let logText = '';
  const start = async (): Promise<void> => {
    if (proc) return;
    const p = spawn(MOSQUITTO, ['-c', join(dir, 'mosquitto.conf')], { stdio: ['ignore', 'pipe', 'pipe'] });
    live.add(p);
    proc = p;
    p.stdout?.on('data', (d: Buffer) => (logText += d.toString()));
    p.stderr?.on('data', (d: Buffer) => (logText += d.toString()));
    let exited = false;
    p.once('exit', () => {
      exited = true;
      live.delete(p);
      if (proc === p) proc = null;
    });
    for (let i = 0; i < 100; i++) {
      if (exited) throw new Error(`mosquitto exited at start:\n${logText}`);
      if (await canConnect(port)) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    p.kill('SIGKILL');
    throw new Error(`mosquitto did not listen on 127.0.0.1:${port} within 5 s:\n${logText}`);
  };
  const stop = async (): Promise<void> => {
    const p = proc;
    if (!p) return;
    proc = null;
    if (p.exitCode !== null || p.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      const t = setTimeout(() => p.kill('SIGKILL'), 2000);
      p.once('exit', () => { clearTimeout(t); resolve(); });
      p.kill('SIGTERM');
    });
  };
  await start();
  return {
    url: `mqtt://127.0.0.1:${port}`,
    port,
    dir,
    stop,
    start,
    restart: async () => { await stop(); await start(); },
    dispose: async () => {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
    log: () => logText,
  };
}
