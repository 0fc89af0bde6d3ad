/**
 * ONNX import of a frozen feature extractor: an ONNX model (for example a small convolutional front
 * end over event frames) that onnxruntime-web runs in the host, whose outputs feed an on-device
 * learner (the runtime's delta-rule readout on a readout-only spec, or the NCM / Hopfield readouts).
 *
 * The model is checked at the edge before onnxruntime sees it: it must decode as an ONNX
 * ModelProto with a graph, use only the operators listed in FEATURE_OPS (default domain; the
 * feed-forward vocabulary of convolutional front ends, nothing with control flow or state), and
 * take one float input of rank 2 ([N, F]) or 4 ([N, C, H, W]) and give one float output. Anything
 * else is an InteropError naming the node and the operator.
 */
import type * as Ort from 'onnxruntime-web';
import { InteropError } from '../errors.js';
import { onnx } from './onnx-builder.js';
import { createSession, loadOrt } from './onnx-run.js';

/** Operators a frozen feature extractor may use. */
export const FEATURE_OPS: ReadonlySet<string> = new Set([
  'Conv', 'Relu', 'LeakyRelu', 'Sigmoid', 'Tanh', 'Clip', 'MaxPool', 'AveragePool', 'GlobalAveragePool', 'GlobalMaxPool',
  'BatchNormalization', 'Flatten', 'Reshape', 'Transpose', 'Squeeze', 'Unsqueeze', 'Concat', 'Gemm', 'MatMul',
  'Add', 'Sub', 'Mul', 'Div', 'Sqrt', 'Log', 'Exp', 'Abs', 'Neg', 'Identity', 'Constant', 'Softmax',
  'ReduceMean', 'ReduceSum', 'ReduceMax', 'LRN', 'Pad', 'Dropout',
]);

export interface TensorShape {
  name: string;
  /** Dimensions; null where symbolic (for example the batch). */
  dims: (number | null)[];
}

export interface FeatureExtractorInfo {
  input: TensorShape;
  output: TensorShape;
  ops: string[];
  producer: string;
}

const FLOAT = onnx.TensorProto.DataType.FLOAT;

function shapeOf(v: { name?: string | null; type?: { tensorType?: { elemType?: number | null; shape?: { dim?: { dimValue?: unknown; dimParam?: string | null }[] | null } | null } | null } | null }, what: string, source: string): TensorShape {
  const tt = v.type?.tensorType;
  if (!tt) throw new InteropError('onnx', v.name ?? null, `${what} is not a tensor`, source);
  if (tt.elemType !== FLOAT) throw new InteropError('onnx', v.name ?? null, `${what} must be float32 (ONNX elem type 1), got elem type ${tt.elemType}`, source);
  const dims = (tt.shape?.dim ?? []).map((d) => {
    const n = d.dimValue === undefined || d.dimValue === null ? NaN : Number(d.dimValue);
    return Number.isFinite(n) && n > 0 ? n : null;
  });
  return { name: v.name ?? '', dims };
}

/** Decodes and checks a feature-extractor model (no onnxruntime involved). */
export function inspectFeatureExtractor(bytes: Uint8Array, source = '<buffer>'): FeatureExtractorInfo {
  let model: ReturnType<typeof onnx.ModelProto.decode>;
  try {
    model = onnx.ModelProto.decode(bytes);
  } catch (e) {
    throw new InteropError('onnx', null, `not an ONNX model (protobuf decoding failed: ${(e as Error).message})`, source);
  }
  const g = model.graph;
  if (!g || !g.node || g.node.length === 0) throw new InteropError('onnx', null, 'not an ONNX model (no graph with nodes)', source);
  if (!model.opsetImport || model.opsetImport.length === 0) throw new InteropError('onnx', null, 'not an ONNX model (no opset import)', source);
  const ops = new Set<string>();
  g.node.forEach((n, k) => {
    const name = n.name || `#${k}`;
    const op = n.opType ?? '';
    if (n.domain && n.domain !== 'ai.onnx') {
      throw new InteropError('onnx', name, `operator "${op}" of domain "${n.domain}" is not supported (only the default ONNX domain)`, source);
    }
    if (!FEATURE_OPS.has(op)) {
      throw new InteropError('onnx', name, `operator "${op}" is not supported in a frozen feature extractor (supported: ${[...FEATURE_OPS].join(', ')})`, source);
    }
    ops.add(op);
  });
  const inits = new Set((g.initializer ?? []).map((t) => t.name));
  const inputs = (g.input ?? []).filter((v) => !inits.has(v.name));
  if (inputs.length !== 1) throw new InteropError('onnx', null, `a feature extractor takes exactly one input, this graph takes ${inputs.length}`, source);
  if ((g.output ?? []).length !== 1) throw new InteropError('onnx', null, `a feature extractor gives exactly one output, this graph gives ${(g.output ?? []).length}`, source);
  const input = shapeOf(inputs[0], 'the input', source);
  if (input.dims.length !== 2 && input.dims.length !== 4) {
    throw new InteropError('onnx', input.name, `the input must have rank 2 [N, F] or 4 [N, C, H, W], got rank ${input.dims.length}`, source);
  }
  const output = shapeOf(g.output![0], 'the output', source);
  return { input, output, ops: [...ops].sort(), producer: model.producerName ?? '' };
}

/** A checked ONNX feature extractor running on onnxruntime-web. */
export class FeatureExtractor {
  private constructor(
    private readonly ort: typeof Ort,
    private readonly session: Ort.InferenceSession,
    readonly info: FeatureExtractorInfo,
  ) {}

  static async load(bytes: Uint8Array, source = '<buffer>'): Promise<FeatureExtractor> {
    const info = inspectFeatureExtractor(bytes, source);
    return new FeatureExtractor(await loadOrt(), await createSession(bytes, source), info);
  }

  /** Values per sample the input expects (C*H*W or F), from the declared shape. */
  get inputSize(): number {
    return this.info.input.dims.slice(1).reduce<number>((a, d) => a * (d ?? NaN), 1);
  }

  /**
   * Runs `batch` samples (inputs row-major, `inputSize` values each) and returns the features,
   * [batch][featureSize] row-major, with featureSize.
   */
  async run(inputs: Float32Array, batch: number): Promise<{ features: Float32Array; featureSize: number }> {
    const per = this.inputSize;
    if (!Number.isInteger(per) || inputs.length !== per * batch) {
      throw new InteropError('onnx', this.info.input.name, `expected ${batch} x ${per} input values, got ${inputs.length}`);
    }
    const dims = [batch, ...this.info.input.dims.slice(1).map((d) => d!)];
    let out: Ort.InferenceSession.OnnxValueMapType;
    try {
      out = await this.session.run({ [this.info.input.name]: new this.ort.Tensor('float32', inputs, dims) });
    } catch (e) {
      throw new InteropError('onnx', null, `onnxruntime failed to run the feature extractor: ${(e as Error).message}`);
    }
    const t = out[this.info.output.name];
    const features = t.data as Float32Array;
    return { features, featureSize: features.length / batch };
  }
}
