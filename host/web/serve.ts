/**
 * `neurite web`: a small static file server for the browser page (build/web/, made by
 * `npm run build:web`). Browsers only compile WebAssembly from a stream when it is served as
 * application/wasm, and module workers do not load from file:// pages, so the page needs a real
 * server; this one has no dependencies, serves GET and HEAD only, never leaves its root folder,
 * and listens on loopback unless told otherwise.
 */
import { createReadStream, existsSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, extname, join, resolve, sep } from 'node:path';
import { UsageError } from '../errors.js';
import { wasmPath } from '../runtime/kernels.js';
import type { FlagSpec, FlagValues } from '../cli/args.js';

export const MIME_TYPES: Readonly<Record<string, string>> = Object.freeze({
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.wasm': 'application/wasm',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
  '.bin': 'application/octet-stream',
});

/** The page's folder inside the package: build/web, beside the kernels. */
export function defaultWebRoot(): string {
  return join(dirname(wasmPath('simd')), 'web');
}

export interface WebServerOptions {
  /** Folder to serve (default build/web of the package). */
  root?: string;
  /** Port (default 8080; 0 picks a free one). */
  port?: number;
  /** Address to listen on (default 127.0.0.1). */
  host?: string;
}

export interface WebServer {
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

function send(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function handler(root: string) {
  return (req: IncomingMessage, res: ServerResponse): void => {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('allow', 'GET, HEAD');
      send(res, 405, `method ${req.method ?? '?'} not allowed\n`);
      return;
    }
    let path: string;
    try {
      path = decodeURIComponent(new URL(req.url ?? '/', 'http://localhost').pathname);
    } catch {
      send(res, 400, 'bad request path\n');
      return;
    }
    if (path.includes('\0')) {
      send(res, 400, 'bad request path\n');
      return;
    }
    if (path.endsWith('/')) path += 'index.html';
    const file = resolve(root, '.' + path);
    if (file !== root && !file.startsWith(root + sep)) {
      send(res, 403, 'outside the served folder\n');
      return;
    }
    let size: number;
    try {
      const st = statSync(file);
      if (!st.isFile()) throw new Error('not a file');
      size = st.size;
    } catch {
      send(res, 404, `not found: ${path}\n`);
      return;
    }
    res.writeHead(200, {
      'content-type': MIME_TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream',
      'content-length': size,
      'cache-control': 'no-cache',
      'x-content-type-options': 'nosniff',
    });
    if (req.method === 'HEAD') {
      res.end();
      return;
    }
    createReadStream(file)
      .on('error', () => res.destroy())
      .pipe(res);
  };
}

/** Starts serving `root`; resolves once listening. */
export async function startWebServer(opts: WebServerOptions = {}): Promise<WebServer> {
  const root = resolve(opts.root ?? defaultWebRoot());
  if (!existsSync(join(root, 'index.html'))) {
    throw new UsageError(`web: ${join(root, 'index.html')} is missing; build the page first with \`npm run build:web\``);
  }
  const port = opts.port ?? 8080;
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`web: port must be an integer in 0..65535, got ${port}`);
  const host = opts.host ?? '127.0.0.1';
  const server = createServer(handler(root));
  await new Promise<void>((ok, fail) => {
    server.once('error', (e: NodeJS.ErrnoException) =>
      fail(e.code === 'EADDRINUSE' ? new UsageError(`web: port ${port} on ${host} is in use; pick another with --port`) : e));
    server.listen(port, host, () => ok());
  });
  const actual = (server.address() as AddressInfo).port;
  const shown = host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${shown}:${actual}/`,
    port: actual,
    close: () =>
      new Promise<void>((ok) => {
        server.close(() => ok());
        server.closeAllConnections();
      }),
  };
}

type Out = (line: string) => void;

export const webCommand: {
  summary: string;
  usage: string;
  flags: Record<string, FlagSpec>;
  run(values: FlagValues, positional: string[], out: Out): Promise<number>;
} = {
  summary: 'serve the browser page (build/web) on a local port',
  usage: 'neurite web [--port N] [--host ADDR] [--root DIR]',
  flags: {
    port: { type: 'int', placeholder: 'N', help: 'port (default 8080; 0 picks a free one)' },
    host: { type: 'string', placeholder: 'ADDR', help: 'address to listen on (default 127.0.0.1, this machine only)' },
    root: { type: 'string', placeholder: 'DIR', help: 'folder to serve (default the package build/web)' },
  },
  async run(v, _p, out) {
    const server = await startWebServer({ port: v.port as number | undefined, host: v.host as string | undefined, root: v.root as string | undefined });
    out(`neurite web: serving ${(v.root as string | undefined) ?? defaultWebRoot()} at ${server.url} (Ctrl-C stops)`);
    await new Promise<void>((ok) => {
      process.once('SIGINT', ok);
      process.once('SIGTERM', ok);
    });
    await server.close();
    return 0;
  },
};
