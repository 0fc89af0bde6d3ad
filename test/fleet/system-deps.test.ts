/**
 * scripts/ensure-system-deps.mjs decides what to install and when to fail; its --dry-run and
 * --assume-* flags let the decisions be checked here without touching the machine's packages.
 */
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../helpers/shared.js';

function run(args: string[], env: Record<string, string> = {}) {
  const { CI: _ci, NEURITE_SKIP_SYSTEM_DEPS: _skip, ...rest } = process.env;
  const r = spawnSync(process.execPath, ['scripts/ensure-system-deps.mjs', '--dry-run', ...args], { cwd: repoRoot, encoding: 'utf8', env: { ...rest, ...env } });
  return { status: r.status, out: r.stdout + r.stderr };
}

describe('ensure-system-deps', () => {
  it('as root, installs exactly the missing packages without recommends', () => {
    const r = run(['--assume-missing=mosquitto', '--assume-uid=0', '--only=mosquitto,chromium'], { CI: 'true' });
    if (/no apt-get/.test(r.out)) return; // not a Debian machine: nothing to decide
    expect(r.status).toBe(0);
    expect(r.out).toContain('would run: apt-get install -y --no-install-recommends mosquitto\n');
    expect(r.out).not.toContain('apt-get update');
  });

  it('refreshes the package lists only when the install fails', () => {
    const r = run(['--assume-missing=mosquitto,chromium', '--assume-uid=0', '--assume-install-fails']);
    if (/no apt-get/.test(r.out)) return;
    const lines = r.out.split('\n').filter((l) => l.includes('would run'));
    expect(lines.map((l) => l.split('would run: ')[1])).toEqual([
      'apt-get install -y --no-install-recommends mosquitto chromium',
      'apt-get update',
      'apt-get install -y --no-install-recommends mosquitto chromium',
    ]);
  });

  it('without root: a notice and success outside CI, a failure under CI=true', () => {
    const local = run(['--assume-missing=chromium', '--assume-uid=1000']);
    expect(local.status).toBe(0);
    expect(local.out).toMatch(/notice: .*chromium/);
    const ci = run(['--assume-missing=chromium', '--assume-uid=1000'], { CI: 'true' });
    expect(ci.status).toBe(1);
    expect(ci.out).toMatch(/FAILED under CI=true/);
  });

  it('NEURITE_SKIP_SYSTEM_DEPS=1 skips the check', () => {
    const skip = run(['--assume-missing=mosquitto'], { NEURITE_SKIP_SYSTEM_DEPS: '1' });
    expect(skip.status).toBe(0);
    expect(skip.out).not.toContain('would run');
  });
});
