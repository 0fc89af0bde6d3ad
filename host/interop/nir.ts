/**
 * NIR (Neuromorphic Intermediate Representation; Pedersen et al., Nature Communications 15, 8122,
 * 2024, https://neuroir.org) graphs in memory, and their HDF5 layout:
 *
 *   /version                 string
 *   /node                    group: the root graph
 *     type                   "NIRGraph"
 *     edges                  (E, 2) strings: source node name, target node name
 *     nodes/<name>/          one group per node
 *       type                 string, the primitive ("LIF", "CubaLIF", "Affine", ...)
 *       <parameter>          one dataset per parameter (numbers or strings)
 *       <dict parameter>/    a group of datasets (e.g. Flatten's input_type)
 *       metadata/            optional group of free-form datasets (and groups)
 *     metadata/              optional
 *
 * `type` is a dataset in files written by the reference implementation; a `type` attribute is
 * accepted too. This file only reads and writes the container; what the primitives mean and how
 * they map onto neurite is in nir-import.ts / nir-export.ts.
 */
import { InteropError } from '../errors.js';
import type { H5Dataset, H5Group, H5WriteDataset, H5WriteGroup } from './hdf5.js';

export interface NirTensor {
  kind: 'tensor';
  shape: number[];
  data: Float64Array;
  /** The stored element type ('float32', 'float64', 'int64', ...). */
  dtype: string;
}

export interface NirString {
  kind: 'string';
  shape: number[];
  values: string[];
}

export type NirValue = NirTensor | NirString;
export type NirMeta = NirValue | { kind: 'dict'; entries: Record<string, NirMeta> };

export interface NirNode {
  name: string;
  type: string;
  /** Parameters; a dict parameter (a group in the file) appears as `group.key`. */
  params: Record<string, NirValue>;
  metadata: Record<string, NirMeta>;
}

export interface NirGraph {
  version: string | null;
  nodes: NirNode[];
  edges: [string, string][];
  metadata: Record<string, NirMeta>;
}

export const tensor = (data: ArrayLike<number>, shape: number[] = [data.length], dtype = 'float32'): NirTensor => ({ kind: 'tensor', shape, data: Float64Array.from(data), dtype });
export const scalar = (x: number, dtype = 'float64'): NirTensor => tensor([x], [], dtype);
export const str = (s: string): NirString => ({ kind: 'string', shape: [], values: [s] });

function fail(node: string | null, reason: string, source: string): never {
  throw new InteropError('nir', node, reason, source);
}

function valueOf(d: H5Dataset, node: string | null, what: string, source: string): NirValue {
  if (d.value === null) fail(node, `${what} has an HDF5 type neurite cannot read (${d.dtype})`, source);
  const n = d.shape.reduce((a, b) => a * b, 1);
  if (Array.isArray(d.value)) {
    if (d.value.length !== n) fail(node, `${what}: ${d.value.length} strings for shape [${d.shape.join(', ')}]`, source);
    return { kind: 'string', shape: d.shape, values: d.value };
  }
  if (d.value.length !== n) fail(node, `${what}: ${d.value.length} values for shape [${d.shape.join(', ')}]`, source);
  return { kind: 'tensor', shape: d.shape, data: d.value, dtype: d.dtype };
}

function stringOf(d: H5Dataset | undefined, node: string | null, what: string, source: string): string | null {
  if (!d) return null;
  const v = valueOf(d, node, what, source);
  if (v.kind !== 'string' || v.values.length !== 1) fail(node, `${what} must be one string`, source);
  return v.values[0];
}

function readMeta(g: H5Group, node: string | null, source: string, depth = 0): Record<string, NirMeta> {
  const out: Record<string, NirMeta> = {};
  if (depth > 8) return out;
  for (const [k, c] of Object.entries(g.children)) {
    if (c.kind === 'dataset') {
      if (c.value !== null) out[k] = valueOf(c, node, `metadata "${k}"`, source);
    } else if (c.kind === 'group') out[k] = { kind: 'dict', entries: readMeta(c, node, source, depth + 1) };
  }
  return out;
}

