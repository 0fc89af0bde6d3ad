/** The model spec: types, the version this host reads, validation and JSON parsing. */
export * from './types.js';
export {
  validateSpec,
  parseSpecJson,
  findJsonSyntaxError,
  SPEC_DEFAULTS,
  SPEC_LIMITS,
  SPEC_NAME_PATTERN,
  type SpecIssue,
} from './validate.js';
