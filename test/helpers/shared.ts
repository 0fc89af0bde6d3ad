/**
 * Finds data in ../shared (never copied into the repository). Under CI (CI=true) a missing fixture
 * is a failure; elsewhere the test is skipped with a printed notice.
 */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const sharedRoot = resolve(repoRoot, '..', 'shared');

/**
 * Returns the absolute path of `rel` under ../shared, or null when it is missing outside CI
 * (after printing a notice). Throws under CI.
 */
export function sharedPath(rel: string): string | null {
  const p = join(sharedRoot, rel);
  if (existsSync(p)) return p;
  if (process.env.CI === 'true') {
    throw new Error(`fixture missing under CI: ${p}`);
  }
  console.warn(`[neurite tests] skipping: fixture not found at ${p}`);
  return null;
}
