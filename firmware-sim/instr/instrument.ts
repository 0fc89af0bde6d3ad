/**
 * A counting build of the kernels: reads a built .wasm with binaryen, and before every straight-
 * line segment of every function inserts increments of per-function, per-class counters (mutable
 * f64 globals, exported as `__ic_<function>_<class>`). Running kernels of the counting build on small
 * cases tells how many WebAssembly instructions of each class the runtime really executes per
 * counted operation; firmware-sim turns those counts into cycles with a cost per instruction class.
 *
 * What is a segment. Binaryen IR is a tree of structured control flow. A segment root is a child
 * of a block, an arm of an `if`, a loop body or a function body. Every non-structural node belongs
 * to the nearest enclosing segment root; nested blocks, loops and if-arms are segment roots of
 * their own. The increment is placed just before its segment, so the segment's instructions are
 * charged when control reaches it. This is exact except where a branch leaves a segment part-way
 * through one expression tree (for example a `br_if` whose value operand is followed by more work
 * in the same child), which optimized AssemblyScript output does not produce in the kernels' loops;
 * the derivation checks exactness against hand-countable cases (test/firmware-sim/instrument.test.ts).
 *
 * Instruction classes (the unit of the cost tables in cores.ts):
 *   local     local.get / local.set / local.tee
 *   global    global.get / global.set
 *   const     i32/i64/f32/f64/v128 constants
 *   intAlu    32-bit integer add, sub, logic, shift, compare, eqz, clz/ctz/popcnt, extend, wrap
 *   intMul    32-bit integer multiply
 *   intDiv    integer divide and remainder
 *   i64       any 64-bit integer operation
 *   f32       f32 add, sub, mul, neg, abs, min, max, compare, conversions to/from i32, reinterpret
 *   f32Div    f32.div, f32.sqrt
 *   f64       any f64 operation (the counters are f64: soft-float on cores without a DP FPU)
 *   load      scalar memory load (any width)
 *   store     scalar memory store (any width)
 *   v128Load  128-bit SIMD loads (including splat and extend loads)
 *   v128Store 128-bit SIMD stores
 *   simd      128-bit SIMD arithmetic, lane and mask operations
 *   branch    br, br_if, br_table, if, return
 *   call      call, call_indirect
 *   select    select
 *   block     entering a named block or a loop (a dispatch in an interpreter, free when compiled)
 *   other     drop, nop, unreachable, memory.size/grow/copy/fill
 */
import binaryen from 'binaryen';

export const WASM_CLASSES = [
  'local', 'global', 'const', 'intAlu', 'intMul', 'intDiv', 'i64', 'f32', 'f32Div', 'f64',
  'load', 'store', 'v128Load', 'v128Store', 'simd', 'branch', 'call', 'select', 'block', 'other',
] as const;
export type WasmClass = (typeof WASM_CLASSES)[number];
export type ClassVector = Record<WasmClass, number>;

export function zeroVector(): ClassVector {
  return {
    local: 0, global: 0, const: 0, intAlu: 0, intMul: 0, intDiv: 0, i64: 0, f32: 0, f32Div: 0, f64: 0,
    load: 0, store: 0, v128Load: 0, v128Store: 0, simd: 0, branch: 0, call: 0, select: 0, block: 0, other: 0,
  };
}

export function addVectors(a: ClassVector, b: ClassVector, scale = 1): ClassVector {
  const out = zeroVector();
  for (const c of WASM_CLASSES) out[c] = a[c] + scale * b[c];
  return out;
}

export function vectorTotal(v: ClassVector): number {
  let s = 0;
  for (const c of WASM_CLASSES) s += v[c];
  return s;
}

