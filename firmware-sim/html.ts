/**
 * The self-contained HTML page of `neurite profile --report OUT`: inline CSS and inline SVG
 * charts, no scripts and no external resources, so it can be mailed, archived or opened offline.
 * It shows the devices side by side, then per device the memory map, cycles and energy by kernel
 * and by layer, the supply current over a duty-cycled period, real time, battery life and the
 * three views, all labelled as an estimate of a simulated system.
 */
import { formatBytes } from '../host/report/format.js';
import { count, pct, si } from './format.js';
import type { DeviceReport, ProfileReport } from './profile.js';
import { barChart, currentChart, esc, PALETTE, stackedChart, type CurrentSeries, type StackPart } from './svg.js';

const range = (a: number, b: number, f: (x: number) => string) => `${f(a)} – ${f(b)}`;
const J = (x: number) => si(x, 'J');
const W = (x: number) => si(x, 'W');
const ms = (x: number) => `${x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2)} ms`;
const life = (days: number) => (days >= 365 ? `${(days / 365).toFixed(1)} years` : days >= 2 ? `${days.toFixed(0)} days` : `${(days * 24).toFixed(1)} hours`);

function tableHtml(head: readonly string[], rows: readonly (readonly string[])[], numeric: readonly boolean[] = []): string {
  const th = head.map((h, i) => `<th${numeric[i] ? ' class="r"' : ''}>${esc(h)}</th>`).join('');
  const tr = rows.map((r) => `<tr>${r.map((c, i) => `<td${numeric[i] ? ' class="r"' : ''}>${esc(c)}</td>`).join('')}</tr>`).join('\n');
  return `<table><thead><tr>${th}</tr></thead><tbody>\n${tr}\n</tbody></table>`;
}

const CSS = `
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;color:#222;margin:0;background:#fafafa}
main{max-width:1080px;margin:0 auto;padding:16px 24px 48px;background:#fff}
h1{font-size:22px;margin:8px 0 4px}h2{font-size:18px;margin:28px 0 6px;border-bottom:2px solid #4e79a7;padding-bottom:2px}
h3{font-size:15px;margin:18px 0 6px}
.badge{display:inline-block;background:#fff4d6;border:1px solid #e0b84a;border-radius:3px;padding:1px 6px;font-size:12px;font-weight:600}
.refused{background:#fde8e8;border:1px solid #e15759;padding:6px 10px;border-radius:3px}
.warn{color:#8a4b00}
table{border-collapse:collapse;margin:6px 0 10px;font-size:13px}
th,td{border:1px solid #ddd;padding:3px 7px;vertical-align:top}th{background:#f2f4f7;text-align:left}
td.r,th.r{text-align:right;font-variant-numeric:tabular-nums}
svg.chart{display:block;margin:8px 0 12px;font-size:12px}
svg .ct{font-weight:600;font-size:13px}svg .cn{fill:#333}svg .cl{fill:#444;font-size:11px}
details>summary{cursor:pointer;font-weight:600;margin:6px 0}
.small{font-size:12px;color:#555}
code{background:#f2f2f2;padding:0 3px;border-radius:2px}
`;

/** Colours per arena kind and memory item, stable across devices. */
const SRAM_KEYS = [
  { key: 'module data', color: '#bab0ac' },
  { key: 'plastic weights', color: '#e15759', pattern: true },
  { key: 'static weights', color: '#f28e2b' },
  { key: 'traces', color: '#b07aa1', pattern: true },
  { key: 'neuron state', color: '#ff9da7', pattern: true },
  { key: 'readout weights', color: '#9c755f', pattern: true },
  { key: 'input buffer', color: '#76b7b2' },
  { key: 'other arena', color: '#59a14f' },
  { key: 'page rounding', color: '#dddddd' },
  { key: 'stack', color: '#4e79a7' },
  { key: 'engine data', color: '#17becf' },
  { key: 'kernel code in RAM', color: '#8c564b' },
];
const FLASH_KEYS = [
  { key: 'wasm engine', color: '#17becf' },
  { key: 'kernel code', color: '#8c564b' },
  { key: 'model image', color: '#f28e2b' },
  { key: 'checkpoint slots', color: '#e15759' },
];
const PHASE_KEYS = [
  { key: 'prediction pass', color: '#4e79a7' },
  { key: 'readout', color: '#edc948' },
  { key: 'plasticity pass', color: '#e15759' },
];
const ENERGY_KEYS = [
  { key: 'compute', color: '#4e79a7' },
  { key: 'static while awake', color: '#76b7b2' },
  { key: 'wake-up', color: '#edc948' },
  { key: 'sleep / idle', color: '#bab0ac' },
];

