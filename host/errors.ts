/**
 * Every error neurite throws on purpose is a NeuriteError subclass that carries the offending
 * value, so that callers can branch on the class and show the user where and what went wrong.
 */
export class NeuriteError extends Error {
  override readonly name: string = 'NeuriteError';
}

/** A decoder met bytes it cannot accept. `offset` is the absolute byte offset in the stream. */
export class DecodeError extends NeuriteError {
  override readonly name = 'DecodeError';
  constructor(
    readonly format: string,
    readonly offset: number,
    readonly reason: string,
    readonly source?: string,
  ) {
    super(`${source ? source + ': ' : ''}${format} at byte ${offset}: ${reason}`);
  }
}

/** A model spec failed validation; `issues` holds every problem, each with its JSON path. */
export class SpecError extends NeuriteError {
  override readonly name = 'SpecError';
  constructor(readonly issues: readonly { path: string; message: string }[]) {
    super(
      `model spec has ${issues.length} error${issues.length === 1 ? '' : 's'}:\n` +
        issues.map((i) => `  ${i.path}: ${i.message}`).join('\n'),
    );
  }
}

/** A Plan needs more bytes than the budget allows. Regions are listed largest first. */
export class BudgetError extends NeuriteError {
  override readonly name = 'BudgetError';
  constructor(
    readonly budgetBytes: number,
    readonly requiredBytes: number,
    readonly regions: readonly { name: string; bytes: number }[],
  ) {
    const top = [...regions].sort((a, b) => b.bytes - a.bytes);
    super(
      `model needs ${requiredBytes} bytes but the budget is ${budgetBytes} bytes ` +
        `(${requiredBytes - budgetBytes} bytes missing); regions: ` +
        top.map((r) => `${r.name}=${r.bytes}`).join(', '),
    );
  }
  get missingBytes(): number {
    return this.requiredBytes - this.budgetBytes;
  }
}

/** A WebAssembly kernel trapped or aborted. The instance must not be used afterwards. */
export class KernelTrapError extends NeuriteError {
  override readonly name = 'KernelTrapError';
  constructor(
    readonly kernel: string,
    readonly detail: string,
  ) {
    super(`kernel ${kernel} trapped: ${detail}`);
  }
}

/** The built kernels do not speak the ABI this host was written for. */
export class AbiMismatchError extends NeuriteError {
  override readonly name = 'AbiMismatchError';
  constructor(readonly detail: string) {
    super(`kernel ABI mismatch: ${detail}`);
  }
}

/** A checkpoint file is truncated, corrupt, or from an incompatible version. Nothing was loaded. */
export class CheckpointError extends NeuriteError {
  override readonly name = 'CheckpointError';
  constructor(
    readonly file: string,
    readonly reason: string,
  ) {
    super(`checkpoint ${file}: ${reason}`);
  }
}

/** Bad command-line or API usage (unknown option, missing file, wrong label file). */
export class UsageError extends NeuriteError {
  override readonly name = 'UsageError';
}

/** A writer was asked to store an event its format cannot represent. `index` is the event index. */
export class EncodeError extends NeuriteError {
  override readonly name = 'EncodeError';
  constructor(
    readonly format: string,
    readonly index: number,
    readonly reason: string,
  ) {
    super(`${format} event ${index}: ${reason}`);
  }
}

/**
 * An ONNX or NIR model cannot be read, written or mapped onto neurite. `node` names the graph
 * node at fault (null when the problem is the file as a whole); `reason` says what is wrong.
 */
export class InteropError extends NeuriteError {
  override readonly name = 'InteropError';
  constructor(
    readonly format: 'onnx' | 'nir',
    readonly node: string | null,
    readonly reason: string,
    readonly source?: string,
  ) {
    super(`${source ? source + ': ' : ''}${format === 'onnx' ? 'ONNX' : 'NIR'}${node !== null ? ` node "${node}"` : ''}: ${reason}`);
  }
}

/**
 * A gateway configuration file (docs/gateway.md) failed validation; `issues` holds every problem,
 * each with its JSON path, like SpecError.
 */
export class ConfigError extends NeuriteError {
  override readonly name = 'ConfigError';
  constructor(
    readonly file: string,
    readonly issues: readonly { path: string; message: string }[],
  ) {
    super(
      `${file}: gateway config has ${issues.length} error${issues.length === 1 ? '' : 's'}:\n` +
        issues.map((i) => `  ${i.path}: ${i.message}`).join('\n'),
    );
  }
}
