/**
 * Regenerates the example reports of the firmware simulator (deterministic: seeded emulated
 * samples, the stored instruction table):
 *   npm run build && node dist/firmware-sim/examples.js
 * writes
 *   firmware-sim/examples/report-demo.{json,html,current.csv}         the demo model: refused on MCUs, gateways only
 *   firmware-sim/examples/report-mcu-example.{json,html,current.csv}  its MCU variant on six devices, one sample a minute
 *   docs/firmware-sim-example.{html,current.csv}                      the MCU variant on three MCUs (the page the docs explain)
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadModelSpec } from '../host/spec/models.js';
import { loadDevice } from './device.js';
import { profileText } from './format.js';
import { profileHtml } from './html.js';
import { profileModel, type DeviceOptions, type RunOptions } from './profile.js';
import { writeReportFiles } from './report-files.js';
import { currentCsv, sampleTrace } from './trace.js';

interface Example {
  readonly out: string;
  readonly model: string;
  readonly devices: readonly string[];
  readonly opts: RunOptions & DeviceOptions;
  readonly tracePeriodS?: number;
  readonly command: string;
}

const MCU = join('firmware-sim', 'examples', 'nmnist-stdp-wta-mcu.json');
const EXAMPLES: readonly Example[] = [
  {
    out: join('firmware-sim', 'examples', 'report-demo'),
    model: 'nmnist-stdp-wta',
    devices: ['nrf52840', 'stm32h743', 'rpi4', 'jetson-nano-cpu'],
    opts: { samples: 20 },
    tracePeriodS: 0.0002,
    command: 'neurite profile --model nmnist-stdp-wta --device nrf52840,stm32h743,rpi4,jetson-nano-cpu --trace-period 0.0002 --report firmware-sim/examples/report-demo',
  },
  {
    out: join('firmware-sim', 'examples', 'report-mcu-example'),
    model: MCU,
    devices: ['nrf52840', 'stm32u585', 'esp32-s3', 'rp2040', 'stm32h743', 'rpi4'],
    opts: { samples: 20, samplesPerHour: 60 },
    tracePeriodS: 0.05,
    command: `neurite profile --model ${MCU} --device nrf52840,stm32u585,esp32-s3,rp2040,stm32h743,rpi4 --samples 20 --rate 60 --trace-period 0.05 --report firmware-sim/examples/report-mcu-example`,
  },
];

for (const ex of EXAMPLES) {
  const rep = profileModel(loadModelSpec(ex.model), ex.devices.map(loadDevice), ex.opts);
  const files = writeReportFiles(ex.out, rep, { tracePeriodS: ex.tracePeriodS, command: ex.command });
  console.log(profileText(rep));
  console.log(`wrote ${files.json}, ${files.html}${files.csv ? `, ${files.csv}` : ''}\n`);
}

// The page checked into docs/: the MCU variant on three MCUs, at one sample per minute.
{
  const command = `neurite profile --model ${MCU} --device nrf52840,stm32u585,esp32-s3 --samples 20 --rate 60 --trace-period 0.02 --report docs/firmware-sim-example`;
  const rep = profileModel(loadModelSpec(MCU), ['nrf52840', 'stm32u585', 'esp32-s3'].map(loadDevice), { samples: 20, samplesPerHour: 60 });
  const profiles = rep.devices.map((d) => d.current!);
  writeFileSync(join('docs', 'firmware-sim-example.current.csv'), currentCsv(rep.model, profiles, sampleTrace(profiles, { samplePeriodS: 0.02 }), [`${rep.label}; workload: ${rep.workload.samples} samples, learning on`]));
  writeFileSync(join('docs', 'firmware-sim-example.html'), profileHtml(rep, { csvName: 'firmware-sim-example.current.csv', command }));
  console.log(profileText(rep));
  console.log('wrote docs/firmware-sim-example.html, docs/firmware-sim-example.current.csv');
}