// binaryen.js exposes setters the bundled .d.ts does not declare.
interface MutableApi {
  Block: { getNumChildren(e: number): number; getChildAt(e: number, i: number): number; insertChildAt(e: number, i: number, c: number): void };
  If: { getCondition(e: number): number; getIfTrue(e: number): number; getIfFalse(e: number): number; setIfTrue(e: number, c: number): void; setIfFalse(e: number, c: number): void };
  Loop: { getBody(e: number): number; setBody(e: number, c: number): void };
  Function: { setBody(f: number, e: number): void };
}
const api = binaryen as unknown as MutableApi;
const B = binaryen as unknown as Record<string, number>;

/**
 * Operation number -> binaryen operation name, one map per expression kind: unary and binary
 * operations are numbered separately (the same number names, say, ClzInt32 and AddInt32).
 */
const UNARY_RE = /^(Clz|Ctz|Popcnt|Neg|Abs|Ceil|Floor|Trunc|Nearest|Sqrt|EqZ|Extend|Wrap|Reinterpret|Convert|Promote|Demote|Splat|AnyTrue|AllTrue|Bitmask|Not|ExtAddPairwise|RelaxedTrunc)/;
const BINARY_RE = /^(Add|Sub|Mul|Div|Rem|And|Or|Xor|Shl|Shr|Rot|Eq|Ne|Lt|Le|Gt|Ge|CopySign|Min|Max|PMin|PMax|Avgr|Q15|ExtMul|Dot|Narrow|Swizzle|RelaxedMin|RelaxedMax|RelaxedQ15|RelaxedDot|RelaxedSwizzle)/;
const OP_SUFFIX = /(Int32|Int64|Float32|Float64|Vec128|I8x16|I16x8|I32x4|I64x2|F32x4|F64x2)$/;
function opNames(re: RegExp, exclude: RegExp | null): Map<number, string> {
  const m = new Map<number, string>();
  for (const [k, v] of Object.entries(B)) {
    if (typeof v !== 'number' || !OP_SUFFIX.test(k) || !re.test(k) || (exclude && exclude.test(k))) continue;
    if (/^(ExtractLane|ReplaceLane|Load|Store)/.test(k)) continue;
    if (/^(Shl|Shr[SU]?)Vec/.test(k)) continue; // SIMD shifts are their own expression kind
    if (/^(MulWide|AddWide|SubWide)/.test(k)) continue; // wide-arithmetic expressions
    if (/^(RelaxedMadd|RelaxedNmadd|RelaxedLaneselect|RelaxedDotI8x16I7x16AddS|Bitselect)/.test(k)) continue; // SIMD ternary
    if (m.has(v) && m.get(v) !== k) throw new Error(`instrument: operations ${m.get(v)} and ${k} share number ${v}`);
    m.set(v, k);
  }
  return m;
}
const UNARY_NAMES = opNames(UNARY_RE, null);
const BINARY_NAMES = opNames(BINARY_RE, /^(EqZ|Neg|Nearest)/);

export function classifyOp(name: string): WasmClass {
  if (/Vec|x16|x8|x4|x2/.test(name)) return 'simd';
  if (/Float64|ToFloat64|PromoteFloat32/.test(name)) return 'f64';
  if (/^(Div|Sqrt)Float32$/.test(name)) return 'f32Div';
  if (/Float32/.test(name)) return 'f32';
  if (/Int64|WrapInt64|ExtendSInt32|ExtendUInt32/.test(name)) return 'i64';
  if (/^Mul/.test(name)) return 'intMul';
  if (/^(Div|Rem)/.test(name)) return 'intDiv';
  if (/^Reinterpret/.test(name)) return 'f32';
  return 'intAlu';
}

interface Info {
  id: number;
  type: number;
  [k: string]: unknown;
}

const info = (e: number): Info => {
  const id = binaryen.getExpressionId(e);
  // binaryen.js has no field table for these ids (getExpressionInfo throws on them).
  if (id === binaryen.UnreachableId || id === binaryen.NopId) return { id, type: binaryen.getExpressionType(e) };
  return binaryen.getExpressionInfo(e) as unknown as Info;
};

