/** Terminal text for `neurite devices` and `neurite profile`. */
import { formatBytes, table } from '../host/report/format.js';
import { operatingPointAt, type DeviceProfile } from './device.js';
import type { DeviceReport, ProfileReport } from './profile.js';

export const si = (x: number, unit: string, digits = 2): string => {
  const a = Math.abs(x);
  const [k, p] = a >= 1 ? [1, ''] : a >= 1e-3 ? [1e3, 'm'] : a >= 1e-6 ? [1e6, 'µ'] : a >= 1e-9 ? [1e9, 'n'] : [1e12, 'p'];
  return `${(x * k).toFixed(digits)} ${p}${unit}`;
};
export const count = (x: number): string => (x >= 1e9 ? `${(x / 1e9).toFixed(2)} G` : x >= 1e6 ? `${(x / 1e6).toFixed(2)} M` : x >= 1e3 ? `${(x / 1e3).toFixed(1)} k` : x.toFixed(x < 10 ? 2 : 0));
export const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
const range = (a: number, b: number, f: (x: number) => string) => `${f(a)} - ${f(b)}`;

export function devicesTable(devices: readonly DeviceProfile[]): string {
  const rows: string[][] = [['id', 'core', 'MHz', 'SRAM', 'flash', 'run (default point)', 'pJ/cycle', 'sleep (retains SRAM)', 'run-current confidence']];
  for (const d of devices) {
    const op = operatingPointAt(d, d.clock.defaultMHz);
    const sleep = d.power.sleep.find((s) => s.retainsSram) ?? d.power.sleep[0];
    rows.push([
      d.id,
      `${d.core.count}x ${d.core.family}`,
      String(d.clock.maxMHz.value),
      formatBytes(d.memory.sramBytes.value),
      formatBytes(d.memory.flashBytes.value),
      d.gateway ? `${d.gateway.idleW.value} W idle + ${d.gateway.perCoreActiveW.value} W/core` : op ? `${op.uaPerMHz} uA/MHz @ ${op.voltageV} V ${op.regulator}` : '-',
      d.gateway ? '-' : op ? (op.uaPerMHz * op.voltageV).toFixed(0) : '-',
      d.gateway ? 'none' : sleep ? `${sleep.name} ${sleep.currentUA.value} uA${sleep.retainsSram ? '' : ' (no)'}` : '-',
      d.gateway ? d.gateway.perCoreActiveW.confidence : op?.confidence ?? '-',
    ]);
  }
  return table(rows);
}

