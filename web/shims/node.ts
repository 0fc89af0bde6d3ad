/**
 * Browser stand-in for the `node:fs`, `node:fs/promises`, `node:path`, `node:url` and
 * `node:module` imports of the host modules the page reuses (see web/vite.config.ts).
 *
 * Only `extname` does real work: the format registry's detectFormat uses it on the file's name.
 * Every other function belongs to a file-system entry point the page never calls (it reads the
 * user's files as bytes and hands the compiled kernels in), so reaching one is a bug and throws an
 * error that names it instead of failing somewhere later.
 */
import { NeuriteError } from '../../host/errors.js';

export class NotInBrowserError extends NeuriteError {
  override readonly name = 'NotInBrowserError';
  constructor(readonly fn: string) {
    super(`${fn} is a Node.js file-system function and is not available in the browser page`);
  }
}

const unavailable = (fn: string) => (): never => {
  throw new NotInBrowserError(fn);
};

/** POSIX path.extname: the last `.suffix` of the last path segment, '' for none or a leading dot. */
export function extname(path: string): string {
  const base = path.slice(path.lastIndexOf('/') + 1);
  const dot = base.lastIndexOf('.');
  return dot <= 0 ? '' : base.slice(dot);
}

export const createReadStream = unavailable('fs.createReadStream');
export const readFileSync = unavailable('fs.readFileSync');
export const existsSync = unavailable('fs.existsSync');
export const readdirSync = unavailable('fs.readdirSync');
export const statSync = unavailable('fs.statSync');
export const open = unavailable('fs.promises.open');
export const stat = unavailable('fs.promises.stat');
export const dirname = unavailable('path.dirname');
export const join = unavailable('path.join');
export const basename = unavailable('path.basename');
export const resolve = unavailable('path.resolve');
export const fileURLToPath = unavailable('url.fileURLToPath');
export const createRequire = unavailable('module.createRequire');