/** Children of a non-structural expression (in evaluation order). */
function childrenOf(e: number, i: Info): number[] {
  const k = (...names: string[]) => names.map((n) => i[n] as number).filter((c) => typeof c === 'number' && c !== 0);
  switch (i.id) {
    case binaryen.UnaryId: return k('value');
    case binaryen.BinaryId: return k('left', 'right');
    case binaryen.SelectId: return k('ifTrue', 'ifFalse', 'condition');
    case binaryen.LoadId: return k('ptr');
    case binaryen.StoreId: return k('ptr', 'value');
    case binaryen.LocalSetId: return k('value');
    case binaryen.GlobalSetId: return k('value');
    case binaryen.DropId: return k('value');
    case binaryen.ReturnId: return k('value');
    case binaryen.BreakId: return k('value', 'condition');
    case binaryen.SwitchId: return k('value', 'condition');
    case binaryen.CallId: return (i.operands as number[]) ?? [];
    case binaryen.CallIndirectId: return [...((i.operands as number[]) ?? []), ...k('target')];
    case binaryen.SIMDExtractId: return k('vec');
    case binaryen.SIMDReplaceId: return k('vec', 'value');
    case binaryen.SIMDShuffleId: return k('left', 'right');
    case binaryen.SIMDTernaryId: return k('a', 'b', 'c');
    case binaryen.SIMDShiftId: return k('vec', 'shift');
    case binaryen.SIMDLoadId: return k('ptr');
    case binaryen.SIMDLoadStoreLaneId: return k('ptr', 'vec');
    case binaryen.MemoryGrowId: return k('delta');
    case binaryen.MemoryCopyId: return k('dest', 'source', 'size');
    case binaryen.MemoryFillId: return k('dest', 'value', 'size');
    case binaryen.LocalGetId:
    case binaryen.GlobalGetId:
    case binaryen.ConstId:
    case binaryen.NopId:
    case binaryen.UnreachableId:
    case binaryen.MemorySizeId:
      return [];
    default:
      throw new Error(`instrument: unsupported expression id ${i.id} (${binaryen.emitText(e).slice(0, 80)})`);
  }
}

/** The class of one non-structural node. */
function classOf(i: Info): WasmClass {
  switch (i.id) {
    case binaryen.LocalGetId:
    case binaryen.LocalSetId: return 'local';
    case binaryen.GlobalGetId:
    case binaryen.GlobalSetId: return 'global';
    case binaryen.ConstId: return 'const';
    case binaryen.UnaryId:
    case binaryen.BinaryId: {
      const name = (i.id === binaryen.UnaryId ? UNARY_NAMES : BINARY_NAMES).get(i.op as number);
      if (!name) throw new Error(`instrument: unknown operation ${String(i.op)}`);
      return classifyOp(name);
    }
    case binaryen.SelectId: return 'select';
    case binaryen.LoadId: return i.type === binaryen.v128 ? 'v128Load' : 'load';
    case binaryen.StoreId: return i.valueType === binaryen.v128 ? 'v128Store' : 'store';
    case binaryen.SIMDLoadId: return 'v128Load';
    case binaryen.SIMDLoadStoreLaneId: return i.isStore ? 'v128Store' : 'v128Load';
    case binaryen.SIMDExtractId:
    case binaryen.SIMDReplaceId:
    case binaryen.SIMDShuffleId:
    case binaryen.SIMDTernaryId:
    case binaryen.SIMDShiftId: return 'simd';
    case binaryen.BreakId:
    case binaryen.SwitchId:
    case binaryen.ReturnId: return 'branch';
    case binaryen.CallId:
    case binaryen.CallIndirectId: return 'call';
    default: return 'other';
  }
}