function deviceSection(d: DeviceReport, out: string[]): void {
  const m = d.memory;
  out.push('');
  out.push(`== ${d.device.name}: ${d.device.core}, ${d.device.mhz} MHz, wasm ${d.mode} (${d.build} kernels) == ${d.label}`);
  const mem: string[][] = [['memory', 'bytes', 'note']];
  for (const i of m.sram) mem.push([`SRAM: ${i.name}`, String(i.bytes), i.note ?? '']);
  mem.push(['SRAM total', `${m.sramBytes} / ${m.device_sramBytes}`, `${pct(m.sramBytes / m.device_sramBytes)} of the device; linear memory vs largest block ${m.linearMemoryBytes} / ${m.device_largestBlockBytes}`]);
  for (const i of m.flash) mem.push([`flash: ${i.name}`, String(i.bytes), i.note ?? '']);
  mem.push(['flash total', `${m.flashBytes} / ${m.device_flashBytes}`, pct(m.flashBytes / m.device_flashBytes)]);
  out.push(table(mem));
  out.push(`arena ${m.arenaBytes} B by kind: ${Object.entries(m.arenaByKind).filter(([, b]) => b > 0).map(([k, b]) => `${k} ${b}`).join(', ')}`);
  out.push(`learning state (checkpointed) ${m.learnedStateBytes} B, of which plastic weights ${m.plasticWeightBytes} B and traces ${m.traceBytes} B; one checkpoint ${m.checkpointBytes} B`);
  if (d.refused) {
    out.push(`REFUSED before running: ${d.refused}`);
    return;
  }
  const c = d.cycles!;
  const t = d.time!;
  const e = d.energy!;
  out.push('');
  out.push(`cycles per sample ${range(c.lowerPerSample, c.upperPerSample, count)} (instruction model ${count(c.isaPerSample)} + fetch stalls ${count(c.fetchStallPerSample)} + data stalls ${count(c.dataStallPerSample)}; upper = x${c.kappa.toFixed(2)} MLPerf-KWS factor)`);
  out.push(`  ${count(c.instructionsPerSample)} wasm instructions per sample; ${c.stallNote}`);
  const kr: string[][] = [['kernel', 'instructions', 'cycles (lower)', 'share', 'compute energy']];
  for (const k of c.byKernel.slice(0, 8)) kr.push([k.kernel, count(k.instructionsPerSample), count(k.cyclesPerSample), pct(k.share), range(k.computeJPerSample[0], k.computeJPerSample[1], (x) => si(x, 'J'))]);
  out.push(table(kr));
  const lr: string[][] = [['layer', 'kind', 'cycles (lower)', 'share', 'prediction', 'readout', 'plasticity', 'compute energy']];
  for (const l of c.byLayer) {
    lr.push([l.layer, l.kind, count(l.cyclesPerSample), pct(l.share), count(l.byPhase.infer), count(l.byPhase.readout), count(l.byPhase.learn), range(l.computeJPerSample[0], l.computeJPerSample[1], (x) => si(x, 'J'))]);
  }
  out.push(table(lr));
  const cr: string[][] = [['counter class', 'ops/sample', 'instr/op', 'cycles/op', 'cycles', 'share', 'compute energy']];
  for (const r of c.byCounter) cr.push([r.counter, count(r.perSample), r.instructionsPerOp.toFixed(1), r.cyclesPerOp.toFixed(1), count(r.cyclesPerSample), pct(r.share), si(r.computeJPerSample, 'J')]);
  out.push(table(cr));
  out.push('');
  out.push(`time per sample ${range(t.lowerMsPerSample, t.upperMsPerSample, (x) => `${x.toFixed(2)} ms`)} for a ${t.streamMsPerSample.toFixed(0)} ms event stream: CPU load up to ${pct(t.cpuLoad)}${t.cpuLoad > 1 ? ' - CANNOT KEEP UP with the stream' : ''}`);
  const el = e.lower;
  const eu = e.upper;
  if (el.kind === 'mcu') {
    out.push(`energy at ${el.operatingPoint!.uaPerMHz} uA/MHz x ${el.voltageV} V = ${el.pJPerCycle.toFixed(0)} pJ/cycle (${el.operatingPoint!.regulator}, ${el.operatingPoint!.confidence}); a sample every ${el.periodSeconds.toFixed(3)} s`);
  } else {
    out.push(`energy: gateway, ${el.activePowerW.toFixed(2)} W while computing (idle + one core); a sample every ${el.periodSeconds.toFixed(3)} s`);
  }
  const er: string[][] = [['per sample', 'lower', 'upper']];
  er.push(['compute (cycles x pJ/cycle)', si(el.computeJ, 'J'), si(eu.computeJ, 'J')]);
  er.push(['static while awake', si(el.staticJ, 'J'), si(eu.staticJ, 'J')]);
  er.push(['wake-up', si(el.wakeJ, 'J'), si(eu.wakeJ, 'J')]);
  er.push([`${el.sleep ? el.sleep.name : 'sleep'} between samples`, si(el.sleepJ, 'J'), si(eu.sleepJ, 'J')]);
  er.push(['total', si(el.totalJ, 'J'), si(eu.totalJ, 'J')]);
  er.push(['average power', si(el.averagePowerW, 'W'), si(eu.averagePowerW, 'W')]);
  out.push(table(er));
  const rtm = d.realtime;
  if (rtm) {
    out.push(`real time (${rtm.policy}, queue ${rtm.queueEvents} events, deadline ${(rtm.deadlineUs / 1e3).toFixed(1)} ms after each step): CPU load ${pct(rtm.cpuLoad)}, ` +
      `queue high-water ${rtm.queueHighWater}, dropped ${rtm.dropped} of ${rtm.events} events, deadline misses ${rtm.deadlineMisses} of ${rtm.steps} steps, ` +
      `latency p50 ${(rtm.latencyUs.p50 / 1e3).toFixed(2)} ms / p95 ${(rtm.latencyUs.p95 / 1e3).toFixed(2)} ms / p99 ${(rtm.latencyUs.p99 / 1e3).toFixed(2)} ms${rtm.keepsUp ? '' : ' - DOES NOT KEEP UP'}`);
  }
  if (d.battery) {
    const br: string[][] = [['battery (upper estimate)', 'life', 'active current', 'flag']];
    for (const b of d.battery) br.push([b.battery, b.lifetimeDays >= 365 ? `${(b.lifetimeDays / 365).toFixed(1)} years` : b.lifetimeDays >= 2 ? `${b.lifetimeDays.toFixed(1)} days` : `${b.lifetimeHours.toFixed(1)} hours`, `${b.activeCurrentMA.toFixed(2)} mA`, b.flag ?? 'ok']);
    out.push(table(br));
  }
  if (d.checkpointWear) {
    const cw = d.checkpointWear;
    out.push(`checkpoint every ${cw.intervalSamples} samples: flash wears out after ${count(cw.checkpointsToWearOut)} checkpoints = ${cw.daysToWearOut.toFixed(0)} days at this rate (endurance ${cw.enduranceCycles} cycles, ${cw.enduranceConfidence})`);
  }
  const v = d.views!;
  const nb = v.neuroBench;
  out.push('');
  out.push('three views of one sample (inference pass unless noted):');
  out.push(table([
    ['view', 'figure'],
    ['NeuroBench-style counts', `footprint ${formatBytes(nb.footprintBytes)}, connection sparsity ${nb.connectionSparsity.toFixed(3)}, activation sparsity ${nb.activationSparsity.toFixed(4)}`],
    ['', `effective ACs ${count(nb.effectiveACs)}, effective MACs ${count(nb.effectiveMACs)}, dense ${count(nb.dense)}, membrane updates ${count(nb.membraneUpdates)}`],
    ['', `learning pass: ${count(nb.learning.weightUpdates)} weight updates, ${count(nb.learning.traceUpdates)} trace updates`],
    ['45 nm compute-only (literature)', `${si(v.literature45nm.energyPerSampleJ, 'J')} (AC ${v.literature45nm.acPJ} pJ, MAC ${v.literature45nm.macPJ} pJ; no memory, control or static energy)`],
    [`device: ${d.label}`, `inference pass compute ${range(v.device.inferencePassComputeJ[0], v.device.inferencePassComputeJ[1], (x) => si(x, 'J'))}; whole learning loop ${range(v.device.energyPerSampleJ[0], v.device.energyPerSampleJ[1], (x) => si(x, 'J'))}`],
  ]));
  for (const w of d.warnings) out.push(`note: ${w}`);
}

