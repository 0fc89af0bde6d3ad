import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../host/errors.js';
import { EXTRA_SECTIONS, loadConfig, validateConfig } from '../../host/gateway/config.js';
import { configObject, removeTempDirs, tempDir, TEST_MODEL } from './helpers.js';

afterAll(removeTempDirs);

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

function issues(raw: unknown): string[] {
  try {
    validateConfig(raw, 'test.json', tempDir());
  } catch (e) {
    if (e instanceof ConfigError) return e.issues.map((i) => `${i.path}: ${i.message}`);
    throw e;
  }
  return [];
}

describe('gateway config', () => {
  it('accepts the checked-in example (with its token file present) and fills the defaults', () => {
    const dir = tempDir();
    const example = JSON.parse(readFileSync(join(repoRoot, 'docs/gateway.example.json'), 'utf8')) as Record<string, unknown>;
    writeFileSync(join(dir, 'gateway.json'), JSON.stringify(example));
    writeFileSync(join(dir, 'gateway.token'), 'a-long-enough-secret-token\n');
    const c = loadConfig(join(dir, 'gateway.json'));
    expect(c.token).toBe('a-long-enough-secret-token');
    expect(c.checkpoints.dir).toBe(join(dir, 'gateway-state'));
    expect(c.sensors.map((s) => s.id)).toEqual(['nmnist-bench', 'davis-door']);
    expect(c.sensors[0].model.name).toBe('nmnist-stdp-wta');
    expect(c.sensors[0].queue).toEqual({ maxEvents: 1048576, batchEvents: 16384, dropPolicy: 'drop-newest' });
    expect(c.sensors[1].queue.dropPolicy).toBe('drop-oldest');
    expect(c.sensors[1].downsample).toEqual({ factorX: 8, factorY: 8 });
    expect(c.sensors[1].readoutLearningRate).toBe(0.5);
  });

  it('allows port 0 and turning UDP or TCP off', () => {
    const c = validateConfig(configObject(tempDir(), { udp: null, tcp: { port: 0 } }));
    expect(c.udp).toBeNull();
    expect(c.tcp?.port).toBe(0);
    expect(c.http.port).toBe(0);
  });

  it('reports every problem with its path', () => {
    const bad = issues({
      http: { port: 70000, extra: 1 },
      udp: { maxDatagramBytes: 100000 },
      auth: { token: 'short' },
      queue: { dropPolicy: 'random', maxEvents: 2048, batchEvents: 4096 },
      checkpoints: { periodSeconds: -1 },
      sensors: [
        { id: 'ok', model: TEST_MODEL, width: 34, height: 34, transform: { downsample: { factorX: 3 } } },
        { id: 'ok', streamId: 0, model: 'no-such-model', width: 0, height: 34, earlyDecision: { confidence: 1.5 } },
        { id: 'bad id!', streamId: 70000, model: TEST_MODEL, width: 34, height: 34, transform: { downsample: { factorX: 2 } }, windowMs: 500, maxSampleMs: 100 },
      ],
      surprise: true,
    });
    const expectIssue = (re: RegExp) => expect(bad.some((m) => re.test(m)), `${re} in\n${bad.join('\n')}`).toBe(true);
    expectIssue(/^\$\.http\.port: must be an integer in 0\.\.65535, got 70000/);
    expectIssue(/^\$\.http\.extra: unknown key/);
    expectIssue(/^\$\.udp\.maxDatagramBytes: .*65507/);
    expectIssue(/^\$\.auth: the token must be 16\.\.512/);
    expectIssue(/^\$\.queue\.dropPolicy: must be one of drop-newest, drop-oldest/);
    expectIssue(/^\$\.queue\.batchEvents: \(4096\) must not exceed maxEvents \(2048\)/);
    expectIssue(/^\$\.checkpoints\.periodSeconds/);
    expectIssue(/^\$\.sensors\[0\]\.transform: a 34x34 sensor downsampled by 3x3 gives 12x12, but model "gateway-test" takes 17x17/);
    expectIssue(/^\$\.sensors\[1\]\.model: no model "no-such-model"/);
    expectIssue(/^\$\.sensors\[1\]\.width/);
    expectIssue(/^\$\.sensors\[1\]\.earlyDecision\.confidence/);
    expectIssue(/^\$\.sensors\[1\]\.id: duplicate sensor id "ok"/);
    expectIssue(/^\$\.sensors\[1\]\.streamId: duplicate stream id 0/);
    expectIssue(/^\$\.sensors\[2\]\.id: must be a string matching/);
    expectIssue(/^\$\.sensors\[2\]\.streamId/);
    expectIssue(/^\$\.sensors\[2\]\.maxSampleMs: \(100\) must be at least windowMs \(500\)/);
    expectIssue(/^\$\.surprise: unknown key/);
    expect(issues(null)).toContain('$: must be an object, got null');
    expect(issues({ sensors: [] })[0]).toMatch(/^\$\.sensors: must be an array of 1\.\.64 sensors/);
  });

  it('refuses a model without a readout, and unreadable or non-JSON files', () => {
    const noReadout = {
      ...TEST_MODEL,
      readout: undefined,
      populations: [{ name: 'hidden', size: 8, neuron: { model: 'lif', tauMemMs: 20, tauSynMs: 5, threshold: 1, reset: { mode: 'value', value: 0 }, refractoryMs: 2 } }],
      projections: [{ from: 'input', to: 'hidden', weights: { dtype: 'f32', init: { kind: 'constant', value: 0.1 } } }],
    };
    expect(issues(configObject(tempDir(), {}, { model: noReadout })).join('\n')).toMatch(/model "gateway-test" has no readout/);
    const dir = tempDir();
    expect(() => loadConfig(join(dir, 'missing.json'))).toThrow(ConfigError);
    writeFileSync(join(dir, 'broken.json'), '{ "http": ');
    expect(() => loadConfig(join(dir, 'broken.json'))).toThrow(/not valid JSON/);
  });

  it('lets another module register a section (e.g. fleet) without opening the schema to typos', () => {
    expect(issues(configObject(tempDir(), { plugin: { x: 1 } })).join('\n')).toMatch(/\$\.plugin: unknown key/);
    EXTRA_SECTIONS.set('plugin', (v, path, iss) => {
      if (typeof v !== 'object' || v === null) iss.push({ path, message: 'must be an object' });
      return v;
    });
    try {
      const c = validateConfig(configObject(tempDir(), { plugin: { x: 1 } }));
      expect(c.extra.plugin).toEqual({ x: 1 });
      expect(issues(configObject(tempDir(), { plugin: 3 }))).toEqual(['$.plugin: must be an object']);
    } finally {
      EXTRA_SECTIONS.delete('plugin');
    }
  });
});
