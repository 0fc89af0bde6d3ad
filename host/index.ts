/**
 * neurite's programmatic API: the product. The CLI (host/cli) is a thin layer over it.
 *
 *   import { compileModel, createRuntime } from 'neurite';
 *   const model = compileModel(specJson);          // validate + plan (throws SpecError / BudgetError)
 *   const rt = await createRuntime(model);          // one fixed WebAssembly.Memory
 *   rt.run(events, { learn: true });                // bin events into steps and run the schedule
 */
import { parseSpecJson, validateSpec } from './spec/validate.js';
import type { ModelSpec } from './spec/types.js';
import { planModel, type Plan, type PlanOptions } from './plan/plan.js';
import { Runtime, type RuntimeOptions } from './runtime/runtime.js';

export interface CompiledModel {
  readonly spec: ModelSpec;
  readonly plan: Plan;
}

/** Validates a spec (object or JSON text) and lays out its arena. */
export function compileModel(spec: unknown, opts: PlanOptions = {}): CompiledModel {
  const valid = typeof spec === 'string' ? parseSpecJson(spec) : validateSpec(spec);
  return { spec: valid, plan: planModel(valid, opts) };
}

/** Instantiates the kernels over a fresh fixed-size memory laid out by the model's Plan. */
export async function createRuntime(model: CompiledModel, opts: RuntimeOptions = {}): Promise<Runtime> {
  return new Runtime(model.plan, opts.build ?? 'simd');
}

export * from './errors.js';
export type { EventBatch, SensorGeometry } from './events/types.js';
export type { ModelSpec } from './spec/types.js';
export { validateSpec, parseSpecJson } from './spec/validate.js';
export { planModel } from './plan/plan.js';
export type { Plan, Region, RegionKind } from './plan/plan.js';
export { Runtime } from './runtime/runtime.js';
export type { RuntimeOptions, RunOptions } from './runtime/runtime.js';
export { COUNTERS } from './runtime/abi.js';
export type { Counters, CounterKey } from './runtime/abi.js';
