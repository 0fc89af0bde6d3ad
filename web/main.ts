/**
 * The page: picks files or makes demo digits, starts the worker, and draws what it reports
 * (running accuracy, a spike raster, the arena's memory map). All learning happens in
 * web/worker.ts, so the page stays responsive while it runs.
 */
import { MODEL_SPECS, DEFAULT_MODEL } from './models.js';
import type { FromWorker, PlanInfo, Progress, Raster, SampleRef, ToWorker } from './protocol.js';
import { collectSamples, type Collected, type PickedFile } from './samples.js';

const $ = <T extends HTMLElement>(id: string): T => {
  const el = document.getElementById(id);
  if (!el) throw new Error(`page element #${id} is missing`);
  return el as T;
};

const ui = {
  files: $<HTMLInputElement>('files'),
  folder: $<HTMLInputElement>('folder'),
  picked: $<HTMLParagraphElement>('picked'),
  model: $<HTMLSelectElement>('model'),
  modelInfo: $<HTMLParagraphElement>('model-info'),
  start: $<HTMLButtonElement>('start'),
  stop: $<HTMLButtonElement>('stop'),
  demo: $<HTMLButtonElement>('demo'),
  demoCount: $<HTMLInputElement>('demo-count'),
  status: $<HTMLParagraphElement>('status'),
  progress: $<HTMLProgressElement>('progress'),
  accuracy: $<HTMLOutputElement>('accuracy'),
  recent: $<HTMLOutputElement>('recent'),
  speed: $<HTMLOutputElement>('speed'),
  last: $<HTMLOutputElement>('last'),
  fingerprint: $<HTMLOutputElement>('fingerprint'),
  raster: $<HTMLCanvasElement>('raster'),
  rasterCaption: $<HTMLParagraphElement>('raster-caption'),
  memBar: $<HTMLDivElement>('memory-bar'),
  memTotal: $<HTMLParagraphElement>('memory-total'),
  regions: $<HTMLTableSectionElement>('regions'),
  log: $<HTMLUListElement>('log'),
};

const KIND_COLOURS: Record<string, string> = {
  params: '#8e7cc3', neuronState: '#e69138', weights: '#3d85c6', traces: '#6aa84f', input: '#c27ba0',
  spikes: '#cc0000', features: '#f1c232', readout: '#45818e', counters: '#999999', prng: '#b45f06',
  clock: '#674ea7', program: '#38761d',
};

let picked: Collected = { samples: [], recordings: [], labelTable: null };
let running = false;

function setState(state: 'loading' | 'ready' | 'running' | 'done' | 'error', text: string): void {
  ui.status.dataset.state = state;
  ui.status.textContent = text;
  running = state === 'running';
  ui.start.disabled = running || (picked.samples.length === 0 && picked.recordings.length === 0) || state === 'loading';
  ui.demo.disabled = running || state === 'loading';
  ui.stop.disabled = !running;
  ui.model.disabled = running;
}

function log(text: string, kind: 'info' | 'warn' = 'info'): void {
  const li = document.createElement('li');
  li.textContent = text;
  li.className = kind;
  ui.log.prepend(li);
  while (ui.log.children.length > 200) ui.log.lastElementChild?.remove();
}

const pct = (a: number, b: number): string => (b === 0 ? '–' : `${((100 * a) / b).toFixed(1)}%`);

function showProgress(p: Progress): void {
  ui.progress.max = Math.max(p.total, 1);
  ui.progress.value = p.done;
  ui.accuracy.textContent = p.labelled > 0 ? `${pct(p.correct, p.labelled)} (${p.correct}/${p.labelled})` : 'no labelled samples yet';
  ui.accuracy.dataset.correct = String(p.correct);
  ui.accuracy.dataset.labelled = String(p.labelled);
  ui.fingerprint.textContent = p.fingerprint;
  ui.recent.textContent = p.recentLabelled > 0 ? `${pct(p.recentCorrect, p.recentLabelled)} over the last ${p.recentLabelled}` : '–';
  ui.speed.textContent = p.seconds > 0 ? `${(p.done / p.seconds).toFixed(0)} samples/s, ${(p.events / p.seconds / 1e6).toFixed(2)} M events/s` : '–';
  if (p.last) {
    const l = p.last;
    ui.last.textContent = `${l.name}: ${l.label === null ? 'no label' : `label ${l.label}`}, predicted ${l.predicted ?? '–'}`;
  }
}

