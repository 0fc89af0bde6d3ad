/**
 * The `neurite` command: a thin layer over the programmatic API (host/index.ts and host/learn).
 * Every command names its model with --model; --json prints one JSON object on stdout.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { NeuriteError, UsageError } from '../errors.js';
import { runDemo, type DemoReport } from '../learn/demo.js';
import { crossValidate, FolderSource } from '../learn/folder.js';
import { evaluate, trainOnline } from '../learn/online.js';
import { planModel } from '../plan/plan.js';
import { loadCheckpoint, saveCheckpoint } from '../runtime/checkpoint.js';
import type { KernelBuild } from '../runtime/kernels.js';
import { Runtime } from '../runtime/runtime.js';
import { parseSpikeInput, simulate } from '../runtime/simulate.js';
import { DEFAULT_LEARN_MODEL, DEFAULT_NMNIST_MODEL, listModels, loadModelSpec } from '../spec/models.js';
import { NMNIST_GEOMETRY } from '../events/formats/nmnist.js';
import { sourceForModel } from '../learn/experiments/sources.js';
import { arenaTable, formatBytes, formatRate, pct, ProgressBar, table } from '../report/format.js';
import { flagHelp, parseArgs, required, type FlagSpec } from './args.js';
import { convertCommand, inspectCommand } from './events-commands.js';
import { devices, profile } from './firmware-commands.js';
import { buildFirmware, runFirmware } from './firmware-image-commands.js';
import { exportCmd, importCmd } from './interop-commands.js';
import { evalOnnx } from '../interop/onnx-eval.js';
import { webCommand } from '../web/serve.js';
import { serveCommand } from '../gateway/serve.js';

type Out = (line: string) => void;

interface Command {
  summary: string;
  usage: string;
  flags: Record<string, FlagSpec>;
  run(values: Record<string, string | number | boolean | undefined>, positional: string[], out: Out): Promise<number>;
}

const common = {
  json: { type: 'boolean', help: 'print one JSON object on stdout' },
  build: { type: 'string', placeholder: 'simd|scalar', help: 'kernel build (default simd; both give identical results)' },
} satisfies Record<string, FlagSpec>;

const dataFlags = {
  data: { type: 'string', placeholder: 'DIR', help: 'folder of <sample>.bin / .bs2 files' },
  labels: { type: 'string', placeholder: 'FILE.tsv', help: 'two columns sample<TAB>label, with a header line' },
} satisfies Record<string, FlagSpec>;

function buildOf(v: unknown): KernelBuild {
  if (v === undefined) return 'simd';
  if (v === 'simd' || v === 'scalar') return v;
  throw new UsageError(`--build must be simd or scalar, got "${String(v)}"`);
}

function printDemo(r: DemoReport, plan: ReturnType<typeof planModel>, out: Out): void {
  out('');
  out(`neurite demo: model "${r.model}", seed ${r.seed}, ${r.trainSamples} digits learned online in one pass, ${r.testSamples} held out`);
  out('');
  out(table([
    ['', 'held-out accuracy', 'readout learning rate'],
    ['spiking network', pct(r.accuracy), String(r.readoutLearningRate)],
    ['baseline (raw event counts)', pct(r.baselineAccuracy), String(r.baselineLearningRate)],
    ...(r.ablation ? [['plasticity off', pct(r.ablation.accuracy), String(r.ablation.learningRate)]] : []),
  ]));
  out('');
  out(`arena (budget ${r.budgetBytes === null ? 'none' : formatBytes(r.budgetBytes)}, memory ${formatBytes(r.memoryBytes)} incl. kernel data, never grown):`);
  out(arenaTable(plan));
  out('');
  out(`work while learning: ${formatRate(r.synapticOpsPerSample, 'synaptic ops')} per sample, ` +
    `${formatRate(r.trainCounters.weightUpdates / r.trainSamples, 'weight updates')} per sample, ` +
    `${(r.trainCounters.spikes / r.trainSamples).toFixed(1)} spikes per sample`);
  out(`speed while learning: ${formatRate(r.eventsPerSecond, 'events/s')}, ${formatRate(r.stepsPerSecond, 'steps/s')}, ` +
    `${r.samplesPerSecond.toFixed(0)} samples/s (${r.build} kernels); total ${r.wallSeconds.toFixed(1)} s`);
}

const commands: Record<string, Command> = {
  demo: {
    summary: 'learn MNIST digits as emulated events online, then test on unseen digits',
    usage: 'neurite demo [--model NAME] [--seed N] [--train N] [--test N] [--json] [--report FILE]',
    flags: {
      model: { type: 'string', placeholder: 'NAME_OR_SPEC', help: `model (default ${DEFAULT_NMNIST_MODEL})` },
      seed: { type: 'int', help: 'seed of the data split, emulator noise and weights (default 1)' },
      train: { type: 'int', placeholder: 'N', help: 'training digits (default 6000)' },
      test: { type: 'int', placeholder: 'N', help: 'held-out digits (default 1000)' },
      ablation: { type: 'boolean', help: 'also run the plasticity-off ablation (default on; --no-ablation)' },
      report: { type: 'string', placeholder: 'FILE', help: 'JSON report path (default reports/demo.json)' },
      ...common,
    },
    async run(v, _p, out) {
      const json = v.json === true;
      const bar = new ProgressBar(!json);
      const model = (v.model as string | undefined) ?? DEFAULT_NMNIST_MODEL;
      const spec = loadModelSpec(model);
      const r = await runDemo({
        model: spec,
        seed: v.seed as number | undefined,
        trainCount: v.train as number | undefined,
        testCount: v.test as number | undefined,
        ablation: v.ablation as boolean | undefined,
        build: buildOf(v.build),
        onProgress: (p) => bar.update(p.phase === 'train' ? 'learning' : 'testing', p.done, p.total),
      });
      const reportPath = (v.report as string | undefined) ?? 'reports/demo.json';
      mkdirSync(dirname(reportPath), { recursive: true });
      writeFileSync(reportPath, JSON.stringify(r, null, 2) + '\n');
      if (json) out(JSON.stringify(r));
      else {
        printDemo(r, planModel({ ...spec, seed: r.seed }), out);
        out(`report: ${reportPath}`);
      }
      return 0;
    },
  },
  learn: {
    summary: 'learn online from a folder of event samples and save a checkpoint',
    usage: 'neurite learn [--model NAME_OR_SPEC] --data DIR --labels FILE.tsv --checkpoint OUT [--passes N]',
    flags: {
      model: { type: 'string', placeholder: 'NAME_OR_SPEC', help: `model (default ${DEFAULT_LEARN_MODEL}, fits 256 KB)` },
      ...dataFlags,
      checkpoint: { type: 'string', placeholder: 'OUT', help: 'where to write the learned state' },
      passes: { type: 'int', placeholder: 'N', help: 'passes over the data, 1..5 (default 1)' },
      seed: { type: 'int', help: 'seed of weights and presentation order (default 1)' },
      ...common,
    },
    async run(v, _p, out) {
      const spec = loadModelSpec((v.model as string | undefined) ?? DEFAULT_LEARN_MODEL);
      // A model smaller than the 34x34 sensor gets the events pooled, as its firmware would.
      const source = sourceForModel(FolderSource.open(required('learn', v, 'data'), required('learn', v, 'labels')), spec, NMNIST_GEOMETRY);
      const ckpt = required<string>('learn', v, 'checkpoint');
      const passes = (v.passes as number | undefined) ?? 1;
      if (passes < 1 || passes > 5) throw new UsageError(`learn: --passes must be in 1..5, got ${passes}`);
      const seed = (v.seed as number | undefined) ?? spec.seed ?? 1;
      const rt = new Runtime(planModel({ ...spec, seed }), buildOf(v.build));
      const bar = new ProgressBar(v.json !== true);
      const all = Array.from({ length: source.count }, (_, i) => i);
      const r = trainOnline(rt, source, all, { passes, seed, onProgress: (p) => bar.update('learning', p.done, p.total) });
      const bytes = saveCheckpoint(rt, ckpt);
      const result = { model: spec.name, samples: r.samples, passes, learningRate: r.learningRate, checkpoint: ckpt, checkpointBytes: bytes, arenaBytes: rt.plan.arenaBytes, eventsPerSecond: r.eventsPerSecond, stepsPerSecond: r.stepsPerSecond, seconds: r.seconds };
      if (v.json) out(JSON.stringify(result));
      else out(`learned ${r.samples} samples x ${passes} pass(es) in ${r.seconds.toFixed(1)} s (${formatRate(r.eventsPerSecond, 'events/s')}); readout rate ${r.learningRate}; checkpoint ${ckpt} (${formatBytes(bytes)})`);
      return 0;
    },
  },
  eval: {
    summary: 'evaluate a checkpoint on a folder of labelled event samples',
    usage: 'neurite eval --checkpoint FILE --data DIR --labels FILE.tsv [--json]',
    flags: {
      checkpoint: { type: 'string', placeholder: 'FILE', help: 'checkpoint written by learn' },
      ...dataFlags,
      backend: { type: 'string', placeholder: 'wasm|onnx', help: 'run the neurite runtime (default) or the exported ONNX graph in onnxruntime-web' },
      ...common,
    },
    async run(v, _p, out) {
      if (v.backend !== undefined && v.backend !== 'wasm' && v.backend !== 'onnx') throw new UsageError(`eval: --backend must be wasm or onnx, got "${String(v.backend)}"`);
      if (v.backend === 'onnx') {
        const r = await evalOnnx(required('eval', v, 'checkpoint'), required('eval', v, 'data'), required('eval', v, 'labels'));
        if (v.json) out(JSON.stringify({ accuracy: r.accuracy, samples: r.samples, confusion: r.confusion, backend: 'onnx' }));
        else out(`accuracy ${pct(r.accuracy)} on ${r.samples} samples (ONNX graph in onnxruntime-web)`);
        return 0;
      }
      const rt = loadCheckpoint(required('eval', v, 'checkpoint'), buildOf(v.build));
      const source = sourceForModel(FolderSource.open(required('eval', v, 'data'), required('eval', v, 'labels')), rt.plan.spec, NMNIST_GEOMETRY);
      const bar = new ProgressBar(v.json !== true);
      const all = Array.from({ length: source.count }, (_, i) => i);
      const r = evaluate(rt, source, all, (p) => bar.update('testing', p.done, p.total));
      if (v.json) out(JSON.stringify({ model: rt.plan.spec.name, accuracy: r.accuracy, samples: r.samples, confusion: r.confusion }));
      else out(`accuracy ${pct(r.accuracy)} on ${r.samples} samples (model "${rt.plan.spec.name}")`);
      return 0;
    },
  },
  crossval: {
    summary: 'stratified k-fold cross-validation of a model on a folder of samples',
    usage: 'neurite crossval [--model NAME_OR_SPEC] --data DIR --labels FILE.tsv [--folds 10] [--passes N]',
    flags: {
      model: { type: 'string', placeholder: 'NAME_OR_SPEC', help: `model (default ${DEFAULT_LEARN_MODEL}, fits 256 KB)` },
      ...dataFlags,
      folds: { type: 'int', placeholder: 'K', help: 'number of folds (default 10)' },
      passes: { type: 'int', placeholder: 'N', help: 'passes over each training split, 1..5 (default 1)' },
      seed: { type: 'int', help: 'seed of the fold assignment, weights and order (default 1)' },
      ...common,
    },
    async run(v, _p, out) {
      const spec = loadModelSpec((v.model as string | undefined) ?? DEFAULT_LEARN_MODEL);
      const source = sourceForModel(FolderSource.open(required('crossval', v, 'data'), required('crossval', v, 'labels')), spec, NMNIST_GEOMETRY);
      const r = crossValidate(spec, source, {
        folds: (v.folds as number | undefined) ?? 10,
        passes: (v.passes as number | undefined) ?? 1,
        seed: (v.seed as number | undefined) ?? 1,
        build: buildOf(v.build),
        onFold: v.json ? undefined : (f, a) => out(`fold ${f + 1}: ${pct(a)}`),
      });
      if (v.json) out(JSON.stringify(r));
      else out(`${r.folds.length}-fold accuracy ${pct(r.meanAccuracy)} ± ${pct(r.stdAccuracy)} (min ${pct(r.minAccuracy)}, max ${pct(r.maxAccuracy)}), arena ${formatBytes(r.arenaBytes)}`);
      return 0;
    },
  },
  plan: {
    summary: "show a model's arena layout in bytes (and check it against a budget)",
    usage: 'neurite plan --model NAME_OR_SPEC [--budget BYTES] [--json]',
    flags: {
      model: { type: 'string', placeholder: 'NAME_OR_SPEC', help: `model (default ${DEFAULT_NMNIST_MODEL})` },
      budget: { type: 'int', placeholder: 'BYTES', help: "arena budget (default: the spec's budgetBytes)" },
      json: common.json,
    },
    async run(v, _p, out) {
      const spec = loadModelSpec((v.model as string | undefined) ?? DEFAULT_NMNIST_MODEL);
      const plan = planModel(spec, { budgetBytes: v.budget as number | undefined });
      if (v.json) out(JSON.stringify({ model: spec.name, arenaBytes: plan.arenaBytes, bytesByKind: plan.bytesByKind, regions: plan.regions, ops: plan.ops.map((o) => o.what) }));
      else {
        out(`model "${spec.name}": ${plan.ops.length} ops per step, dt ${spec.dtMs} ms`);
        out(arenaTable(plan));
      }
      return 0;
    },
  },
  simulate: {
    summary: 'run a model on given input spike times and record its state (monitors)',
    usage: 'neurite simulate --model SPEC --input SPIKES.json --out TRACES.json [--record pop.v,proj.w]',
    flags: {
      model: { type: 'string', placeholder: 'NAME_OR_SPEC', help: 'model' },
      input: { type: 'string', placeholder: 'SPIKES.json', help: '{"dtMs", "durationMs", "inputs": [{"population": "input", "index", "timesMs"}]}' },
      out: { type: 'string', placeholder: 'TRACES.json', help: 'tMs, "population.variable" [neuron][step], spikes, "projection.w"' },
      record: { type: 'string', placeholder: 'LIST', help: 'comma-separated variables (default: all neuron variables, plastic weights)' },
      learn: { type: 'boolean', help: 'run plasticity (default on; --no-learn)' },
      build: common.build,
    },
    async run(v, _p, out) {
      const spec = loadModelSpec(required('simulate', v, 'model'));
      const rt = new Runtime(planModel(spec, { budgetBytes: Number.MAX_SAFE_INTEGER }), buildOf(v.build));
      const inputPath = required<string>('simulate', v, 'input');
      let raw: unknown;
      try {
        raw = JSON.parse(readFileSync(inputPath, 'utf8'));
      } catch (e) {
        throw new UsageError(`simulate: cannot read ${inputPath}: ${(e as Error).message}`);
      }
      const input = parseSpikeInput(raw, rt.plan.input.size, spec.dtMs, inputPath);
      const record = typeof v.record === 'string' ? v.record.split(',').map((x) => x.trim()).filter(Boolean) : undefined;
      const traces = simulate(rt, input, { record, learn: v.learn as boolean | undefined });
      const outPath = required<string>('simulate', v, 'out');
      writeFileSync(outPath, JSON.stringify(traces));
      const nSpikes = Object.values(traces.spikes).reduce((a, s) => a + s.length, 0);
      out(`simulated ${traces.tMs.length} steps of "${spec.name}": ${nSpikes} spikes; traces in ${outPath}`);
      return 0;
    },
  },
  models: {
    summary: 'list the bundled models',
    usage: 'neurite models [--json]',
    flags: { json: common.json },
    async run(v, _p, out) {
      const rows = listModels().map((name) => {
        const s = loadModelSpec(name);
        return { name, arenaBytes: planModel(s, { budgetBytes: Number.MAX_SAFE_INTEGER }).arenaBytes, description: s.description ?? '' };
      });
      if (v.json) out(JSON.stringify(rows));
      else for (const r of rows) out(`${r.name}  (${formatBytes(r.arenaBytes)})\n    ${r.description}`);
      return 0;
    },
  },
  inspect: inspectCommand,
  convert: convertCommand,
  devices,
  profile,
  'build-firmware': buildFirmware,
  'run-firmware': runFirmware,
  export: exportCmd,
  import: importCmd,
  web: webCommand,
  serve: serveCommand,
  validate: {
    summary: 'validate a model spec file and list every problem',
    usage: 'neurite validate SPEC.json',
    flags: { json: common.json },
    async run(v, positional, out) {
      if (positional.length !== 1) throw new UsageError('validate: give exactly one spec file');
      const spec = loadModelSpec(positional[0]);
      const plan = planModel(spec, { budgetBytes: Number.MAX_SAFE_INTEGER });
      if (v.json) out(JSON.stringify({ valid: true, name: spec.name, arenaBytes: plan.arenaBytes }));
      else out(`${positional[0]}: valid model "${spec.name}" (${formatBytes(plan.arenaBytes)} arena)`);
      return 0;
    },
  },
};

function help(): string {
  const names = Object.keys(commands);
  return [
    'neurite: on-device learning for spiking neural networks on event-camera data',
    '',
    'usage: neurite <command> [options]',
    '',
    'commands:',
    ...names.map((n) => `  ${n.padEnd(15)} ${commands[n].summary}`),
    '',
    'neurite <command> --help shows its options.',
  ].join('\n');
}

export async function main(argv: readonly string[], out: Out = (l) => process.stdout.write(l + '\n')): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    out(help());
    return name === undefined ? 2 : 0;
  }
  const cmd = commands[name];
  if (!cmd) {
    process.stderr.write(`neurite: unknown command "${name}"\n\n${help()}\n`);
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    out(`usage: ${cmd.usage}\n\n${cmd.summary}\n\noptions:\n${flagHelp(cmd.flags)}`);
    return 0;
  }
  try {
    const { values, positional } = parseArgs(name, rest, cmd.flags);
    if (positional.length > 0 && !['validate', 'inspect', 'convert', 'run-firmware', 'import'].includes(name)) throw new UsageError(`${name}: unexpected argument "${positional[0]}"`);
    return await cmd.run(values, positional, out);
  } catch (e) {
    if (e instanceof NeuriteError) {
      process.stderr.write(`neurite ${name}: ${e.message}\n`);
      return e instanceof UsageError ? 2 : 1;
    }
    throw e;
  }
}
