/**
 * Bundles the browser page (web/) into build/web/ (`npm run build:web`): index.html, the page
 * script, the learning worker, the kernels and a small set of MNIST digits for the demo button.
 * Everything the page needs is in that folder: it works offline and from any static server
 * (`neurite web` serves it).
 *
 * Why the aliases: the host modules the page reuses (runtime, planner, decoders) import `node:fs`,
 * `node:path` and `node:url` for their file-system entry points only. In the browser those entry
 * points are never called (the worker hands the kernels in with provideKernelModule and reads
 * files as bytes), so the node modules are replaced by web/shims/node.ts, whose functions throw a
 * clear error if one ever is.
 */
import { readFileSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig, type Plugin } from 'vite';
import { loadMnistDigits } from '../host/learn/datasets/mnist.js';
import { DEMO_DIGITS_FILE, DEMO_DIGITS_PER_CLASS, encodeDemoDigits } from './digits.js';

const webDir = dirname(fileURLToPath(import.meta.url));
const root = dirname(webDir);
const shim = join(webDir, 'shims', 'node.ts');

/** The kernels (built by `npm run build:wasm`) and the demo digits, emitted as assets with fixed names. */
function neuriteAssets(): Plugin {
  return {
    name: 'neurite-assets',
    apply: 'build',
    generateBundle() {
      for (const build of ['simd', 'scalar']) {
        const p = join(root, 'build', `neurite.${build}.wasm`);
        if (!existsSync(p)) this.error(`${p} is missing: run \`npm run build:wasm\` before \`npm run build:web\``);
        this.emitFile({ type: 'asset', fileName: `neurite.${build}.wasm`, source: readFileSync(p) });
      }
      const digits = loadMnistDigits();
      this.emitFile({ type: 'asset', fileName: DEMO_DIGITS_FILE, source: encodeDemoDigits(digits, DEMO_DIGITS_PER_CLASS) });
    },
  };
}

export default defineConfig({
  root: webDir,
  base: './',
  logLevel: 'warn',
  publicDir: false,
  resolve: {
    alias: [
      { find: /^node:(fs|fs\/promises|path|url|module)$/, replacement: shim },
    ],
  },
  worker: { format: 'es' },
  build: {
    outDir: join(root, 'build', 'web'),
    emptyOutDir: true,
    target: 'es2022',
    // The bundle is a local tool; readable stack traces matter more than bytes.
    minify: false,
    sourcemap: true,
    reportCompressedSize: false,
    chunkSizeWarningLimit: 2048,
    rolldownOptions: {
      onLog(level, log, handler) {
        // aedat4.ts imports node:fs/promises lazily for its file-path entry point, which the page
        // never calls; that the shim it resolves to stays in the main chunk is intended.
        if (log.code === 'INEFFECTIVE_DYNAMIC_IMPORT' && log.message.includes('shims/node.ts')) return;
        handler(level, log);
      },
    },
  },
  plugins: [neuriteAssets()],
});
