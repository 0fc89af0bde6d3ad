/**
 * `neurite serve --config FILE`: runs the gateway until SIGTERM or SIGINT, then shuts down
 * gracefully (ingest stops, queues drain or are counted, every sensor is checkpointed) and exits 0.
 * Same shape as the entries of the `commands` record in host/cli/main.ts, which registers it.
 */
import { UsageError } from '../errors.js';
import type { Command } from '../cli/firmware-commands.js';
import { loadConfig } from './config.js';
import { startGateway } from './gateway.js';
import { type GatewayFleetSection, registerFleetSection, startGatewayFleet } from '../fleet/gateway.js';

export const serveCommand: Command = {
  summary: 'run the gateway: live event streams over UDP/TCP, one learner per sensor, HTTP API',
  usage: 'neurite serve --config gateway.json [--drain-ms MS] [--json]',
  flags: {
    config: { type: 'string', placeholder: 'FILE.json', help: 'gateway configuration (see docs/gateway.md and docs/gateway.example.json)' },
    'drain-ms': { type: 'int', placeholder: 'MS', help: 'on shutdown, wait this long for queued events to be learned (default 10000)' },
    json: { type: 'boolean', help: 'print one JSON object per line (listening, shutdown) on stdout' },
  },
  async run(v, _p, out) {
    if (typeof v.config !== 'string') throw new UsageError('serve: --config FILE is required');
    const drainMs = (v['drain-ms'] as number | undefined) ?? 10_000;
    if (drainMs < 0) throw new UsageError(`serve: --drain-ms must be >= 0, got ${drainMs}`);
    registerFleetSection(); // the optional `fleet` section (host/fleet/gateway.ts, docs/fleet.md)
    const config = loadConfig(v.config);
    const gw = await startGateway(config);
    const json = v.json === true;
    const listening = {
      event: 'listening',
      pid: process.pid,
      http: gw.ports.http,
      udp: gw.ports.udp,
      tcp: gw.ports.tcp,
      sensors: await Promise.all(gw.sensorIds.map(async (id) => {
        const s = await gw.status(id);
        return { id, streamId: s.streamId, model: s.model, resumed: s.resumed, samplesLearned: s.samples.learned };
      })),
    };
    if (json) out(JSON.stringify(listening));
    else {
      out(`neurite gateway: HTTP ${config.http.host}:${gw.ports.http}, UDP ${gw.ports.udp ?? 'off'}, TCP ${gw.ports.tcp ?? 'off'}`);
      for (const s of listening.sensors) out(`  sensor ${s.id} (stream ${s.streamId}): model "${s.model}"${s.resumed ? `, resumed from its checkpoint (${s.samplesLearned} samples learned)` : ''}`);
    }
    const fleetSection = config.extra.fleet as GatewayFleetSection | undefined;
    const fleet = fleetSection
      ? await startGatewayFleet(gw, fleetSection, (line) => out(json ? JSON.stringify({ event: 'fleet', message: line }) : `neurite gateway: ${line}`)).catch(async (e: unknown) => {
        await gw.close({ drainMs: 0 });
        throw e;
      })
      : null;
    const signal = await new Promise<NodeJS.Signals>((resolve) => {
      process.once('SIGTERM', () => resolve('SIGTERM'));
      process.once('SIGINT', () => resolve('SIGINT'));
    });
    await fleet?.stop({ publishFirst: true });
    const report = await gw.close({ drainMs });
    if (json) out(JSON.stringify({ event: 'shutdown', signal, ...report }));
    else {
      out(`neurite gateway: ${signal}: stopped; ${report.droppedAtShutdown} queued events dropped; checkpoints: ${report.checkpoints.map((c) => `${c.sensor} (${c.bytes} bytes)`).join(', ') || 'none'}`);
      for (const e of report.errors) out(`  ${e}`);
    }
    return report.errors.length === 0 ? 0 : 1;
  },
};
