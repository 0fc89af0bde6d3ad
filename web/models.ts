/**
 * The bundled model specs (models/*.json), embedded into the page at build time, so the page
 * needs no server-side listing. Validated when chosen, like any user-supplied spec.
 */
const specs = import.meta.glob<unknown>('../models/*.json', { eager: true, import: 'default' });

/** name -> raw spec JSON value, sorted by name. */
export const MODEL_SPECS: ReadonlyMap<string, unknown> = new Map(
  Object.entries(specs)
    .map(([path, spec]) => [path.slice(path.lastIndexOf('/') + 1, -'.json'.length), spec] as const)
    .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)),
);

export const DEFAULT_MODEL = 'nmnist-stdp-wta';
