/**
 * The page's learning worker: it owns the kernels and the runtime, so learning never blocks the
 * page. It compiles the same neurite.<build>.wasm the Node host loads (SIMD if the browser
 * validates it, else the scalar build, which gives identical results), hands the module to the
 * runtime with provideKernelModule, and streams samples through a LearningSession.
 */
/// <reference lib="webworker" />
import { NeuriteError, UsageError } from '../host/errors.js';
import { detectFormat, SNIFF_BYTES } from '../host/events/formats/index.js';
import { concatBatches, type EventBatch } from '../host/events/types.js';
import { planModel, type Plan } from '../host/plan/plan.js';
import { provideKernelModule, type KernelBuild } from '../host/runtime/kernels.js';
import { Runtime } from '../host/runtime/runtime.js';
import { validateSpec } from '../host/spec/validate.js';
import { decodeDemoDigits, DEMO_DIGITS_FILE, DemoSamples, type DigitImages } from './digits.js';
import { MODEL_SPECS } from './models.js';
import { RECENT, type FromWorker, type PlanInfo, type Progress, type Raster, type SampleRef, type ToWorker } from './protocol.js';
import { readZipEntry } from './zip.js';
import { EventRaster, FINGERPRINT_START, fingerprintStep, LearningSession, rasterPopulation } from './session.js';

const scope = self as unknown as DedicatedWorkerGlobalScope;
const EMPTY = new Uint8Array(0);
/** Progress and rasters go to the page at most this often (ms). */
const REPORT_MS = 150;
const RASTER_MS = 400;
/** Longest stretch of work between two looks at the message queue (for Stop). */
const SLICE_MS = 40;
/** Problems listed individually at the end of a run (the rest are counted). */
const MAX_NOTES = 50;

let base = '';
let build: KernelBuild | null = null;
let digits: DigitImages | null = null;
let stopRequested = false;
let busy = false;

function post(m: FromWorker, transfer: Transferable[] = []): void {
  scope.postMessage(m, transfer);
}

async function compile(name: string): Promise<WebAssembly.Module> {
  const url = new URL(name, base);
  const res = await fetch(url);
  if (!res.ok) throw new UsageError(`cannot load ${url.href}: HTTP ${res.status}`);
  // compileStreaming needs the application/wasm type; a server without it still gets a page.
  if ((res.headers.get('content-type') ?? '').startsWith('application/wasm')) return WebAssembly.compileStreaming(res);
  return WebAssembly.compile(await res.arrayBuffer());
}

async function init(forced: KernelBuild | null): Promise<void> {
  let chosen: KernelBuild = forced ?? 'simd';
  let mod: WebAssembly.Module;
  try {
    mod = await compile(`neurite.${chosen}.wasm`);
  } catch (e) {
    if (!(e instanceof WebAssembly.CompileError) || forced !== null) throw e;
    chosen = 'scalar'; // no wasm SIMD in this browser
    mod = await compile('neurite.scalar.wasm');
  }
  provideKernelModule(chosen, mod);
  build = chosen;
  post({ type: 'ready', build: chosen });
}

function planFor(model: string): Plan {
  const raw = MODEL_SPECS.get(model);
  if (raw === undefined) throw new UsageError(`no bundled model "${model}" (have: ${[...MODEL_SPECS.keys()].join(', ')})`);
  return planModel(validateSpec(raw));
}

function planInfo(model: string, plan: Plan, rt: Runtime | null, rasterPop: string | null): PlanInfo {
  const pop = plan.populations.find((p) => p.name === rasterPop) ?? null;
  return {
    model,
    description: plan.spec.description ?? '',
    arenaBytes: plan.arenaBytes,
    memoryBytes: rt?.memoryBytes ?? 0,
    budgetBytes: plan.spec.budgetBytes ?? null,
    regions: plan.regions.map((r) => ({ name: r.name, kind: r.kind, offset: r.offset, bytes: r.bytes })),
    bytesByKind: { ...plan.bytesByKind },
    input: { width: plan.spec.input.width, height: plan.spec.input.height },
    classes: plan.readout?.nClass ?? null,
    rasterPopulation: pop ? { name: pop.name, size: pop.size } : null,
  };
}