/** Instructions of one segment: the node and its operands, stopping at nested segment roots. */
function segmentCost(e: number, acc: ClassVector): void {
  const i = info(e);
  if (i.id === binaryen.BlockId) {
    if (i.name) acc.block++;
    return;
  }
  if (i.id === binaryen.LoopId) {
    acc.block++;
    return;
  }
  if (i.id === binaryen.IfId) {
    acc.branch++;
    segmentCost(i.condition as number, acc);
    return;
  }
  acc[classOf(i)]++;
  for (const c of childrenOf(e, i)) segmentCost(c, acc);
}

export interface InstrumentResult {
  /** The counting module's binary. */
  binary: Uint8Array;
  /** Function names (export name, or `$<index>` for internal functions) in counter order. */
  functions: string[];
  /** Static instruction count of every function (each instruction once, by class). */
  staticCounts: Record<string, ClassVector>;
  /** Locals (params + vars) per function and their byte size (v128 = 16, i64/f64 = 8, else 4). */
  frames: Record<string, { params: number; vars: number; localBytes: number; calls: string[] }>;
}

export const COUNTER_PREFIX = '__ic_';

/** Builds the counting module from a built kernel binary. */
export function instrumentWasm(wasm: Uint8Array): InstrumentResult {
  const mod = binaryen.readBinary(wasm);
  try {
    mod.setFeatures(binaryen.Features.All);
    const nFuncs = mod.getNumFunctions();
    const exportName = new Map<string, string>();
    for (let k = 0; k < mod.getNumExports(); k++) {
      const ex = binaryen.getExportInfo(mod.getExportByIndex(k));
      if (ex.kind === binaryen.ExternalFunction) exportName.set(ex.value, ex.name);
    }
    const functions: string[] = [];
    const staticCounts: Record<string, ClassVector> = {};
    const frames: InstrumentResult['frames'] = {};
    const typeBytes = (t: number) => (t === binaryen.v128 ? 16 : t === binaryen.f64 || t === binaryen.i64 ? 8 : 4);
    for (let fi = 0; fi < nFuncs; fi++) {
      const f = mod.getFunctionByIndex(fi);
      const fInfo = binaryen.getFunctionInfo(f);
      if (fInfo.module) continue; // imported
      const fname = exportName.get(fInfo.name) ?? `$${fi}`;
      functions.push(fname);
      const params = binaryen.expandType(fInfo.params);
      frames[fname] = {
        params: params.length,
        vars: fInfo.vars.length,
        localBytes: [...params, ...fInfo.vars].reduce((s, t) => s + typeBytes(t), 0),
        calls: [],
      };
      const globalOf = (c: WasmClass) => `${COUNTER_PREFIX}${fname}_${c}`;
      for (const c of WASM_CLASSES) {
        mod.addGlobal(globalOf(c), binaryen.f64, true, mod.f64.const(0));
        mod.addGlobalExport(globalOf(c), globalOf(c));
      }
      const stat = zeroVector();
      const increment = (v: ClassVector): number | null => {
        const sets: number[] = [];
        for (const c of WASM_CLASSES) {
          if (v[c] === 0) continue;
          sets.push(mod.global.set(globalOf(c), mod.f64.add(mod.global.get(globalOf(c), binaryen.f64), mod.f64.const(v[c]))));
        }
        if (sets.length === 0) return null;
        return sets.length === 1 ? sets[0] : mod.block(null, sets, binaryen.none);
      };
      const wrap = (body: number): number => {
        const cost = zeroVector();
        segmentCost(body, cost);
        for (const c of WASM_CLASSES) stat[c] += cost[c];
        const inc = increment(cost);
        if (inc === null) return body;
        return mod.block(null, [inc, body], binaryen.getExpressionType(body));
      };
      // Instruments nested segment roots below e (not e's own segment).
      const visit = (e: number): void => {
        const i = info(e);
        if (i.id === binaryen.BlockId) {
          const n = api.Block.getNumChildren(e);
          for (let k = n - 1; k >= 0; k--) {
            const child = api.Block.getChildAt(e, k);
            visit(child);
            const cost = zeroVector();
            segmentCost(child, cost);
            for (const c of WASM_CLASSES) stat[c] += cost[c];
            const inc = increment(cost);
            if (inc !== null) api.Block.insertChildAt(e, k, inc);
          }
          return;
        }
        if (i.id === binaryen.LoopId) {
          const body = api.Loop.getBody(e);
          visit(body);
          api.Loop.setBody(e, wrap(body));
          return;
        }
        if (i.id === binaryen.IfId) {
          visit(i.condition as number);
          const t = api.If.getIfTrue(e);
          visit(t);
          api.If.setIfTrue(e, wrap(t));
          const fl = api.If.getIfFalse(e);
          if (fl) {
            visit(fl);
            api.If.setIfFalse(e, wrap(fl));
          }
          return;
        }
        if (i.id === binaryen.CallId) frames[fname].calls.push(exportName.get(i.target as string) ?? String(i.target));
        for (const c of childrenOf(e, i)) visit(c);
      };
      const body = fInfo.body;
      visit(body);
      api.Function.setBody(f, wrap(body));
      staticCounts[fname] = stat;
    }
    if (!mod.validate()) throw new Error('instrument: the counting module does not validate');
    return { binary: mod.emitBinary(), functions, staticCounts, frames };
  } finally {
    mod.dispose();
  }
}

