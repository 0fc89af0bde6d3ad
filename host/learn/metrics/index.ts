/** Continual-learning metrics: GEM, Continuum (accuracy matrix) and Baker et al.'s lifelong suite. */
export * from './continual.js';
export * from './lifelong.js';
export * from './recovery.js';
