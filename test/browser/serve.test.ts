/** The static server behind `neurite web`: MIME types (application/wasm), HEAD, refusals. */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { UsageError } from '../../host/errors.js';
import { main } from '../../host/cli/main.js';
import { startWebServer, type WebServer } from '../../host/web/serve.js';

/** A raw request (fetch would normalise `..` out of the path before sending it). */
function raw(port: number, method: string, path: string): Promise<{ status: number; type: string | undefined; body: Buffer }> {
  return new Promise((ok, fail) => {
    const req = request({ host: '127.0.0.1', port, method, path }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => ok({ status: res.statusCode ?? 0, type: res.headers['content-type'], body: Buffer.concat(chunks) }));
    });
    req.on('error', fail);
    req.end();
  });
}

describe('neurite web static server', () => {
  let root: string;
  let server: WebServer;
  const wasm = new Uint8Array([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0]);

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'neurite-serve-'));
    writeFileSync(join(root, 'index.html'), '<!doctype html><title>t</title>');
    writeFileSync(join(root, 'k.wasm'), wasm);
    mkdirSync(join(root, 'assets'));
    writeFileSync(join(root, 'assets', 'a.js'), 'export {};');
    writeFileSync(join(root, '..', 'neurite-serve-secret.txt'), 'secret');
    server = await startWebServer({ root, port: 0 });
  });

  afterAll(async () => {
    await server?.close();
    rmSync(root, { recursive: true, force: true });
    rmSync(join(root, '..', 'neurite-serve-secret.txt'), { force: true });
  });

  test('serves files with their MIME types, index.html for /, and HEAD without a body', async () => {
    expect(server.url).toBe(`http://127.0.0.1:${server.port}/`);
    const page = await raw(server.port, 'GET', '/');
    expect([page.status, page.type]).toEqual([200, 'text/html; charset=utf-8']);
    const k = await raw(server.port, 'GET', '/k.wasm');
    expect([k.status, k.type]).toEqual([200, 'application/wasm']);
    expect(new Uint8Array(k.body)).toEqual(wasm);
    // WebAssembly.compileStreaming accepts the response (it checks the MIME type).
    const mod = await WebAssembly.compileStreaming(fetch(`${server.url}k.wasm`));
    expect(WebAssembly.Module.exports(mod)).toEqual([]);
    expect((await raw(server.port, 'GET', '/assets/a.js')).type).toBe('text/javascript; charset=utf-8');
    const head = await raw(server.port, 'HEAD', '/k.wasm');
    expect([head.status, head.body.length]).toEqual([200, 0]);
  });

  test('refuses paths outside its folder, unknown files, other methods and bad escapes', async () => {
    expect((await raw(server.port, 'GET', '/..%2fneurite-serve-secret.txt')).status).toBe(403);
    expect((await raw(server.port, 'GET', '/../neurite-serve-secret.txt')).status).not.toBe(200);
    expect((await raw(server.port, 'GET', '/missing.js')).status).toBe(404);
    expect((await raw(server.port, 'GET', '/assets')).status).toBe(404);
    expect((await raw(server.port, 'GET', '/%E0%A4%A')).status).toBe(400);
    expect((await raw(server.port, 'GET', '/a%00b')).status).toBe(400);
    const post = await raw(server.port, 'POST', '/');
    expect(post.status).toBe(405);
  });

  test('explains a missing build, a bad port and a port in use', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'neurite-serve-empty-'));
    try {
      await expect(startWebServer({ root: empty, port: 0 })).rejects.toThrow(/index\.html is missing.*npm run build:web/);
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
    await expect(startWebServer({ root, port: 70000 })).rejects.toThrow(UsageError);
    await expect(startWebServer({ root, port: server.port })).rejects.toThrow(/in use/);
  });

  test('is the `neurite web` command', async () => {
    const lines: string[] = [];
    expect(await main(['web', '--help'], (l) => lines.push(l))).toBe(0);
    expect(lines.join('\n')).toMatch(/neurite web \[--port N\]/);
  });
});