/** Reads every function's counters from a counting instance. */
export function readCounts(exports: WebAssembly.Exports, functions: readonly string[]): Record<string, ClassVector> {
  const out: Record<string, ClassVector> = {};
  for (const f of functions) {
    const v = zeroVector();
    for (const c of WASM_CLASSES) {
      const g = exports[`${COUNTER_PREFIX}${f}_${c}`] as WebAssembly.Global | undefined;
      v[c] = g ? Number(g.value) : 0;
    }
    out[f] = v;
  }
  return out;
}

/**
 * A fast reader of a counting instance's counters: the globals are looked up once, a snapshot is
 * a flat array (functions x classes), and `total`/`byFunction` turn the difference of two
 * snapshots into class vectors.
 */
export class CounterReader {
  private readonly globals: (WebAssembly.Global | null)[];
  constructor(exports: WebAssembly.Exports, readonly functions: readonly string[]) {
    this.globals = [];
    for (const f of functions) {
      for (const c of WASM_CLASSES) this.globals.push((exports[`${COUNTER_PREFIX}${f}_${c}`] as WebAssembly.Global | undefined) ?? null);
    }
  }

  snapshot(): Float64Array {
    const out = new Float64Array(this.globals.length);
    for (let k = 0; k < out.length; k++) {
      const g = this.globals[k];
      out[k] = g ? (g.value as number) : 0;
    }
    return out;
  }

  /** Sum over all functions (or one) of b - a. */
  total(a: Float64Array, b: Float64Array, only?: string): ClassVector {
    const v = zeroVector();
    const nc = WASM_CLASSES.length;
    const fi = only === undefined ? -1 : this.functions.indexOf(only);
    if (only !== undefined && fi < 0) return v;
    for (let f = fi < 0 ? 0 : fi; f < (fi < 0 ? this.functions.length : fi + 1); f++) {
      for (let c = 0; c < nc; c++) {
        const d = b[f * nc + c] - a[f * nc + c];
        if (d !== 0) v[WASM_CLASSES[c]] += d;
      }
    }
    return v;
  }
}

/** Sums function vectors. */
export function sumCounts(counts: Record<string, ClassVector>, only?: readonly string[]): ClassVector {
  let v = zeroVector();
  for (const [f, c] of Object.entries(counts)) if (!only || only.includes(f)) v = addVectors(v, c);
  return v;
}

/** Difference b - a, per function. */
export function diffCounts(a: Record<string, ClassVector>, b: Record<string, ClassVector>): Record<string, ClassVector> {
  const out: Record<string, ClassVector> = {};
  for (const f of Object.keys(b)) out[f] = addVectors(b[f], a[f] ?? zeroVector(), -1);
  return out;
}
