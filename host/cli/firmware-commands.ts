/**
 * `neurite devices` and `neurite profile`: the firmware simulator's commands (firmware-sim/).
 * Same shape as the entries of the `commands` record in main.ts, which registers them.
 */
import { UsageError } from '../errors.js';
import { DEFAULT_NMNIST_MODEL, loadModelSpec } from '../spec/models.js';
import { EXEC_MODES, type ExecMode } from '../../firmware-sim/cores.js';
import { listDevices, loadDevice, type DeviceProfile } from '../../firmware-sim/device.js';
import { devicesTable, profileText } from '../../firmware-sim/format.js';
import { profileModel } from '../../firmware-sim/profile.js';
import { writeReportFiles } from '../../firmware-sim/report-files.js';
import type { FlagSpec } from './args.js';

type Out = (line: string) => void;

export interface Command {
  summary: string;
  usage: string;
  flags: Record<string, FlagSpec>;
  run(values: Record<string, string | number | boolean | undefined>, positional: string[], out: Out): Promise<number>;
}

export const devices: Command = {
  summary: 'list the emulated microcontrollers and gateways (figures with sources in firmware-sim/profiles)',
  usage: 'neurite devices [--json]',
  flags: { json: { type: 'boolean', help: 'print the full profiles as one JSON array' } },
  async run(v, _p, out) {
    const all = listDevices();
    if (v.json) out(JSON.stringify(all));
    else {
      out(devicesTable(all));
      out('');
      out('Every figure carries its source and confidence in firmware-sim/profiles/<id>.json ("unverified" = not found in a source).');
    }
    return 0;
  },
};

function devicesOf(arg: string): DeviceProfile[] {
  if (arg === 'all') return listDevices();
  return arg.split(',').map((s) => loadDevice(s.trim()));
}

function dropPolicyOf(v: unknown): 'drop-newest' | 'drop-oldest' | undefined {
  if (v === undefined) return undefined;
  if (v === 'drop-newest' || v === 'drop-oldest') return v;
  throw new UsageError(`profile: --drop-policy must be drop-newest or drop-oldest, got "${String(v)}"`);
}

/** The command line of a profile run, for the report page. */
function profileCommandLine(v: Record<string, string | number | boolean | undefined>): string {
  const parts = ['neurite profile'];
  for (const [k, x] of Object.entries(v)) {
    if (x === undefined || k === 'json') continue;
    if (x === true) parts.push(`--${k}`);
    else if (x === false) parts.push(`--no-${k}`);
    else parts.push(`--${k} ${String(x)}`);
  }
  return parts.join(' ');
}

export const profile: Command = {
  summary: 'estimate memory, cycles, time and energy of a model on emulated devices',
  usage: 'neurite profile --model SPEC --device ID|all|ID,ID [--data FILE|DIR] [--samples N] [--mode aot|interp-fast|interp-classic] [--clock MHZ] [--rate PER_HOUR] [--report OUT] [--json]',
  flags: {
    model: { type: 'string', placeholder: 'NAME_OR_SPEC', help: `model (default ${DEFAULT_NMNIST_MODEL})` },
    device: { type: 'string', placeholder: 'ID|all', help: 'device id, a profile file, a comma list, or all' },
    data: { type: 'string', placeholder: 'FILE|DIR', help: 'N-MNIST .bin file or folder (default: emulated MNIST digits)' },
    samples: { type: 'int', placeholder: 'N', help: 'samples to run (default 20)' },
    seed: { type: 'int', help: 'seed of the emulated samples (default 1)' },
    learn: { type: 'boolean', help: 'run plasticity and readout learning (default on; --no-learn)' },
    mode: { type: 'string', placeholder: EXEC_MODES.join('|'), help: 'how the wasm runs on the device (default aot)' },
    clock: { type: 'number', placeholder: 'MHZ', help: "core clock (default: the profile's default clock)" },
    regulator: { type: 'string', placeholder: 'LDO|SMPS|...', help: 'operating point by regulator (default: the profile\'s first)' },
    rate: { type: 'number', placeholder: 'PER_HOUR', help: 'samples per hour, duty-cycled (default: back to back at the stream rate)' },
    'page-bytes': { type: 'int', placeholder: '65536|1', help: 'wasm page size (1 = custom-page-sizes engines)' },
    queue: { type: 'int', placeholder: 'EVENTS', help: "input queue capacity in events (default: the model's input buffer)" },
    'drop-policy': { type: 'string', placeholder: 'drop-newest|drop-oldest', help: 'what a full queue drops (default drop-newest)' },
    'deadline-ms': { type: 'number', placeholder: 'MS', help: 'deadline after each step window (default one step)' },
    'checkpoint-every': { type: 'int', placeholder: 'N', help: 'checkpoint interval in samples, for flash wear (default 10)' },
    report: { type: 'string', placeholder: 'OUT', help: 'write OUT.json, OUT.html (self-contained page with charts) and OUT.current.csv (power-analyser style current trace)' },
    'trace-period': { type: 'number', placeholder: 'SECONDS', help: 'sample period of the current trace CSV (default: at most 20000 rows over two sample periods)' },
    json: { type: 'boolean', help: 'print the JSON report on stdout' },
  },
  async run(v, _p, out) {
    if (v.device === undefined) throw new UsageError('profile: --device is required (an id from `neurite devices`, or all)');
    const mode = (v.mode as string | undefined) ?? 'aot';
    if (!(EXEC_MODES as readonly string[]).includes(mode)) throw new UsageError(`profile: --mode must be one of ${EXEC_MODES.join(', ')}, got "${mode}"`);
    const list = devicesOf(String(v.device));
    const spec = loadModelSpec((v.model as string | undefined) ?? DEFAULT_NMNIST_MODEL);
    const pageBytes = v['page-bytes'] as number | undefined;
    if (pageBytes !== undefined && !(pageBytes >= 1)) throw new UsageError(`profile: --page-bytes must be >= 1, got ${pageBytes}`);
    const report = profileModel(spec, list, {
      samples: v.samples as number | undefined,
      seed: v.seed as number | undefined,
      data: v.data as string | undefined,
      learn: v.learn as boolean | undefined,
      mode: mode as ExecMode,
      mhz: v.clock as number | undefined,
      regulator: v.regulator as string | undefined,
      samplesPerHour: v.rate as number | undefined,
      pageBytes,
      queueEvents: v.queue as number | undefined,
      dropPolicy: dropPolicyOf(v['drop-policy']),
      deadlineUs: typeof v['deadline-ms'] === 'number' ? v['deadline-ms'] * 1e3 : undefined,
      checkpointInterval: v['checkpoint-every'] as number | undefined,
    });
    const tracePeriod = v['trace-period'] as number | undefined;
    if (tracePeriod !== undefined && !(tracePeriod > 0)) throw new UsageError(`profile: --trace-period must be > 0 seconds, got ${tracePeriod}`);
    let files: { json: string; html: string; csv: string | null } | null = null;
    if (typeof v.report === 'string') {
      files = writeReportFiles(v.report, report, { tracePeriodS: tracePeriod, command: profileCommandLine(v) });
    }
    if (v.json) out(JSON.stringify(report));
    else {
      out(profileText(report));
      if (files) out(`\nreport: ${files.json}, ${files.html}${files.csv ? `, ${files.csv}` : ' (no current trace: the model fits none of the devices)'}`);
    }
    return list.length === 1 && report.devices[0].refused ? 1 : 0;
  },
};
