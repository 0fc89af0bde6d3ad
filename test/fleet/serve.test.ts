/**
 * End to end: two `neurite serve` processes (dist/, `npm run build` first) with a `fleet` section,
 * one real Mosquitto. Gateway X is streamed digits 0-4 over UDP, gateway Y digits 5-9; through
 * the broker each ends up recognising the other's classes, which it never saw.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { downsample } from '../../host/events/transforms/downsample.js';
import { StreamPacker, UdpSender } from '../../host/gateway/sender.js';
import { presentSample } from '../../host/learn/online.js';
import { decodeCheckpoint } from '../../host/runtime/checkpoint.js';
import { relativeChange } from '../../host/fleet/state.js';
import { planModel } from '../../host/plan/plan.js';
import { Runtime } from '../../host/runtime/runtime.js';
import { validateSpec } from '../../host/spec/validate.js';
import { configObject, type Digit, digits, getJson, tempDir, TEST_MODEL, tick, waitFor } from '../gateway/helpers.js';
import { mosquittoAvailable, startBroker, type TestBroker } from '../helpers/mosquitto.js';
import { repoRoot } from '../helpers/shared.js';

interface Served {
  proc: ChildProcess;
  lines: Record<string, unknown>[];
  listening: { http: number; udp: number };
}

const children: ChildProcess[] = [];

async function serve(configPath: string): Promise<Served> {
  const proc = spawn(process.execPath, [join(repoRoot, 'bin/neurite.js'), 'serve', '--config', configPath, '--json'], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(proc);
  const lines: Record<string, unknown>[] = [];
  let stderr = '';
  proc.stderr!.on('data', (d: Buffer) => { stderr += d.toString(); });
  const listening = await new Promise<Served['listening']>((resolve, reject) => {
    createInterface({ input: proc.stdout! }).on('line', (l) => {
      const o = JSON.parse(l) as Record<string, unknown>;
      lines.push(o);
      if (o.event === 'listening') resolve(o as unknown as Served['listening']);
    });
    proc.once('exit', (code, signal) => reject(new Error(`serve exited (${code ?? signal}) before listening: ${stderr}`)));
  });
  return { proc, lines, listening };
}

async function stream(port: number, samples: readonly Digit[]): Promise<void> {
  const udp = new UdpSender('127.0.0.1', port);
  const pk = new StreamPacker(7, 8192);
  try {
    for (const d of samples) {
      await udp.sendAll(pk.sample(d.events, d.label));
      await tick(2);
    }
  } finally {
    udp.close();
  }
}

const have = mosquittoAvailable();
describe.skipIf(!have)('two neurite serve gateways sharing a readout over MQTT', () => {
  let broker: TestBroker;
  const dir = tempDir('neurite-fleet-serve-');

  beforeAll(async () => {
    broker = await startBroker({ fleet: { fleet: 'serve', gateways: [{ id: 'gw-x', password: 'x-secret-1' }, { id: 'gw-y', password: 'y-secret-2' }] } });
  });
  afterAll(async () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    await broker?.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  it('each gateway learns the classes only the other one saw', async () => {
    const all = digits(700, 5);
    const train = all.slice(0, 500);
    const test = all.slice(500);
    const low = train.filter((d) => d.label < 5);
    const high = train.filter((d) => d.label >= 5);
    const paths = ['x', 'y'].map((g) => {
      writeFileSync(join(dir, `${g}.pw`), `${g}-secret-${g === 'x' ? 1 : 2}\n`);
      const cfg = configObject(join(dir, `state-${g}`), {
        fleet: { brokerUrl: broker.url, gatewayId: `gw-${g}`, passwordFile: `${g}.pw`, fleet: 'serve', publishPeriodSeconds: 0.1, reconnectMinMs: 50, reconnectMaxMs: 500 },
      });
      const p = join(dir, `gw-${g}.json`);
      writeFileSync(p, JSON.stringify(cfg, null, 2));
      return p;
    });
    const [x, y] = await Promise.all(paths.map(serve));
    await waitFor(async () => x.lines.some((l) => /connected to/.test(String(l.message))) && y.lines.some((l) => /connected to/.test(String(l.message))), 10_000, 'both gateways connected to the broker');

    await Promise.all([stream(x.listening.udp, low), stream(y.listening.udp, high)]);
    const learned = async (s: Served) => (await getJson<{ samples: { learned: number } }>(s.listening.http, '/sensors/cam0')).body.samples.learned;
    await waitFor(async () => (await learned(x)) >= low.length * 0.95 && (await learned(y)) >= high.length * 0.95, 30_000, 'both gateways to learn their streams');

    // The gateway pools the 34x34 sensor onto the model's 17x17 input before its learner; the
    // downloaded runtime takes model input, so pool the test digits the same way (2x2, configObject).
    const pool = (d: Digit): Digit => ({ label: d.label, events: downsample(d.events, { width: 34, height: 34 }, { factorX: 2, factorY: 2 }) });
    const onLow = test.filter((d) => d.label < 5);
    const onHigh = test.filter((d) => d.label >= 5);
    const fleetLog = () => [x, y].map((s, i) => `${'xy'[i]}: ${s.lines.filter((l) => l.event === 'fleet').map((l) => String(l.message)).join(' | ')}`).join('\n');
    // Merges follow every publish period; the two readouts converge on one: wait for that.
    const readout = async (s: Served) => decodeCheckpoint(new Uint8Array(await (await fetch(`http://127.0.0.1:${s.listening.http}/sensors/cam0/checkpoint`)).arrayBuffer()));
    let rx = await readout(x);
    let ry = await readout(y);
    const gap = () => relativeChange(rx.readoutWeights(), ry.readoutWeights());
    await waitFor(async () => {
      [rx, ry] = await Promise.all([readout(x), readout(y)]);
      return gap() < 1e-3;
    }, 20_000, 'the two gateways to converge on one readout').catch((e: Error) => {
      throw new Error(`${e.message} (gap ${gap()})\n${fleetLog()}`);
    });
    const score = (rt: Runtime, set: readonly Digit[]) => {
      let correct = 0;
      for (const d of set) {
        presentSample(rt, pool(d).events, { learn: false });
        if (rt.readoutPredict() === d.label) correct++;
      }
      return correct / set.length;
    };
    // References on the same samples: one learner that saw both streams (the upper bound) and
    // gateway X alone, replaying the pooled digits through a runtime of the same model.
    const model = validateSpec(TEST_MODEL);
    const learner = (samples: readonly Digit[]) => {
      const rt = new Runtime(planModel(model));
      for (const d of samples) {
        presentSample(rt, pool(d).events, { learn: false });
        rt.readoutLearn(d.label);
      }
      return rt;
    };
    const upper = score(learner(train), test);
    const alone = score(learner(low), test);
    const merged = [score(rx, test), score(ry, test)];
    const unseen = [score(rx, onHigh), score(ry, onLow)];
    console.log(`[fleet] two serve gateways (${low.length} digits 0-4 / ${high.length} digits 5-9 over UDP): all classes ${merged.map((a) => a.toFixed(3)).join(' / ')} (one learner on both streams ${upper.toFixed(3)}, gateway X alone ${alone.toFixed(3)}); on the classes each never saw ${unseen.map((a) => a.toFixed(3)).join(' / ')}`);
    // The asynchronous merge depends on when each publish lands (measured: 35.5-52.5% on all
    // classes against 42.5% for the one learner; docs/fleet.md), so the bounds are loose: what is
    // certain is that each gateway now predicts classes it never saw, which alone it never does.
    for (const a of merged) expect(a).toBeGreaterThanOrEqual(upper - 0.15);
    for (const a of unseen) expect(a).toBeGreaterThan(0);
    expect(score(learner(low), onHigh)).toBe(0);
    expect(score(learner(high), onLow)).toBe(0);
    expect(x.lines.some((l) => /merged 1 peer state/.test(String(l.message)))).toBe(true);

    for (const s of [x, y]) s.proc.kill('SIGTERM');
    const codes = await Promise.all([x, y].map((s) => new Promise<number | null>((r) => (s.proc.exitCode !== null ? r(s.proc.exitCode) : s.proc.once('exit', (c) => r(c))))));
    expect(codes).toEqual([0, 0]);
  }, 60_000);
});