export function profileText(r: ProfileReport): string {
  const out: string[] = [];
  const w = r.workload;
  out.push(`neurite profile: model "${r.model}" - ${r.label}`);
  out.push(`workload: ${w.samples} samples of ${w.source}; learning ${w.learn ? 'on' : 'off'}; ${w.eventsPerSample.toFixed(0)} events and ${w.stepsPerSample.toFixed(0)} network steps per sample`);
  for (const d of r.devices) deviceSection(d, out);
  if (r.devices.length > 1) {
    out.push('');
    out.push('side by side:');
    const rows: string[][] = [['device', 'fits', 'SRAM', 'ms/sample', 'CPU load', 'energy/sample', 'avg power']];
    for (const d of r.devices) {
      if (d.refused) { rows.push([d.device.id, 'no', `${d.memory.sramBytes}/${d.memory.device_sramBytes}`, '-', '-', '-', '-']); continue; }
      rows.push([
        d.device.id, 'yes', `${pct(d.memory.sramBytes / d.memory.device_sramBytes)}`,
        range(d.time!.lowerMsPerSample, d.time!.upperMsPerSample, (x) => x.toFixed(1)),
        pct(d.time!.cpuLoad),
        range(d.energy!.lower.totalJ, d.energy!.upper.totalJ, (x) => si(x, 'J')),
        range(d.energy!.lower.averagePowerW, d.energy!.upper.averagePowerW, (x) => si(x, 'W')),
      ]);
    }
    out.push(table(rows));
  }
  return out.join('\n');
}