function sramParts(d: DeviceReport): StackPart[] {
  const m = d.memory;
  const k = m.arenaByKind;
  const staticW = Math.max(0, k.weights - m.plasticWeightBytes);
  const other = k.params + k.spikes + k.features + k.counters + k.prng + k.clock + k.program;
  const item = (name: string) => m.sram.find((i) => i.name === name)?.bytes ?? 0;
  return [
    { key: 'module data', value: m.moduleDataBytes },
    { key: 'plastic weights', value: m.plasticWeightBytes },
    { key: 'static weights', value: staticW },
    { key: 'traces', value: k.traces },
    { key: 'neuron state', value: k.neuronState },
    { key: 'readout weights', value: k.readout },
    { key: 'input buffer', value: k.input },
    { key: 'other arena', value: other, title: `other arena: ${formatBytes(other)} (parameter blocks ${k.params} B, spike lists ${k.spikes} B, features ${k.features} B, counters ${k.counters} B, PRNG ${k.prng} B, clock ${k.clock} B, schedule ${k.program} B)` },
    { key: 'page rounding', value: m.pageRoundingBytes },
    { key: 'stack', value: item('stack') },
    { key: 'engine data', value: item('engine data') },
    { key: 'kernel code in RAM', value: item('kernel code in RAM') },
  ];
}

function flashParts(d: DeviceReport): StackPart[] {
  const m = d.memory;
  const item = (prefix: string) => m.flash.filter((i) => i.name.startsWith(prefix)).reduce((s, i) => s + i.bytes, 0);
  return [
    { key: 'wasm engine', value: item('wasm engine') },
    { key: 'kernel code', value: item('kernel code') },
    { key: 'model image', value: item('model image') },
    { key: 'checkpoint slots', value: item('checkpoint slots') },
  ];
}

function memorySection(d: DeviceReport): string {
  const m = d.memory;
  let h = '<h3>Memory map</h3>';
  h += stackedChart([
    { label: `SRAM (${formatBytes(m.device_sramBytes)})`, parts: sramParts(d), capacity: m.device_sramBytes, note: `${formatBytes(m.sramBytes)} = ${pct(m.sramBytes / m.device_sramBytes)}` },
  ], { title: 'SRAM by region (hatched: learning state, checkpointed); black mark = device SRAM', fmt: formatBytes, keys: SRAM_KEYS, width: 820, labelWidth: 150 });
  h += stackedChart([
    { label: `flash (${formatBytes(m.device_flashBytes)})`, parts: flashParts(d), capacity: m.device_flashBytes, note: `${formatBytes(m.flashBytes)} = ${pct(m.flashBytes / m.device_flashBytes)}` },
  ], { title: 'flash by region; black mark = device flash', fmt: formatBytes, keys: FLASH_KEYS, width: 820, labelWidth: 150 });
  const rows: string[][] = [];
  for (const i of m.sram) rows.push([`SRAM: ${i.name}`, String(i.bytes), i.note ?? '']);
  rows.push(['SRAM total', `${m.sramBytes} / ${m.device_sramBytes}`, `${pct(m.sramBytes / m.device_sramBytes)}; linear memory ${m.linearMemoryBytes} B vs largest contiguous block ${m.device_largestBlockBytes} B`]);
  for (const i of m.flash) rows.push([`flash: ${i.name}`, String(i.bytes), i.note ?? '']);
  rows.push(['flash total', `${m.flashBytes} / ${m.device_flashBytes}`, pct(m.flashBytes / m.device_flashBytes)]);
  h += tableHtml(['item', 'bytes', 'note'], rows, [false, true, false]);
  h += `<p class="small">Arena ${m.arenaBytes} B by kind: ${esc(Object.entries(m.arenaByKind).filter(([, b]) => b > 0).map(([k, b]) => `${k} ${b}`).join(', '))}. ` +
    `Learning state (what a checkpoint carries) ${m.learnedStateBytes} B, of which plastic weights ${m.plasticWeightBytes} B and traces ${m.traceBytes} B; one checkpoint ${m.checkpointBytes} B.</p>`;
  return h;
}

function seriesOf(d: DeviceReport, i: number): CurrentSeries {
  const c = d.current!;
  return { name: `${d.device.id} (${c.supplyV} V)`, color: PALETTE[i % PALETTE.length], periodS: c.periodS, segments: c.segments };
}

