/**
 * Reading a built firmware image without running it: the embedded plan blob's header, the model
 * spec (from the checkpoint header text), the module's fixed memory and its __heap_base. The image
 * exports `fw_plan`, `fw_text` and `fw_heap_base` for this; instantiating does not run `_start`,
 * and every WASI import is stubbed to throw, so inspecting has no side effects.
 */
import { readFileSync } from 'node:fs';
import { UsageError } from '../errors.js';
import type { ModelSpec } from '../spec/types.js';
import { validateSpec } from '../spec/validate.js';
import * as L from '../../firmware/layout.js';
import { readBlobHeader } from './blob.js';

export interface FirmwareImageInfo {
  /** Module memory, pages of 64 KiB (initial == maximum). */
  readonly pages: number;
  readonly memoryBytes: number;
  readonly heapBase: number;
  /** align16(heapBase) + arena + driver buffers: what the driver checks at start-up. */
  readonly requiredBytes: number;
  readonly header: ReturnType<typeof readBlobHeader>;
  readonly spec: ModelSpec;
  readonly modelName: string;
  readonly imports: string[];
  readonly bytes: number;
}

interface ImageExports {
  memory: WebAssembly.Memory;
  fw_plan(): number;
  fw_text(): number;
  fw_heap_base(): number;
}

export function loadImageBytes(wasm: string | Uint8Array): Uint8Array {
  if (typeof wasm !== 'string') return wasm;
  try {
    return readFileSync(wasm);
  } catch (e) {
    throw new UsageError(`cannot read firmware image ${wasm}: ${(e as Error).message}`);
  }
}

export function compileImage(bytes: Uint8Array, name = 'firmware image'): WebAssembly.Module {
  try {
    return new WebAssembly.Module(bytes as Uint8Array<ArrayBuffer>);
  } catch (e) {
    throw new UsageError(`${name} is not a valid WebAssembly module: ${(e as Error).message}`);
  }
}

export function inspectFirmwareImage(wasm: string | Uint8Array): FirmwareImageInfo {
  const bytes = loadImageBytes(wasm);
  const mod = compileImage(bytes, typeof wasm === 'string' ? wasm : undefined);
  const imports: Record<string, Record<string, () => never>> = {};
  for (const imp of WebAssembly.Module.imports(mod)) {
    (imports[imp.module] ??= {})[imp.name] = () => {
      throw new Error(`import ${imp.module}.${imp.name} called while inspecting`);
    };
  }
  const names = WebAssembly.Module.exports(mod).map((e) => e.name);
  for (const need of ['_start', 'memory', 'fw_plan', 'fw_text', 'fw_heap_base']) {
    if (!names.includes(need)) throw new UsageError(`not a neurite firmware image: export "${need}" is missing`);
  }
  const inst = new WebAssembly.Instance(mod, imports);
  const ex = inst.exports as unknown as ImageExports;
  const buf = ex.memory.buffer;
  const blobAt = ex.fw_plan() >>> 0;
  const textAt = ex.fw_text() >>> 0;
  const words = new Uint32Array(buf.slice(blobAt, blobAt + L.BLOB_HEADER_WORDS * 4));
  const header = readBlobHeader(words);
  const textLen = words[L.H_NAME_OFF] + words[L.H_NAME_LEN];
  const text = new Uint8Array(buf.slice(textAt, textAt + textLen));
  const dec = new TextDecoder();
  const prefix = dec.decode(text.subarray(words[L.H_CK_PREFIX_OFF], words[L.H_CK_PREFIX_OFF] + words[L.H_CK_PREFIX_LEN]));
  const specJson = prefix.slice('{"spec":'.length, prefix.length - ',"stepCount":'.length);
  const spec = validateSpec(JSON.parse(specJson));
  const heapBase = ex.fw_heap_base() >>> 0;
  return {
    pages: buf.byteLength / 65536,
    memoryBytes: buf.byteLength,
    heapBase,
    requiredBytes: Math.ceil(heapBase / 16) * 16 + header.arenaBytes + header.driverBytes,
    header,
    spec,
    modelName: spec.name,
    imports: WebAssembly.Module.imports(mod).map((i) => `${i.module}.${i.name}`),
    bytes: bytes.length,
  };
}
