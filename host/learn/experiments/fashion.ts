/**
 * Fashion-MNIST (Xiao, Rasul & Vollgraf 2017) from Debian's `dataset-fashion-mnist` package:
 * 70,000 28x28 grayscale product images in 10 classes, as gzipped IDX files. The data is never
 * copied into the repository: `ensureFashionMnist` installs the package with apt-get when it is
 * missing (root, Debian's registry) and finds the files with `dpkg -L`.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { UsageError } from '../../errors.js';

export const FASHION_PACKAGE = 'dataset-fashion-mnist';
export const FASHION_CLASSES = ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'] as const;

export interface FashionFiles {
  trainImages: string;
  trainLabels: string;
  testImages: string;
  testLabels: string;
  /** Installed package version. */
  version: string;
}

export interface ImageSet {
  /** count * width * height values in [0, 1]. */
  readonly images: Float32Array;
  readonly labels: Uint8Array;
  readonly count: number;
  readonly width: number;
  readonly height: number;
}

function run(cmd: string, args: string[]): string {
  return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/** The package's files, or null when it is not installed. */
export function findFashionMnist(): FashionFiles | null {
  let version: string;
  let files: string[];
  try {
    version = run('dpkg-query', ['-W', '-f=${Status}\t${Version}', FASHION_PACKAGE]);
    if (!version.startsWith('install ok installed')) return null;
    version = version.split('\t')[1];
    files = run('dpkg', ['-L', FASHION_PACKAGE]).split('\n').map((s) => s.trim()).filter(Boolean);
  } catch {
    return null;
  }
  const pick = (name: string) => files.find((f) => basename(f) === name && existsSync(f));
  const out = {
    trainImages: pick('train-images-idx3-ubyte.gz'),
    trainLabels: pick('train-labels-idx1-ubyte.gz'),
    testImages: pick('t10k-images-idx3-ubyte.gz'),
    testLabels: pick('t10k-labels-idx1-ubyte.gz'),
  };
  if (!out.trainImages || !out.trainLabels || !out.testImages || !out.testLabels) return null;
  return { ...(out as Omit<FashionFiles, 'version'>), version };
}

/**
 * Finds the package's files, installing the package with apt-get first when it is missing
 * (`apt-get update` once if the first install attempt fails). Throws a UsageError saying why when
 * it cannot be installed (not root, no apt, no such package).
 */
export function ensureFashionMnist(log: (line: string) => void = () => {}): FashionFiles {
  const found = findFashionMnist();
  if (found) return found;
  log(`${FASHION_PACKAGE} is not installed: installing it with apt-get`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const install = () => execFileSync('apt-get', ['install', '-y', '--no-install-recommends', FASHION_PACKAGE], { stdio: ['ignore', 'pipe', 'pipe'], env });
  try {
    try {
      install();
    } catch {
      execFileSync('apt-get', ['update'], { stdio: ['ignore', 'pipe', 'pipe'], env });
      install();
    }
  } catch (e) {
    const err = e as { stderr?: Buffer; message: string };
    throw new UsageError(`cannot install ${FASHION_PACKAGE} with apt-get: ${(err.stderr?.toString() || err.message).trim().split('\n').slice(-3).join(' ')}`, { cause: e });
  }
  const after = findFashionMnist();
  if (!after) throw new UsageError(`${FASHION_PACKAGE} was installed but its IDX files were not found with dpkg -L`);
  return after;
}

/** Parses a (gzipped) IDX file: magic 0x00000803 images or 0x00000801 labels, big-endian dims. */
export function readIdx(file: string): { dims: number[]; data: Uint8Array } {
  let buf = readFileSync(file);
  if (buf[0] === 0x1f && buf[1] === 0x8b) buf = gunzipSync(buf);
  if (buf.length < 4 || buf[0] !== 0 || buf[1] !== 0 || buf[2] !== 0x08) throw new UsageError(`${file}: not an unsigned-byte IDX file`);
  const nd = buf[3];
  const dims: number[] = [];
  for (let k = 0; k < nd; k++) dims.push(buf.readUInt32BE(4 + 4 * k));
  const off = 4 + 4 * nd;
  const size = dims.reduce((a, b) => a * b, 1);
  if (buf.length !== off + size) throw new UsageError(`${file}: expected ${off + size} bytes for dims ${dims.join('x')}, got ${buf.length}`);
  return { dims, data: new Uint8Array(buf.buffer, buf.byteOffset + off, size) };
}

/** Loads one split (images scaled to [0, 1]). */
export function loadImageSet(imagesFile: string, labelsFile: string): ImageSet {
  const im = readIdx(imagesFile);
  const lb = readIdx(labelsFile);
  if (im.dims.length !== 3 || lb.dims.length !== 1 || im.dims[0] !== lb.dims[0]) {
    throw new UsageError(`${imagesFile} / ${labelsFile}: dims ${im.dims.join('x')} and ${lb.dims.join('x')} do not match`);
  }
  const images = new Float32Array(im.data.length);
  for (let k = 0; k < images.length; k++) images[k] = im.data[k] / 255;
  return { images, labels: Uint8Array.from(lb.data), count: im.dims[0], width: im.dims[2], height: im.dims[1] };
}
