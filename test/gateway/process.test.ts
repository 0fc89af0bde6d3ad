/**
 * Faults with a real `neurite serve` child process (dist/, `npm run build` first): kill -9 in the
 * middle of a stream, restart, and the sensor resumes from its last checkpoint with the learned
 * readout intact; SIGTERM drains, writes a final checkpoint and exits 0.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { StreamPacker, UdpSender } from '../../host/gateway/sender.js';
import { decodeCheckpoint, loadCheckpoint } from '../../host/runtime/checkpoint.js';
import { configObject, digits, getJson, removeTempDirs, tempDir, tick, waitFor } from './helpers.js';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

interface Child {
  proc: ChildProcess;
  lines: Record<string, unknown>[];
  listening: { http: number; udp: number; tcp: number; sensors: { id: string; resumed: boolean; samplesLearned: number }[] };
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const children: ChildProcess[] = [];

async function serve(configPath: string): Promise<Child> {
  const proc = spawn(process.execPath, [join(repoRoot, 'bin/neurite.js'), 'serve', '--config', configPath, '--json'], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(proc);
  const lines: Record<string, unknown>[] = [];
  let stderr = '';
  proc.stderr!.on('data', (d) => { stderr += d; });
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => proc.on('exit', (code, signal) => resolve({ code, signal })));
  const listening = await new Promise<Child['listening']>((resolve, reject) => {
    createInterface({ input: proc.stdout! }).on('line', (l) => {
      const o = JSON.parse(l) as Record<string, unknown>;
      lines.push(o);
      if (o.event === 'listening') resolve(o as unknown as Child['listening']);
    });
    void exit.then((e) => reject(new Error(`serve exited (${e.code ?? e.signal}) before listening: ${stderr}`)));
  });
  return { proc, lines, listening, exit };
}

afterAll(async () => {
  const alive = children.filter((c) => c.exitCode === null && c.signalCode === null);
  for (const c of alive) c.kill('SIGKILL');
  await Promise.all(alive.map((c) => new Promise((r) => c.once('exit', r))));
  removeTempDirs();
});

describe('neurite serve as a process', () => {
  const dir = tempDir();
  const stateDir = join(dir, 'state');
  const configPath = join(dir, 'gateway.json');
  // Checkpoints every 200 ms so that several land while the stream runs.
  writeFileSync(configPath, JSON.stringify(configObject(stateDir, { checkpoints: { dir: stateDir, periodSeconds: 0.2 } }), null, 2));
  const data = digits(200);
  const ckpt = join(stateDir, 'cam0.nrt');

  it('resumes from its last checkpoint after kill -9 mid-stream, with the learned readout intact', async () => {
    const a = await serve(configPath);
    expect(a.listening.sensors[0]).toMatchObject({ id: 'cam0', resumed: false, samplesLearned: 0 });
    const udp = new UdpSender('127.0.0.1', a.listening.udp);
    const pk = new StreamPacker(7, 8192);
    let stop = false;
    let sent = 0;
    // The sender cycles through the digits until told to stop, so the kill always lands mid-stream.
    const streaming = (async () => {
      for (let k = 0; !stop; k++) {
        const d = data[k % data.length];
        try {
          await udp.sendAll(pk.sample(d.events, d.label));
        } catch {
          break;
        }
        sent++;
        await tick(3);
      }
    })();
    // Kill once a checkpoint holds learned samples and the stream is still running.
    const status = () => getJson<{ samples: { learned: number }; lastCheckpoint: { at: string } | null }>(a.listening.http, '/sensors/cam0');
    await waitFor(async () => (await status()).body.samples.learned >= 40, 30_000, '40 learned samples');
    const after = new Date().toISOString();
    await waitFor(async () => ((await status()).body.lastCheckpoint?.at ?? '') > after, 30_000, 'a checkpoint after them');
    await tick(150);
    const sentAtKill = sent;
    a.proc.kill('SIGKILL');
    const ex = await a.exit;
    stop = true;
    await streaming;
    udp.close();
    expect(ex.signal).toBe('SIGKILL');

    // The file on disk is whole (atomic writes) and holds learned state.
    const onDisk = loadCheckpoint(ckpt);
    const wDisk = onDisk.readoutWeights().slice();
    expect(wDisk.some((w) => w !== 0)).toBe(true);
    const meta = JSON.parse(readFileSync(join(stateDir, 'cam0.meta.json'), 'utf8')) as { samplesLearned: number };
    expect(meta.samplesLearned).toBeGreaterThanOrEqual(40);
    expect(sentAtKill).toBeGreaterThan(meta.samplesLearned); // samples were in flight when it died

    const b = await serve(configPath);
    try {
      expect(b.listening.sensors[0]).toMatchObject({ id: 'cam0', resumed: true });
      expect(b.listening.sensors[0].samplesLearned).toBe(meta.samplesLearned);
      const dl = new Uint8Array(await (await fetch(`http://127.0.0.1:${b.listening.http}/sensors/cam0/checkpoint`)).arrayBuffer());
      const resumed = decodeCheckpoint(dl);
      expect(Buffer.from(resumed.readoutWeights().slice().buffer).equals(Buffer.from(wDisk.buffer))).toBe(true);
      expect(resumed.stepCount).toBe(onDisk.stepCount);
      // And it keeps learning from there.
      const udp2 = new UdpSender('127.0.0.1', b.listening.udp);
      const pk2 = new StreamPacker(7, 8192);
      for (const d of data.slice(0, 20)) await udp2.sendAll(pk2.sample(d.events, d.label));
      udp2.close();
      await waitFor(async () => {
        const s = await getJson<{ samples: { learned: number } }>(b.listening.http, '/sensors/cam0');
        return s.body.samples.learned === meta.samplesLearned + 20;
      }, 30_000, 'the restarted gateway to learn 20 more samples');

      // SIGTERM: a final checkpoint of exactly the state it had, and exit code 0.
      const before = new Uint8Array(await (await fetch(`http://127.0.0.1:${b.listening.http}/sensors/cam0/checkpoint`)).arrayBuffer());
      b.proc.kill('SIGTERM');
      const e = await b.exit;
      expect(e).toEqual({ code: 0, signal: null });
      const shutdown = b.lines.find((l) => l.event === 'shutdown') as { signal: string; checkpoints: { sensor: string }[]; errors: string[] } | undefined;
      expect(shutdown?.signal).toBe('SIGTERM');
      expect(shutdown?.checkpoints.map((c) => c.sensor)).toEqual(['cam0']);
      expect(shutdown?.errors).toEqual([]);
      const final = loadCheckpoint(ckpt);
      expect(Buffer.from(final.readoutWeights().slice().buffer).equals(Buffer.from(decodeCheckpoint(before).readoutWeights().slice().buffer))).toBe(true);
      const meta2 = JSON.parse(readFileSync(join(stateDir, 'cam0.meta.json'), 'utf8')) as { samplesLearned: number };
      expect(meta2.samplesLearned).toBe(meta.samplesLearned + 20);
    } finally {
      if (b.proc.exitCode === null && b.proc.signalCode === null) b.proc.kill('SIGKILL');
    }
  });

  it('refuses to start on an invalid config, naming every problem', async () => {
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ http: { port: 70000 }, sensors: [{ id: 'a b', width: 34, height: 34, model: 'nope' }] }));
    const proc = spawn(process.execPath, [join(repoRoot, 'bin/neurite.js'), 'serve', '--config', bad], { stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(proc);
    let err = '';
    proc.stderr!.on('data', (d) => { err += d; });
    const code = await new Promise<number | null>((r) => proc.on('exit', (c) => r(c)));
    expect(code).toBe(1);
    expect(err).toMatch(/\$\.http\.port/);
    expect(err).toMatch(/\$\.sensors\[0\]\.id/);
    expect(err).toMatch(/\$\.sensors\[0\]\.model/);
  });
});