function burstEnd(ds: readonly DeviceReport[]): number {
  const ends = ds.map((d) => {
    const segs = d.current!.segments;
    const last = segs[segs.length - 1];
    return segs.length > 1 && last.t1 === d.current!.periodS && last.t0 > 0 ? last.t0 : d.current!.periodS;
  });
  return Math.max(...ends) * 1.25;
}

function deviceSection(d: DeviceReport): string {
  let h = `<section id="dev-${esc(d.device.id)}"><h2>${esc(d.device.name)}</h2>`;
  h += `<p>${esc(d.device.core)}; ${d.device.mhz} MHz; wasm ${esc(d.mode)} (${esc(d.build)} kernel build). <span class="badge">${esc(d.label)}</span></p>`;
  h += memorySection(d);
  if (d.refused) {
    h += `<p class="refused"><b>Refused before running:</b> ${esc(d.refused)}</p></section>`;
    return h;
  }
  const c = d.cycles!;
  const t = d.time!;
  const e = d.energy!;
  h += '<h3>Cycles and energy by kernel</h3>';
  h += `<p>${count(c.lowerPerSample)} – ${count(c.upperPerSample)} cycles per sample: instruction model ${count(c.isaPerSample)} + instruction-fetch stalls ${count(c.fetchStallPerSample)} + data stalls ${count(c.dataStallPerSample)}; the upper end multiplies by κ = ${c.kappa.toFixed(2)}, the factor by which the same cost tables under-predicted MLPerf Tiny keyword spotting. ${count(c.instructionsPerSample)} wasm instructions per sample; ${esc(c.stallNote)}.</p>`;
  h += barChart(c.byKernel.map((k, i) => ({ label: k.kernel, value: k.cyclesPerSample, upper: k.cyclesPerSample * c.kappa, color: PALETTE[i % PALETTE.length], note: `${count(k.cyclesPerSample)}–${count(k.cyclesPerSample * c.kappa)}, ${si(k.computeJPerSample[0], 'J', 1)}–${si(k.computeJPerSample[1], 'J', 1)}`, title: `${k.kernel}: ${pct(k.share)} of the cycles` })), { title: 'cycles per sample by kernel (solid: lower, light: up to the upper estimate) and compute energy', fmt: count, width: 820, labelWidth: 170 });
  h += '<h3>Cycles and energy by layer</h3>';
  h += stackedChart(c.byLayer.map((l) => ({
    label: `${l.layer} (${l.kind})`,
    parts: [
      { key: 'prediction pass', value: l.byPhase.infer },
      { key: 'readout', value: l.byPhase.readout },
      { key: 'plasticity pass', value: l.byPhase.learn },
    ],
    note: `${count(l.cyclesPerSample)} cycles, ${pct(l.share)}`,
  })), { title: 'cycles per sample (lower estimate) by layer and phase of the learning loop', fmt: count, keys: PHASE_KEYS, width: 820, labelWidth: 220 });
  h += tableHtml(['layer', 'kind', 'ops', 'cycles/sample (lower)', 'share', 'compute energy/sample', 'largest kernels'], c.byLayer.map((l) => [
    l.layer, l.kind, l.ops.join('; '), count(l.cyclesPerSample), pct(l.share), range(l.computeJPerSample[0], l.computeJPerSample[1], J),
    l.byKernel.slice(0, 3).map((k) => `${k.kernel} ${pct(k.cyclesPerSample / Math.max(l.cyclesPerSample, 1e-300))}`).join(', '),
  ]), [false, false, false, true, true, true, false]);
  h += '<details><summary>by counter class (what drives the cycles)</summary>';
  h += tableHtml(['counter class', 'ops/sample', 'instr/op', 'cycles/op', 'cycles/sample', 'share', 'compute energy'], c.byCounter.map((r) => [r.counter, count(r.perSample), r.instructionsPerOp.toFixed(1), r.cyclesPerOp.toFixed(1), count(r.cyclesPerSample), pct(r.share), J(r.computeJPerSample)]), [false, true, true, true, true, true, true]);
  h += '</details>';

  h += '<h3>Time and energy per sample</h3>';
  h += `<p>${range(t.lowerMsPerSample, t.upperMsPerSample, ms)} of compute for a ${ms(t.streamMsPerSample)} event stream: CPU load up to ${pct(t.cpuLoad)}${t.cpuLoad > 1 ? ' — <b>cannot keep up with the stream</b>' : ''}.</p>`;
  const el = e.lower;
  const eu = e.upper;
  h += `<p>${el.kind === 'mcu' ? `${el.operatingPoint!.uaPerMHz} µA/MHz × ${el.voltageV} V = ${el.pJPerCycle.toFixed(0)} pJ/cycle (${esc(el.operatingPoint!.regulator)}, ${esc(el.operatingPoint!.confidence)})` : `gateway: ${el.activePowerW.toFixed(2)} W while computing (idle + one core)`}; one sample every ${el.periodSeconds.toFixed(3)} s.</p>`;
  h += tableHtml(['per sample', 'lower', 'upper'], [
    ['compute (cycles × energy per cycle)', J(el.computeJ), J(eu.computeJ)],
    ['static while awake', J(el.staticJ), J(eu.staticJ)],
    ['wake-up', J(el.wakeJ), J(eu.wakeJ)],
    [`${el.sleep ? el.sleep.name : 'sleep'} between samples`, J(el.sleepJ), J(eu.sleepJ)],
    ['total', J(el.totalJ), J(eu.totalJ)],
    ['average power', W(el.averagePowerW), W(eu.averagePowerW)],
  ], [false, true, true]);
  if (d.current) {
    const cur = d.current;
    h += '<h3>Supply current over time</h3>';
    h += `<p>${cur.estimate} cycle estimate; active ${si(cur.activeA, 'A')}, ${d.device.class === 'gateway' ? 'idle' : 'sleep'} ${si(cur.sleepA, 'A')}, peak ${si(cur.peakA, 'A')}, average ${si(cur.averageA, 'A')} at ${cur.supplyV} V. The CSV next to this page holds the same trace sampled like a power-analyser export.</p>`;
    h += currentChart([seriesOf(d, 0)], { title: `two sample periods (${(2 * cur.periodS).toPrecision(3)} s)`, from: 0, to: 2 * cur.periodS });
    h += currentChart([seriesOf(d, 0)], { title: 'zoom on one wake-up and active burst (shaded: phases of the learning loop)', from: 0, to: Math.min(cur.periodS, burstEnd([d])), shadePhases: true });
    if (cur.notes.length) h += `<p class="small">${esc(cur.notes.join('; '))}</p>`;
  }
  const rt = d.realtime;
  if (rt) {
    h += '<h3>Real time</h3>';
    h += `<p>${esc(rt.policy)}, queue of ${rt.queueEvents} events, deadline ${(rt.deadlineUs / 1e3).toFixed(1)} ms after each step window: CPU load ${pct(rt.cpuLoad)}, queue high-water mark ${rt.queueHighWater}, dropped ${rt.dropped} of ${rt.events} events, deadline misses ${rt.deadlineMisses} of ${rt.steps} steps, latency p50 ${ms(rt.latencyUs.p50 / 1e3)} / p95 ${ms(rt.latencyUs.p95 / 1e3)} / p99 ${ms(rt.latencyUs.p99 / 1e3)}. ${rt.keepsUp ? 'Keeps up.' : '<b>Does not keep up.</b>'}</p>`;
  }
  if (d.battery) {
    h += '<h3>Battery life</h3>';
    h += tableHtml(['battery (upper estimate)', 'life', 'average power', 'active current', 'flag'], d.battery.map((b) => [b.battery, life(b.lifetimeDays), W(b.averagePowerW), `${b.activeCurrentMA.toFixed(2)} mA`, b.flag ?? 'ok']), [false, true, true, true, false]);
  }
  if (d.checkpointWear) {
    const cw = d.checkpointWear;
    h += `<p>Checkpoint every ${cw.intervalSamples} samples: the flash wears out after ${count(cw.checkpointsToWearOut)} checkpoints = ${cw.daysToWearOut.toFixed(0)} days at this rate (endurance ${cw.enduranceCycles} cycles, ${esc(cw.enduranceConfidence)}).</p>`;
  }
  const v = d.views!;
  const nb = v.neuroBench;
  h += '<h3>Three views of one sample</h3>';
  h += tableHtml(['view', 'figure'], [
    ['NeuroBench-style counts (inference pass)', `footprint ${formatBytes(nb.footprintBytes)}, connection sparsity ${nb.connectionSparsity.toFixed(3)}, activation sparsity ${nb.activationSparsity.toFixed(4)}; effective ACs ${count(nb.effectiveACs)}, effective MACs ${count(nb.effectiveMACs)}, dense ops ${count(nb.dense)}, membrane updates ${count(nb.membraneUpdates)}; learning pass ${count(nb.learning.weightUpdates)} weight updates, ${count(nb.learning.traceUpdates)} trace updates`],
    ['45 nm compute-only (SNN literature)', `${J(v.literature45nm.energyPerSampleJ)} (AC ${v.literature45nm.acPJ} pJ, MAC ${v.literature45nm.macPJ} pJ; no memory, control or static energy)`],
    [`device: ${d.label}`, `inference pass compute ${range(v.device.inferencePassComputeJ[0], v.device.inferencePassComputeJ[1], J)}; whole learning loop ${range(v.device.energyPerSampleJ[0], v.device.energyPerSampleJ[1], J)}`],
  ]);
  if (d.warnings.length) h += `<ul class="warn">${d.warnings.map((w) => `<li>${esc(w)}</li>`).join('')}</ul>`;
  return h + '</section>';
}