/** Draws (step, row) pairs into a band of the canvas; dots are at least 2 px so sparse spikes show. */
function drawPairs(g: CanvasRenderingContext2D, pairs: Uint32Array, n: number, pol: Uint8Array | null, steps: number, rows: number,
  top: number, height: number, width: number, colour: string): void {
  const sx = width / Math.max(steps, 1);
  const sy = height / Math.max(rows, 1);
  const w = Math.max(2, sx);
  const h = Math.max(2, sy);
  for (let k = 0; k < n; k++) {
    g.fillStyle = pol ? (pol[k] ? '#5fd35f' : '#ef5350') : colour;
    g.fillRect(pairs[2 * k] * sx, top + pairs[2 * k + 1] * sy, w, h);
  }
}

function drawRaster(r: Raster): void {
  const c = ui.raster;
  const g = c.getContext('2d');
  if (!g) return;
  g.fillStyle = '#101418';
  g.fillRect(0, 0, c.width, c.height);
  let top = 0;
  if (r.input) {
    // The sample's input events above the spikes, on the same time axis.
    const band = Math.round(c.height * 0.3);
    g.globalAlpha = 0.6;
    drawPairs(g, r.input.events, r.input.events.length / 2, r.input.polarity, r.steps, r.input.rows, 0, band - 4, c.width, '');
    g.globalAlpha = 1;
    g.fillStyle = '#3a434d';
    g.fillRect(0, band - 2, c.width, 1);
    top = band;
  }
  drawPairs(g, r.spikes, r.count, r.polarity, r.steps, r.rows, top, c.height - top, c.width, '#ffd54a');
  ui.raster.dataset.spikes = String(r.count);
  ui.rasterCaption.textContent = r.input
    ? `top: the sample's input events by sensor row (green ON, red OFF); below: ${r.title}, ${r.count} spikes while the network ran ` +
      `free on it, over ${(r.steps * r.stepMs).toFixed(0)} ms (time →, neuron ↓)`
    : `${r.title}: ${r.count} ${r.polarity ? 'events' : 'spikes'} over ${(r.steps * r.stepMs).toFixed(0)} ms (time →, ${r.polarity ? 'row' : 'neuron'} ↓)`;
}

function fmtBytes(n: number): string {
  return n >= 1 << 20 ? `${(n / (1 << 20)).toFixed(2)} MiB` : n >= 1024 ? `${(n / 1024).toFixed(1)} KiB` : `${n} B`;
}

function showPlan(p: PlanInfo): void {
  ui.modelInfo.textContent = p.description;
  ui.memBar.replaceChildren();
  for (const [kind, bytes] of Object.entries(p.bytesByKind)) {
    if (bytes === 0) continue;
    const d = document.createElement('div');
    d.style.flexGrow = String(bytes);
    d.style.background = KIND_COLOURS[kind] ?? '#777';
    d.title = `${kind}: ${fmtBytes(bytes)}`;
    d.textContent = bytes / p.arenaBytes > 0.08 ? kind : '';
    ui.memBar.append(d);
  }
  ui.memTotal.textContent = `arena ${fmtBytes(p.arenaBytes)} (${p.arenaBytes} bytes)` +
    (p.budgetBytes !== null ? ` of a ${fmtBytes(p.budgetBytes)} budget` : '') +
    (p.memoryBytes > 0 ? `; WebAssembly memory ${fmtBytes(p.memoryBytes)} incl. kernel data, fixed (never grows)` : '');
  ui.memTotal.dataset.arenaBytes = String(p.arenaBytes);
  ui.regions.replaceChildren(
    ...p.regions.map((r) => {
      const tr = document.createElement('tr');
      tr.dataset.name = r.name;
      tr.dataset.kind = r.kind;
      tr.dataset.bytes = String(r.bytes);
      const swatch = `<span class="swatch" style="background:${KIND_COLOURS[r.kind] ?? '#777'}"></span>`;
      tr.innerHTML = `<td></td><td>${swatch}${r.kind}</td><td class="num">${r.offset}</td><td class="num">${r.bytes}</td>`;
      (tr.firstElementChild as HTMLElement).textContent = r.name;
      return tr;
    }),
  );
}

const worker = new Worker(new URL('./worker.ts', import.meta.url), { type: 'module' });
const send = (m: ToWorker): void => worker.postMessage(m);