function newRuntime(model: string): { rt: Runtime; session: LearningSession } {
  if (build === null) throw new UsageError('the kernels are not loaded yet');
  const rt = new Runtime(planFor(model), build);
  const session = new LearningSession(rt);
  post({ type: 'plan', info: planInfo(model, rt.plan, rt, session.rasterPopulation) });
  return { rt, session };
}

/** Decodes one small file in one go with the registry's decoder for it. */
function decodeWhole(name: string, bytes: Uint8Array): EventBatch {
  const format = detectFormat(name, bytes.subarray(0, SNIFF_BYTES));
  const dec = format.createDecoder({ source: name });
  const parts: EventBatch[] = [];
  let b = dec.push(bytes);
  parts.push(b);
  while (b.length > 0) parts.push((b = dec.push(EMPTY)));
  parts.push(dec.end());
  return concatBatches(parts);
}

const yieldToQueue = (): Promise<void> => new Promise((r) => setTimeout(r, 0));

interface Source {
  readonly count: number;
  get(i: number): Promise<{ name: string; label: number | null; events: EventBatch }>;
}

async function learn(model: string, source: Source): Promise<void> {
  const { rt, session } = newRuntime(model);
  const nClass = rt.plan.readout?.nClass ?? 0;
  const recent: boolean[] = [];
  const skipped: string[] = [];
  let unreported = 0;
  const note = (msg: string): void => {
    if (skipped.length < MAX_NOTES) skipped.push(msg);
    else unreported++;
  };
  let labelled = 0;
  let correct = 0;
  let events = 0;
  let done = 0;
  let last: Progress['last'] = null;
  let fp = FINGERPRINT_START;
  let seconds = 0;
  let lastReport = -Infinity;
  let lastRaster = -Infinity;
  let sliceStart = performance.now();
  const progress = (): Progress => ({
    done, total: source.count, labelled, correct,
    recentCorrect: recent.filter(Boolean).length, recentLabelled: recent.length,
    events, seconds, last, fingerprint: fp.toString(16).padStart(8, '0'),
  });
  for (let i = 0; i < source.count && !stopRequested; i++) {
    let s: Awaited<ReturnType<Source['get']>>;
    try {
      s = await source.get(i);
    } catch (e) {
      if (!(e instanceof NeuriteError)) throw e;
      note(e.message); // a damaged sample is reported and skipped, the run goes on
      done++;
      continue;
    }
    let label = s.label;
    if (label !== null && label >= nClass) {
      note(`${s.name}: label ${label} is outside the model's ${nClass} classes; run without learning`);
      label = null;
    }
    const now = performance.now();
    const wantRaster = now - lastRaster >= RASTER_MS || i === source.count - 1;
    const t0 = performance.now();
    const out = session.observe(s.events, label, wantRaster ? (r: Raster) => post({ type: 'raster', raster: r }, r.input ? [r.spikes.buffer, r.input.events.buffer] : [r.spikes.buffer]) : null);
    seconds += (performance.now() - t0) / 1000;
    if (wantRaster) lastRaster = now;
    events += s.events.length;
    done++;
    if (out.correct !== null) {
      labelled++;
      if (out.correct) correct++;
      recent.push(out.correct);
      if (recent.length > RECENT) recent.shift();
    }
    last = { name: s.name, label, predicted: out.predicted };
    fp = fingerprintStep(fp, out.predicted);
    if (performance.now() - lastReport >= REPORT_MS) {
      post({ type: 'progress', progress: progress() });
      lastReport = performance.now();
    }
    if (performance.now() - sliceStart >= SLICE_MS) {
      await yieldToQueue();
      sliceStart = performance.now();
    }
  }
  if (unreported > 0) skipped.push(`... and ${unreported} more samples skipped or run without learning`);
  post({ type: 'done', progress: progress(), stopped: stopRequested, skipped });
}

