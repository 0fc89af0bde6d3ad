#!/usr/bin/env node
// Makes sure the Debian packages the tests drive are present before `npm test`:
//   mosquitto  - the MQTT broker the fleet-learning tests start on loopback (test/helpers/mosquitto.ts)
//   chromium   - the headless browser the browser-page tests drive with playwright-core
// Missing ones are installed with `apt-get install -y --no-install-recommends` (an `apt-get update`
// is run first only when that install fails, e.g. on a machine with empty package lists).
//
// Why a script and not a CI step: `npm ci && npm test` must be the whole recipe on a clean Debian
// machine. Outside CI the script never fails the build (no root, no network, not Debian): it prints
// a notice and the tests that need the package skip with their own notice. Under CI=true any
// package it cannot provide is a loud failure, because a skipped broker test there would hide a
// regression.
//
// Packages are installed, never started: a package's maintainer script would otherwise start a
// system broker on port 1883. While installing, a temporary /usr/sbin/policy-rc.d answering 101
// ("action forbidden", the Debian policy-layer convention) stops that, and it is removed afterwards.
// The tests start their own broker processes on free ports.
//
// Flags (for trying the logic without touching the machine):
//   --dry-run              print the commands instead of running them
//   --assume-missing=a,b   treat these packages as missing even if installed
//   --assume-uid=N         act as if running with this user id
//   --only=a,b             consider only these packages
//   --assume-install-fails with --dry-run: the first install "fails" (shows the update-and-retry path)
// Environment: CI=true makes every failure fatal; NEURITE_SKIP_SYSTEM_DEPS=1 skips the check.
import { spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync, unlinkSync, writeFileSync } from 'node:fs';

const DEPS = [
  { pkg: 'mosquitto', bins: ['/usr/sbin/mosquitto', '/usr/bin/mosquitto_passwd'], why: 'MQTT broker for test/fleet' },
  { pkg: 'chromium', bins: ['/usr/bin/chromium'], why: 'headless browser for the browser-page tests' },
];
const POLICY_RC_D = '/usr/sbin/policy-rc.d';

const argv = process.argv.slice(2);
const flag = (name) => argv.includes(`--${name}`);
const option = (name) => {
  const a = argv.find((x) => x.startsWith(`--${name}=`));
  return a === undefined ? null : a.slice(name.length + 3);
};
const list = (s) => (s === null ? null : s.split(',').map((x) => x.trim()).filter(Boolean));

const dryRun = flag('dry-run');
let failNextInstall = dryRun && flag('assume-install-fails');
const ci = process.env.CI === 'true';
const assumeMissing = new Set(list(option('assume-missing')) ?? []);
const only = list(option('only'));
const uidOpt = option('assume-uid');
const uid = uidOpt !== null ? Number(uidOpt) : typeof process.getuid === 'function' ? process.getuid() : -1;

const say = (msg) => console.log(`[ensure-system-deps] ${msg}`);

/** Outside CI: a notice and success (tests skip). Under CI: a failure. */
function giveUp(reason, missing) {
  const what = missing.map((d) => `${d.pkg} (${d.why})`).join(', ');
  if (ci) {
    console.error(`[ensure-system-deps] FAILED under CI=true: ${reason}; missing: ${what}`);
    process.exit(1);
  }
  say(`notice: ${reason}; not installed: ${what}. Tests that need them will be skipped with a notice.`);
  say(`to install by hand: sudo apt-get install -y --no-install-recommends ${missing.map((d) => d.pkg).join(' ')}`);
  process.exit(0);
}

function isExecutable(path) {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function run(cmd, args) {
  say(`${dryRun ? 'would run' : 'running'}: ${[cmd, ...args].join(' ')}`);
  if (dryRun) {
    if (failNextInstall && args[0] === 'install') {
      failNextInstall = false;
      say('(dry run: pretending this install failed)');
      return false;
    }
    return true;
  }
  const r = spawnSync(cmd, args, {
    stdio: 'inherit',
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
  if (r.error) say(`${cmd} could not start: ${r.error.message}`);
  return r.status === 0;
}

if (process.env.NEURITE_SKIP_SYSTEM_DEPS === '1') {
  say('NEURITE_SKIP_SYSTEM_DEPS=1: not checking system packages');
  process.exit(0);
}

const wanted = only ? DEPS.filter((d) => only.includes(d.pkg)) : DEPS;
if (only) for (const p of only) if (!DEPS.some((d) => d.pkg === p)) giveUp(`unknown package "${p}" in --only (known: ${DEPS.map((d) => d.pkg).join(', ')})`, []);
const missing = wanted.filter((d) => assumeMissing.has(d.pkg) || !d.bins.every(isExecutable));
if (missing.length === 0) {
  say(`present: ${wanted.map((d) => d.pkg).join(', ')}`);
  process.exit(0);
}
say(`missing: ${missing.map((d) => `${d.pkg} (${d.why})`).join(', ')}`);

if (process.platform !== 'linux' || !existsSync('/usr/bin/apt-get')) {
  giveUp(`no apt-get on this machine (${process.platform}); install them with your package manager`, missing);
}
if (uid !== 0) giveUp(`not running as root (uid ${uid}), so apt-get cannot install`, missing);

// Keep package maintainer scripts from starting services (see the header), unless the machine
// already has its own policy.
const ownPolicy = !existsSync(POLICY_RC_D);
if (ownPolicy) {
  say(`${dryRun ? 'would write' : 'writing'} ${POLICY_RC_D} (exit 101) so no package starts a service`);
  if (!dryRun) writeFileSync(POLICY_RC_D, '#!/bin/sh\n# written by neurite scripts/ensure-system-deps.mjs for the duration of an install\nexit 101\n', { mode: 0o755 });
}
let ok;
try {
  const install = ['install', '-y', '--no-install-recommends', ...missing.map((d) => d.pkg)];
  ok = run('apt-get', install);
  if (!ok) {
    say('install failed; refreshing the package lists and trying once more');
    ok = run('apt-get', ['update']) && run('apt-get', install);
  }
} finally {
  if (ownPolicy) {
    say(`${dryRun ? 'would remove' : 'removing'} ${POLICY_RC_D}`);
    if (!dryRun) try { unlinkSync(POLICY_RC_D); } catch { /* already gone */ }
  }
}
if (!ok) giveUp('apt-get could not install them (no network or no such package?)', missing);
if (!dryRun) {
  const still = missing.filter((d) => !d.bins.every(isExecutable));
  if (still.length > 0) giveUp(`installed, but ${still.flatMap((d) => d.bins.filter((b) => !isExecutable(b))).join(', ')} not found`, still);
}
say(`${dryRun ? 'would have installed' : 'installed'}: ${missing.map((d) => d.pkg).join(', ')}`);