worker.onmessage = (ev: MessageEvent<FromWorker>) => {
  const m = ev.data;
  switch (m.type) {
    case 'ready':
      setState('ready', `ready: ${m.build === 'simd' ? 'WebAssembly SIMD' : 'scalar WebAssembly (no SIMD in this browser)'} kernels loaded`);
      ui.status.dataset.build = m.build;
      send({ type: 'plan', model: ui.model.value });
      return;
    case 'plan':
      showPlan(m.info);
      return;
    case 'progress':
      showProgress(m.progress);
      return;
    case 'raster':
      drawRaster(m.raster);
      return;
    case 'done':
      showProgress(m.progress);
      for (const s of m.skipped) log(s, 'warn');
      setState('done', `${m.stopped ? 'stopped' : 'finished'}: ${m.progress.done} of ${m.progress.total} samples, ` +
        `${m.progress.labelled} labelled, test-then-train accuracy ${pct(m.progress.correct, m.progress.labelled)}`);
      return;
    case 'inspected':
      ui.status.dataset.format = m.format;
      ui.status.dataset.events = String(m.events);
      setState('done', `${m.name}: ${m.format}, ${m.events} events over ${(m.durationUs / 1e6).toFixed(3)} s` +
        (m.geometry ? `, sensor ${m.geometry.width}x${m.geometry.height}` : ''));
      return;
    case 'error':
      log(m.message, 'warn');
      setState('error', `error: ${m.message}`);
      return;
  }
};
worker.onerror = (ev) => setState('error', `worker failed: ${ev.message}`);

for (const name of MODEL_SPECS.keys()) {
  const o = document.createElement('option');
  o.value = name;
  o.textContent = name;
  ui.model.append(o);
}
ui.model.value = MODEL_SPECS.has(DEFAULT_MODEL) ? DEFAULT_MODEL : (MODEL_SPECS.keys().next().value ?? '');
ui.model.onchange = () => send({ type: 'plan', model: ui.model.value });

async function pick(list: FileList | null): Promise<void> {
  const files: PickedFile[] = Array.from(list ?? [], (f) => ({ name: f.name, webkitRelativePath: f.webkitRelativePath, file: f, text: () => f.text() }));
  try {
    picked = await collectSamples(files);
  } catch (e) {
    picked = { samples: [], recordings: [], labelTable: null };
    log((e as Error).message, 'warn');
  }
  const labelled = picked.samples.filter((s) => s.label !== null).length;
  ui.picked.textContent = `${picked.samples.length} samples (${labelled} labelled${picked.labelTable ? ` by ${picked.labelTable}` : ''})` +
    (picked.recordings.length > 0 ? `, ${picked.recordings.length} other recording(s): ${picked.recordings.map((r) => r.name).slice(0, 3).join(', ')}` : '');
  ui.picked.dataset.samples = String(picked.samples.length);
  ui.picked.dataset.labelled = String(labelled);
  if (running) return; // the new choice is used by the next Start
  setState('ready', picked.samples.length > 0 ? 'ready to learn: press Start' : picked.recordings.length > 0 ? 'ready to show the recording: press Start' : 'nothing to learn from in that selection');
}
ui.files.onchange = () => void pick(ui.files.files);
ui.folder.onchange = () => void pick(ui.folder.files);

ui.start.onclick = () => {
  if (picked.samples.length > 0) {
    const samples: SampleRef[] = picked.samples;
    setState('running', `learning from ${samples.length} samples…`);
    send({ type: 'learn', model: ui.model.value, samples });
  } else if (picked.recordings.length > 0) {
    const r = picked.recordings[0];
    setState('running', `reading ${r.name}…`);
    send({ type: 'inspect', name: r.name, file: r.file, zip: r.zip });
  }
};
ui.demo.onclick = () => {
  const count = Math.max(1, Math.min(10000, Math.floor(Number(ui.demoCount.value)) || 300));
  setState('running', `generating and learning ${count} demo digits…`);
  send({ type: 'demo', model: ui.model.value, count, seed: 1 });
};
ui.stop.onclick = () => send({ type: 'stop' });

setState('loading', 'loading the kernels…');
// `?build=scalar` (or simd) forces a kernel build; both give the same results, bit for bit.
const forced = new URLSearchParams(location.search).get('build');
if (forced !== null && forced !== 'simd' && forced !== 'scalar') log(`ignoring ?build=${forced}: use simd or scalar`, 'warn');
send({ type: 'init', base: document.baseURI, build: forced === 'simd' || forced === 'scalar' ? forced : null });