async function demoDigits(): Promise<DigitImages> {
  if (!digits) {
    const res = await fetch(new URL(DEMO_DIGITS_FILE, base));
    if (!res.ok) throw new UsageError(`cannot load ${DEMO_DIGITS_FILE}: HTTP ${res.status}`);
    digits = decodeDemoDigits(new Uint8Array(await res.arrayBuffer()));
  }
  return digits;
}

/** Streams a recording of any registered format chunk by chunk and shows its events. */
async function inspect(name: string, file: Blob): Promise<void> {
  const head = new Uint8Array(await file.slice(0, SNIFF_BYTES).arrayBuffer());
  const format = detectFormat(name, head);
  const dec = format.createDecoder({ source: name });
  const raster = new EventRaster(1000, 2000);
  const reader = (file.stream() as ReadableStream<Uint8Array>).getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    let b = dec.push(value);
    raster.push(b);
    while (b.length > 0) raster.push((b = dec.push(EMPTY)));
    dec.takeSideChannels();
    if (stopRequested) {
      await reader.cancel();
      break;
    }
  }
  if (!stopRequested) raster.push(dec.end());
  const geometry = dec.header()?.geometry ?? null;
  const r = raster.raster(`${name}: events by row y (first 2 s; green ON, red OFF)`, geometry?.height ?? null);
  post({ type: 'raster', raster: r }, [r.spikes.buffer]);
  post({ type: 'inspected', name, format: format.id, events: raster.total, durationUs: raster.durationUs, geometry });
}

async function handle(m: ToWorker): Promise<void> {
  switch (m.type) {
    case 'init':
      base = m.base;
      await init(m.build);
      return;
    case 'plan': {
      const plan = planFor(m.model);
      post({ type: 'plan', info: planInfo(m.model, plan, null, rasterPopulation(plan)) });
      return;
    }
    case 'learn': {
      const samples: SampleRef[] = m.samples;
      await learn(m.model, {
        count: samples.length,
        async get(i) {
          const s = samples[i];
          const bytes = s.zip ? await readZipEntry(s.file, s.zip, s.name) : new Uint8Array(await s.file.arrayBuffer());
          return { name: s.name, label: s.label, events: decodeWhole(s.name, bytes) };
        },
      });
      return;
    }
    case 'demo': {
      const d = await demoDigits();
      const raw = MODEL_SPECS.get(m.model);
      const input = raw === undefined ? null : validateSpec(raw).input;
      const gen = new DemoSamples(d, m.seed, input ?? { width: 34, height: 34 });
      await learn(m.model, {
        count: m.count,
        async get(i) {
          return { name: `demo digit ${i + 1}`, label: gen.label(i), events: gen.events(i) };
        },
      });
      return;
    }
    case 'inspect':
      // A recording inside a zip archive is inflated whole first; a plain file is streamed.
      await inspect(m.name, m.zip ? new Blob([await readZipEntry(m.file, m.zip, m.name)]) : m.file);
      return;
    case 'stop':
      return;
  }
}

scope.onmessage = (ev: MessageEvent<ToWorker>) => {
  const m = ev.data;
  if (m.type === 'stop') {
    stopRequested = busy;
    return;
  }
  const long = m.type === 'learn' || m.type === 'demo' || m.type === 'inspect';
  if (long && busy) {
    post({ type: 'error', message: 'a run is in progress: stop it first' });
    return;
  }
  if (long) {
    busy = true;
    stopRequested = false;
  }
  handle(m)
    .catch((e: unknown) => {
      const msg = e instanceof NeuriteError ? e.message : e instanceof Error ? `${e.name}: ${e.message}` : String(e);
      post({ type: 'error', message: msg });
    })
    .finally(() => {
      if (long) busy = false;
    });
};