/** Interprets an HDF5 tree as a NIR graph (structure only; parameters are checked by the importer). */
export function parseNirTree(root: H5Group, source = '<buffer>'): NirGraph {
  if (!root || root.kind !== 'group') fail(null, 'the file has no root group', source);
  const g = root.children.node;
  if (!g || g.kind !== 'group') fail(null, 'no "node" group: this HDF5 file is not a NIR graph', source);
  const version = root.children.version?.kind === 'dataset' ? stringOf(root.children.version, null, '"version"', source) : null;
  const type = g.children.type?.kind === 'dataset' ? stringOf(g.children.type, null, 'the root "type"', source) : g.attrs.type ? stringOf(g.attrs.type, null, 'the root "type"', source) : 'NIRGraph';
  if (type !== 'NIRGraph') fail(null, `the root node has type "${type}", expected "NIRGraph"`, source);
  const nodesG = g.children.nodes;
  if (!nodesG || nodesG.kind !== 'group') fail(null, 'the graph has no "nodes" group', source);
  const nodes: NirNode[] = [];
  for (const [name, c] of Object.entries(nodesG.children)) {
    if (c.kind !== 'group') fail(name, 'is not a group (each node must be an HDF5 group)', source);
    const tDs = c.children.type;
    const t = tDs?.kind === 'dataset' ? stringOf(tDs, name, '"type"', source) : c.attrs.type ? stringOf(c.attrs.type, name, '"type"', source) : null;
    if (t === null) fail(name, 'has no "type" (dataset or attribute) naming its primitive', source);
    const params: Record<string, NirValue> = {};
    let metadata: Record<string, NirMeta> = {};
    for (const [k, v] of Object.entries(c.children)) {
      if (k === 'type') continue;
      if (v.kind === 'dataset') params[k] = valueOf(v, name, `parameter "${k}"`, source);
      else if (v.kind === 'group') {
        if (k === 'metadata') metadata = readMeta(v, name, source);
        else {
          for (const [k2, v2] of Object.entries(v.children)) {
            if (v2.kind === 'dataset') params[`${k}.${k2}`] = valueOf(v2, name, `parameter "${k}/${k2}"`, source);
          }
        }
      } else fail(name, `parameter "${k}" is a link; a NIR file must be self-contained`, source);
    }
    nodes.push({ name, type: t, params, metadata });
  }
  const edgesDs = g.children.edges;
  const edges: [string, string][] = [];
  if (edgesDs !== undefined) {
    if (edgesDs.kind !== 'dataset') fail(null, '"edges" must be a dataset of (source, target) name pairs', source);
    const ev = valueOf(edgesDs, null, '"edges"', source);
    const empty = ev.shape.length === 1 && ev.shape[0] === 0;
    if (!empty) {
      if (ev.kind !== 'string' || ev.shape.length !== 2 || ev.shape[1] !== 2) {
        fail(null, `"edges" must be an (E, 2) array of node names, got ${ev.kind === 'string' ? 'strings' : 'numbers'} of shape [${ev.shape.join(', ')}]`, source);
      }
      for (let e = 0; e < ev.shape[0]; e++) edges.push([ev.values[2 * e], ev.values[2 * e + 1]]);
    }
  } else fail(null, 'the graph has no "edges" dataset', source);
  const metadata = g.children.metadata?.kind === 'group' ? readMeta(g.children.metadata, null, source) : {};
  return { version, nodes, edges, metadata };
}

function writeValue(v: NirValue): H5WriteDataset {
  if (v.kind === 'string') return v.shape.length === 0 ? { data: v.values[0] } : { data: v.values, shape: v.shape };
  const d = v.data;
  let data: H5WriteDataset['data'];
  if (v.dtype === 'float32') data = Float32Array.from(d);
  else if (v.dtype === 'int64') data = BigInt64Array.from(Array.from(d, (x) => BigInt(Math.round(x))));
  else if (v.dtype === 'int32') data = Int32Array.from(d);
  else if (v.dtype === 'int8') data = Int8Array.from(d);
  else if (v.dtype === 'int16') data = Int16Array.from(d);
  else if (v.dtype === 'uint8') data = Uint8Array.from(d);
  else if (v.dtype === 'uint32') data = Uint32Array.from(d);
  else data = Float64Array.from(d);
  return { data, shape: v.shape };
}

function writeMeta(m: Record<string, NirMeta>): H5WriteGroup {
  const group: H5WriteGroup['group'] = {};
  for (const [k, v] of Object.entries(m)) group[k] = v.kind === 'dict' ? writeMeta(v.entries) : writeValue(v);
  return { group };
}

/** The HDF5 tree of a NIR graph (see the layout at the top). */
export function nirToH5(graph: NirGraph): H5WriteGroup {
  const nodes: H5WriteGroup['group'] = {};
  for (const n of graph.nodes) {
    const group: H5WriteGroup['group'] = { type: { data: n.type } };
    for (const [k, v] of Object.entries(n.params)) {
      const dot = k.indexOf('.');
      if (dot > 0) {
        const gname = k.slice(0, dot);
        const sub = (group[gname] ??= { group: {} }) as H5WriteGroup;
        sub.group[k.slice(dot + 1)] = writeValue(v);
      } else group[k] = writeValue(v);
    }
    if (Object.keys(n.metadata).length > 0) group.metadata = writeMeta(n.metadata);
    nodes[n.name] = { group };
  }
  const flat = graph.edges.flat();
  const node: H5WriteGroup['group'] = {
    type: { data: 'NIRGraph' },
    nodes: { group: nodes },
    edges: flat.length > 0 ? { data: flat, shape: [graph.edges.length, 2] } : { data: new Float64Array(0), shape: [0] },
  };
  if (Object.keys(graph.metadata).length > 0) node.metadata = writeMeta(graph.metadata);
  return { group: { version: { data: graph.version ?? '1.0.0' }, node: { group: node } } };
}

/** Reads a metadata value as a string (or null). */
export function metaString(m: Record<string, NirMeta>, key: string): string | null {
  const v = m[key];
  return v && v.kind === 'string' && v.values.length === 1 ? v.values[0] : null;
}

/** Reads a metadata value as numbers (or null). */
export function metaNumbers(m: Record<string, NirMeta>, key: string): Float64Array | null {
  const v = m[key];
  return v && v.kind === 'tensor' ? v.data : null;
}

/** Reads a JSON metadata string (or null when absent or not valid JSON). */
export function metaJson<T>(m: Record<string, NirMeta>, key: string): T | null {
  const s = metaString(m, key);
  if (s === null) return null;
  try {
    return JSON.parse(s) as T;
  } catch {
    return null;
  }
}