function comparison(r: ProfileReport): string {
  const ok = r.devices.filter((d) => !d.refused);
  let h = '<h2>Devices side by side</h2>';
  const rows = r.devices.map((d) => {
    if (d.refused) return [d.device.id, `${d.device.coreFamily} ${d.device.mhz} MHz`, 'no', pct(d.memory.sramBytes / d.memory.device_sramBytes), pct(d.memory.flashBytes / d.memory.device_flashBytes), '–', '–', '–', '–', '–', '–'];
    const cr = d.battery?.find((b) => b.battery === 'cr2032');
    return [
      d.device.id, `${d.device.coreFamily} ${d.device.mhz} MHz`, 'yes',
      pct(d.memory.sramBytes / d.memory.device_sramBytes), pct(d.memory.flashBytes / d.memory.device_flashBytes),
      range(d.time!.lowerMsPerSample, d.time!.upperMsPerSample, ms), pct(d.time!.cpuLoad),
      range(d.energy!.lower.totalJ, d.energy!.upper.totalJ, J), range(d.energy!.lower.averagePowerW, d.energy!.upper.averagePowerW, W),
      cr ? `${life(cr.lifetimeDays)}${cr.flag ? ' (flag)' : ''}` : '–',
      d.realtime ? (d.realtime.keepsUp ? 'yes' : `no: ${d.realtime.dropped} dropped, ${d.realtime.deadlineMisses} late steps`) : '–',
    ];
  });
  h += tableHtml(['device', 'core', 'fits', 'SRAM', 'flash', 'compute time/sample', 'CPU load', 'energy/sample', 'average power', 'CR2032 life', 'real time'], rows, [false, false, false, true, true, true, true, true, true, true, false]);
  if (ok.length === 0) return h + '<p class="refused">The model fits none of these devices: it was not run.</p>';
  h += barChart(ok.map((d, i) => ({ label: d.device.id, value: d.time!.lowerMsPerSample, upper: d.time!.upperMsPerSample, color: PALETTE[i % PALETTE.length], note: `${range(d.time!.lowerMsPerSample, d.time!.upperMsPerSample, ms)} (stream ${ms(d.time!.streamMsPerSample)})` })),
    { title: 'compute time per sample (solid: lower, light: upper estimate)', fmt: ms, width: 820, labelWidth: 140 });
  h += stackedChart(ok.map((d) => {
    const e = d.energy!.upper;
    return { label: d.device.id, parts: [
      { key: 'compute', value: e.computeJ }, { key: 'static while awake', value: e.staticJ }, { key: 'wake-up', value: e.wakeJ }, { key: 'sleep / idle', value: e.sleepJ },
    ], note: `${J(e.totalJ)}, avg ${W(e.averagePowerW)}` };
  }), { title: `energy per sample, upper estimate, by term (one sample every ${ok[0].energy!.upper.periodSeconds.toFixed(3)} s)`, fmt: J, keys: ENERGY_KEYS, width: 820, labelWidth: 140 });
  h += stackedChart(ok.map((d) => ({ label: d.device.id, parts: d.cycles!.byLayer.map((l) => ({ key: l.layer, value: l.cyclesPerSample })), note: count(d.cycles!.lowerPerSample) + ' cycles' })),
    { title: 'share of the cycles by layer (lower estimate)', fmt: count, normalize: true, width: 820, labelWidth: 140 });
  h += stackedChart(r.devices.map((d) => ({ label: d.device.id, parts: sramParts(d), capacity: d.memory.device_sramBytes, note: `${pct(d.memory.sramBytes / d.memory.device_sramBytes)} of ${formatBytes(d.memory.device_sramBytes)}` })),
    { title: 'SRAM needed vs device SRAM (black mark); hatched: learning state', fmt: formatBytes, keys: SRAM_KEYS, width: 820, labelWidth: 140, max: Math.max(...r.devices.map((d) => Math.max(d.memory.sramBytes, Math.min(d.memory.device_sramBytes, 4 * d.memory.sramBytes)))) });
  const withCurrent = ok.filter((d) => d.current !== null);
  if (withCurrent.length > 0) {
    const series = withCurrent.map((d, i) => seriesOf(d, i));
    const period = Math.max(...withCurrent.map((d) => d.current!.periodS));
    h += currentChart(series, { title: `supply current, two sample periods (upper cycle estimate; MCUs at their supply voltage, gateways at 5 V)`, from: 0, to: 2 * period, height: 260 });
    h += currentChart(series, { title: 'zoom on the wake-up and active burst', from: 0, to: Math.min(period, burstEnd(withCurrent)), height: 260 });
  }
  return h;
}

