/**
 * A small ONNX graph builder over `onnx-proto` (protobufjs static code for onnx.proto): the
 * project writes its ONNX models from TypeScript, no Python. Initializers are stored as raw
 * little-endian bytes; every tensor name is unique within a builder.
 *
 * Opset 17 of the default domain, IR version 8: the operators used here (TopK with k as an input,
 * ScatterElements, CumSum, Scan, ReduceSum with axes as an input) all exist with these
 * signatures in that opset, and onnxruntime-web 1.30 implements them.
 */
import onnxProto from 'onnx-proto';

export const onnx = onnxProto.onnx;
export const OPSET = 17;
export const IR_VERSION = 8;

export type ElemType = 'float' | 'int32' | 'int64' | 'bool';

export const ELEM: Readonly<Record<ElemType, number>> = {
  float: onnx.TensorProto.DataType.FLOAT,
  int32: onnx.TensorProto.DataType.INT32,
  int64: onnx.TensorProto.DataType.INT64,
  bool: onnx.TensorProto.DataType.BOOL,
};

/** An attribute value, tagged so that ints and floats are never confused. */
export type Attr =
  | { i: number }
  | { f: number }
  | { ints: readonly number[] }
  | { s: string }
  | { g: onnxProto.onnx.IGraphProto };

function attribute(name: string, a: Attr): onnxProto.onnx.IAttributeProto {
  const T = onnx.AttributeProto.AttributeType;
  if ('i' in a) return { name, type: T.INT, i: a.i };
  if ('f' in a) return { name, type: T.FLOAT, f: a.f };
  if ('ints' in a) return { name, type: T.INTS, ints: [...a.ints] };
  if ('s' in a) return { name, type: T.STRING, s: new TextEncoder().encode(a.s) };
  return { name, type: T.GRAPH, g: a.g };
}

function valueInfo(name: string, elem: ElemType, dims: readonly (number | string)[]): onnxProto.onnx.IValueInfoProto {
  return {
    name,
    type: {
      tensorType: {
        elemType: ELEM[elem],
        shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
      },
    },
  };
}

function bytesOf(a: Float32Array | Int32Array | BigInt64Array | Uint8Array): Uint8Array {
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength).slice();
}

export class GraphBuilder {
  readonly nodes: onnxProto.onnx.INodeProto[] = [];
  readonly initializers: onnxProto.onnx.ITensorProto[] = [];
  readonly inputs: onnxProto.onnx.IValueInfoProto[] = [];
  readonly outputs: onnxProto.onnx.IValueInfoProto[] = [];
  private counter = 0;
  private readonly used = new Set<string>();
  /** Small constants, shared by value (one initializer per distinct value and shape). */
  private readonly small = new Map<string, string>();

  /** A fresh tensor name from a hint. */
  fresh(hint: string): string {
    let name = `${hint}_${this.counter++}`;
    while (this.used.has(name)) name = `${hint}_${this.counter++}`;
    this.used.add(name);
    return name;
  }

  private claim(name: string): string {
    this.used.add(name);
    return name;
  }

  input(name: string, elem: ElemType, dims: readonly (number | string)[]): string {
    this.inputs.push(valueInfo(name, elem, dims));
    return this.claim(name);
  }

  /** Declares `tensor` a graph output under `name` (an Identity node renames it). */
  output(name: string, tensor: string, elem: ElemType, dims: readonly (number | string)[]): void {
    this.claim(name);
    this.nodes.push({ opType: 'Identity', input: [tensor], output: [name], name: `out_${name}` });
    this.outputs.push(valueInfo(name, elem, dims));
  }

  private shared(key: () => string, n: number, make: () => string): string {
    if (n > 16) return make();
    const k = key();
    const hit = this.small.get(k);
    if (hit) return hit;
    const name = make();
    this.small.set(k, name);
    return name;
  }

  constF32(hint: string, data: ArrayLike<number>, dims: readonly number[] = [data.length]): string {
    const values = Float32Array.from(data);
    return this.shared(() => `f32|${dims.join(',')}|${Array.from(new Uint32Array(values.buffer)).join(',')}`, values.length, () => this.rawF32(hint, values, dims));
  }

  private rawF32(hint: string, values: Float32Array, dims: readonly number[]): string {
    const name = this.fresh(hint);
    this.initializers.push({ name, dataType: ELEM.float, dims: [...dims], rawData: bytesOf(values) });
    return name;
  }

  /** A float scalar (rank 0) holding exactly the f32 value `v`. */
  scalarF32(hint: string, v: number): string {
    return this.constF32(hint, [v], []);
  }

  constI32(hint: string, data: ArrayLike<number>, dims: readonly number[] = [data.length]): string {
    const values = Int32Array.from(data);
    return this.shared(() => `i32|${dims.join(',')}|${values.join(',')}`, values.length, () => {
      const name = this.fresh(hint);
      this.initializers.push({ name, dataType: ELEM.int32, dims: [...dims], rawData: bytesOf(values) });
      return name;
    });
  }

  constI64(hint: string, data: readonly number[], dims: readonly number[] = [data.length]): string {
    return this.shared(() => `i64|${dims.join(',')}|${data.join(',')}`, data.length, () => {
      const name = this.fresh(hint);
      this.initializers.push({ name, dataType: ELEM.int64, dims: [...dims], rawData: bytesOf(BigInt64Array.from(data.map((x) => BigInt(x)))) });
      return name;
    });
  }

  /** Adds one node; returns its output names (`nOut` of them). */
  opN(opType: string, inputs: readonly string[], nOut: number, attrs: Record<string, Attr> = {}, hint = opType.toLowerCase()): string[] {
    const outs = Array.from({ length: nOut }, () => this.fresh(hint));
    this.nodes.push({
      opType,
      input: [...inputs],
      output: outs,
      name: this.fresh(`n_${opType}`),
      attribute: Object.entries(attrs).map(([k, v]) => attribute(k, v)),
    });
    return outs;
  }

  /** Adds a one-output node and returns its output name. */
  op(opType: string, inputs: readonly string[], attrs: Record<string, Attr> = {}, hint?: string): string {
    return this.opN(opType, inputs, 1, attrs, hint)[0];
  }

  graph(name: string): onnxProto.onnx.IGraphProto {
    return { name, node: this.nodes, initializer: this.initializers, input: this.inputs, output: this.outputs };
  }
}

/** Serialises a graph as an ONNX model (ModelProto bytes) with string metadata. */
export function encodeModel(graph: onnxProto.onnx.IGraphProto, opts: { doc?: string; metadata?: Record<string, string> } = {}): Uint8Array {
  const model = onnx.ModelProto.create({
    irVersion: IR_VERSION,
    opsetImport: [{ domain: '', version: OPSET }],
    producerName: 'neurite',
    producerVersion: '0.1.0',
    docString: opts.doc ?? '',
    graph,
    metadataProps: Object.entries(opts.metadata ?? {}).map(([key, value]) => ({ key, value })),
  });
  return onnx.ModelProto.encode(model).finish();
}
