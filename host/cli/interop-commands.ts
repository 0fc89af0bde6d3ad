/**
 * `neurite export` (ONNX or NIR) and `neurite import` (NIR), thin layers over host/interop.
 *
 *   neurite export --checkpoint FILE --format onnx --out model.onnx [--input vector|events]
 *       writes model.onnx (the per-step graph), model.sequence.onnx (a whole sample, Scan over
 *       time) and model.readout.onnx (normalised counts -> readout -> ArgMax)
 *   neurite export --checkpoint FILE --format nir --out model.nir
 *   neurite import FILE.nir --out spec.json [--checkpoint OUT] [--dt-ms 1] [--time-unit s|ms]
 *       [--spikes dirac|pulse]
 * --model NAME_OR_SPEC may replace --checkpoint (exports the model with its initial weights).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, extname, join } from 'node:path';
import { UsageError } from '../errors.js';
import { exportOnnxBundle } from '../interop/onnx-export.js';
import { exportNir } from '../interop/nir-export.js';
import { importNir } from '../interop/nir-import.js';
import { planModel } from '../plan/plan.js';
import { loadCheckpoint, saveCheckpoint } from '../runtime/checkpoint.js';
import type { KernelBuild } from '../runtime/kernels.js';
import { Runtime } from '../runtime/runtime.js';
import { loadModelSpec } from '../spec/models.js';
import { formatBytes } from '../report/format.js';
import { required, type FlagSpec, type FlagValues } from './args.js';

type Out = (line: string) => void;

export interface InteropCommand {
  summary: string;
  usage: string;
  flags: Record<string, FlagSpec>;
  run(values: FlagValues, positional: string[], out: Out): Promise<number>;
}

function buildOf(v: unknown): KernelBuild {
  if (v === undefined) return 'simd';
  if (v === 'simd' || v === 'scalar') return v;
  throw new UsageError(`--build must be simd or scalar, got "${String(v)}"`);
}

function oneOf<T extends string>(command: string, flag: string, v: unknown, allowed: readonly T[], dflt: T): T {
  if (v === undefined) return dflt;
  if (typeof v === 'string' && (allowed as readonly string[]).includes(v)) return v as T;
  throw new UsageError(`${command}: --${flag} must be ${allowed.join(' or ')}, got "${String(v)}"`);
}

/** Siblings of `model.onnx`: `model.sequence.onnx`, `model.readout.onnx`. */
export function onnxSiblings(out: string): { sequence: string; readout: string } {
  const ext = extname(out);
  const stem = join(dirname(out), basename(out, ext));
  return { sequence: `${stem}.sequence${ext || '.onnx'}`, readout: `${stem}.readout${ext || '.onnx'}` };
}

export const exportCmd: InteropCommand = {
  summary: 'export a learned model as ONNX graphs (onnxruntime) or a NIR file (snnTorch, Norse, Lava, ...)',
  usage: 'neurite export (--checkpoint FILE | --model NAME_OR_SPEC) --format onnx|nir --out PATH [--input vector|events] [--json]',
  flags: {
    checkpoint: { type: 'string', placeholder: 'FILE', help: 'checkpoint written by learn' },
    model: { type: 'string', placeholder: 'NAME_OR_SPEC', help: 'export a model with its initial weights instead of a checkpoint' },
    format: { type: 'string', placeholder: 'onnx|nir', help: 'output format' },
    out: { type: 'string', placeholder: 'PATH', help: 'output file (ONNX: also PATH.sequence.onnx and PATH.readout.onnx beside it)' },
    input: { type: 'string', placeholder: 'vector|events', help: 'ONNX step-graph input: spike counts (default) or event indices in arrival order (bit-exact)' },
    json: { type: 'boolean', help: 'print one JSON object on stdout' },
    build: { type: 'string', placeholder: 'simd|scalar', help: 'kernel build (default simd)' },
  },
  async run(v, _positional, out) {
    const format = oneOf('export', 'format', required<string>('export', v, 'format'), ['onnx', 'nir'] as const, 'onnx');
    const outPath = required<string>('export', v, 'out');
    if ((v.checkpoint === undefined) === (v.model === undefined)) throw new UsageError('export: give exactly one of --checkpoint and --model');
    const rt = v.checkpoint !== undefined
      ? loadCheckpoint(String(v.checkpoint), buildOf(v.build))
      : new Runtime(planModel(loadModelSpec(String(v.model)), { budgetBytes: Number.MAX_SAFE_INTEGER }), buildOf(v.build));
    try {
      if (format === 'onnx') {
        const input = oneOf('export', 'input', v.input, ['vector', 'events'] as const, 'vector');
        const b = exportOnnxBundle(rt, { input });
        const sib = onnxSiblings(outPath);
        const files: { path: string; bytes: number }[] = [];
        const write = (path: string, bytes: Uint8Array | null) => {
          if (!bytes) return;
          writeFileSync(path, bytes);
          files.push({ path, bytes: bytes.length });
        };
        // A readout-only model has no step graph: its readout graph takes the --out name.
        write(outPath, b.step ?? b.readout);
        write(sib.sequence, b.sequence);
        if (b.step) write(sib.readout, b.readout);
        if (v.json) out(JSON.stringify({ model: rt.plan.spec.name, format, input, files, io: b.io }));
        else {
          out(`exported model "${rt.plan.spec.name}" as ONNX (opset 17, step input: ${input}):`);
          for (const f of files) out(`  ${f.path} (${formatBytes(f.bytes)})`);
        }
      } else {
        if (v.input !== undefined) throw new UsageError('export: --input applies to --format onnx only');
        const r = await exportNir(rt);
        writeFileSync(outPath, r.bytes);
        if (v.json) out(JSON.stringify({ model: rt.plan.spec.name, format, file: outPath, bytes: r.bytes.length, nodes: r.graph.nodes.map((n) => ({ name: n.name, type: n.type })), warnings: r.warnings }));
        else {
          out(`exported model "${rt.plan.spec.name}" as NIR: ${outPath} (${formatBytes(r.bytes.length)}, ${r.graph.nodes.length} nodes)`);
          for (const w of r.warnings) out(`  note: ${w}`);
        }
      }
    } finally {
      rt.dispose();
    }
    return 0;
  },
};