export interface HtmlOptions {
  /** File name of the current CSV written next to the page (linked relatively). */
  readonly csvName?: string;
  readonly jsonName?: string;
  /** The command line that produced the report. */
  readonly command?: string;
}

export function profileHtml(r: ProfileReport, o: HtmlOptions = {}): string {
  const w = r.workload;
  let body = `<h1>neurite profile: ${esc(r.model)}</h1>`;
  body += `<p><span class="badge">${esc(r.label)}</span> Nothing on this page was measured on the devices: it is the firmware simulator's model of this runtime on them, with the lower–upper range explained below.</p>`;
  body += `<p>Workload: ${w.samples} samples of ${esc(w.source)}; learning ${w.learn ? 'on' : 'off'}; ${w.eventsPerSample.toFixed(0)} events and ${w.stepsPerSample.toFixed(0)} network steps per sample (a ${ms(w.streamMsPerSample)} event stream). Arena ${r.arenaBytes} B.</p>`;
  if (o.command) body += `<p class="small">Command: <code>${esc(o.command)}</code></p>`;
  const files = [o.jsonName ? `the JSON report <code>${esc(o.jsonName)}</code>` : '', o.csvName ? `the current trace <code>${esc(o.csvName)}</code> (power-analyser CSV)` : ''].filter(Boolean);
  if (files.length) body += `<p class="small">Written with ${files.join(' and ')}.</p>`;
  body += `<nav class="small">Devices: ${r.devices.map((d) => `<a href="#dev-${esc(d.device.id)}">${esc(d.device.id)}</a>`).join(' · ')}</nav>`;
  body += comparison(r);
  for (const d of r.devices) body += deviceSection(d);
  body += `<h2>How to read these numbers</h2>
<ul>
<li><b>Cycles</b> come from the WebAssembly instructions the kernels execute for the counted work of this run (measured per kernel on an instrumented build, checked against whole runs to within about 1%), times a stated cost per instruction class on each core, plus flash wait-state and cache-miss stalls. The <b>lower</b> end is that instruction model; the <b>upper</b> end multiplies it by κ, fitted on MLPerf Tiny keyword spotting, where the same cost tables under-predicted measured vendor kernels. Real firmware should land between the two or near the upper end; the prediction errors on the other MLPerf Tiny benchmarks are in docs/firmware-sim.md.</li>
<li><b>Energy</b> is cycles × µA/MHz × V at the device's operating point, plus static current while awake, the wake-up charge and the sleep current between samples. It does not include sensors, radios, checkpoint writes or regulator losses beyond the datasheet figures. Figures marked unverified or placeholder in the device profile (firmware-sim/profiles) carry their own uncertainty.</li>
<li><b>By layer</b>: the runtime counts work globally; each op of the model's schedule is costed from those counts and its own sizes, so layer figures add up to the total. Each op's dispatch by the schedule interpreter is charged to its layer; <code>schedule</code> is the interpreter's per-step loop.</li>
<li><b>Current over time</b> is piecewise constant by construction (the energy model has no per-instruction current); a real analyser trace shows ripple and spikes around the same averages.</li>
</ul>`;
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>neurite profile: ${esc(r.model)} — ${esc(r.label)}</title>
<style>${CSS}</style></head>
<body><main>
${body}
</main></body></html>
`;
}
