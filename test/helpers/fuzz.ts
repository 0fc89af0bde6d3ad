/**
 * Fuzz case counts. CI runs the base counts (at least 10,000 cases per decoder); a nightly-style
 * run multiplies them: `npm run fuzz` sets NEURITE_FUZZ_SCALE=20 (200,000+ cases per decoder).
 */
export function fuzzRuns(base: number): number {
  const scale = Number(process.env.NEURITE_FUZZ_SCALE ?? '1');
  return Math.max(1, Math.round(base * (Number.isFinite(scale) && scale > 0 ? scale : 1)));
}