export const importCmd: InteropCommand = {
  summary: 'import a NIR graph as a model spec (and a checkpoint with its weights and state)',
  usage: 'neurite import FILE.nir --out SPEC.json [--checkpoint OUT] [--dt-ms MS] [--time-unit s|ms] [--spikes dirac|pulse] [--json]',
  flags: {
    in: { type: 'string', placeholder: 'FILE.nir', help: 'the NIR file (or give it as the positional argument)' },
    out: { type: 'string', placeholder: 'SPEC.json', help: 'where to write the model spec' },
    checkpoint: { type: 'string', placeholder: 'OUT', help: 'where to write the weights and per-neuron state (a neurite checkpoint)' },
    'dt-ms': { type: 'number', placeholder: 'MS', help: "network step (default: the file's neurite.dt, else 1 ms)" },
    'time-unit': { type: 'string', placeholder: 's|ms', help: "unit of the file's time constants (default s)" },
    spikes: { type: 'string', placeholder: 'dirac|pulse', help: 'spikes as unit-area impulses (default) or one-step pulses of height 1' },
    name: { type: 'string', placeholder: 'NAME', help: 'model name in the spec' },
    json: { type: 'boolean', help: 'print one JSON object on stdout' },
    build: { type: 'string', placeholder: 'simd|scalar', help: 'kernel build (default simd)' },
  },
  async run(v, positional, out) {
    if (positional.length > 1 || (positional.length === 1 && v.in !== undefined)) throw new UsageError('import: give exactly one NIR file');
    const file = positional[0] ?? (v.in as string | undefined);
    if (file === undefined) throw new UsageError('import: give the NIR file to import');
    if (/\.onnx$/i.test(file)) throw new UsageError('import: ONNX models come in as frozen feature extractors through the API (host/interop/onnx-import.ts), not as spiking models');
    const specPath = required<string>('import', v, 'out');
    let bytes: Uint8Array;
    try {
      bytes = readFileSync(file);
    } catch (e) {
      throw new UsageError(`import: cannot read ${file}: ${(e as Error).message}`);
    }
    const r = await importNir(bytes, {
      source: file,
      dtMs: v['dt-ms'] as number | undefined,
      timeUnit: v['time-unit'] === undefined ? undefined : oneOf('import', 'time-unit', v['time-unit'], ['s', 'ms'] as const, 's'),
      spikes: v.spikes === undefined ? undefined : oneOf('import', 'spikes', v.spikes, ['dirac', 'pulse'] as const, 'dirac'),
      name: v.name as string | undefined,
      build: buildOf(v.build),
    });
    try {
      writeFileSync(specPath, JSON.stringify(r.spec, null, 2) + '\n');
      const ckpt = v.checkpoint as string | undefined;
      const ckptBytes = ckpt ? saveCheckpoint(r.runtime, ckpt) : null;
      const warnings = [...r.warnings];
      if (!ckpt && r.needsCheckpoint) warnings.push('the weights and per-neuron state are not in the spec; give --checkpoint OUT to keep them');
      if (v.json) {
        out(JSON.stringify({ model: r.spec.name, spec: specPath, checkpoint: ckpt ?? null, checkpointBytes: ckptBytes, populations: r.spec.populations.map((p) => ({ name: p.name, size: p.size })), projections: r.runtime.plan.projections.map((p) => p.name), warnings }));
      } else {
        out(`imported ${file} as model "${r.spec.name}": ${r.spec.populations.length} population(s), ${r.spec.projections.length} projection(s)${r.spec.readout ? ', a readout' : ''}`);
        out(`  spec: ${specPath}${ckpt ? `\n  checkpoint: ${ckpt} (${formatBytes(ckptBytes!)})` : ''}`);
        for (const w of warnings) out(`  note: ${w}`);
      }
    } finally {
      r.runtime.dispose();
    }
    return 0;
  },
};
