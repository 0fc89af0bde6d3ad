/**
 * The files of `neurite profile --report OUT`: OUT.json (the full report), OUT.html (the
 * self-contained page) and OUT.current.csv (supply current over time of the devices the model
 * fits, in the shape of a power-analyser export). OUT may be given with a .json or .html suffix.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import { profileHtml } from './html.js';
import type { ProfileReport } from './profile.js';
import { currentCsv, sampleTrace, type CurrentProfile } from './trace.js';

export interface ReportPaths {
  readonly json: string;
  readonly html: string;
  readonly csv: string;
}

export function reportPaths(out: string): ReportPaths {
  const stem = out.replace(/\.(json|html?)$/i, '');
  return { json: `${stem}.json`, html: `${stem}.html`, csv: `${stem}.current.csv` };
}

export interface ReportFileOptions {
  /** Sample period of the current trace, s (default: 1-2-5 value giving at most 20,000 rows). */
  readonly tracePeriodS?: number;
  /** The command line, shown in the page. */
  readonly command?: string;
}

/** Writes the three files; returns their paths (csv null when no device fits). */
export function writeReportFiles(out: string, report: ProfileReport, o: ReportFileOptions = {}): { json: string; html: string; csv: string | null } {
  const p = reportPaths(out);
  mkdirSync(dirname(p.json), { recursive: true });
  writeFileSync(p.json, JSON.stringify(report, null, 2) + '\n');
  const profiles = report.devices.map((d) => d.current).filter((c): c is CurrentProfile => c !== null);
  let csv: string | null = null;
  if (profiles.length > 0) {
    const trace = sampleTrace(profiles, { samplePeriodS: o.tracePeriodS });
    writeFileSync(p.csv, currentCsv(report.model, profiles, trace, [`${report.label}; workload: ${report.workload.samples} samples, learning ${report.workload.learn ? 'on' : 'off'}`]));
    csv = p.csv;
  }
  writeFileSync(p.html, profileHtml(report, { jsonName: basename(p.json), csvName: csv ? basename(csv) : undefined, command: o.command }));
  return { json: p.json, html: p.html, csv };
}
