/**
 * Errors of fleet learning. Each carries the offending value (topic, sender, reason code) so a
 * gateway can count and log it and go on: a bad message from one peer never stops the others.
 */
import { NeuriteError } from '../errors.js';

/** A fleet message that is not a well-formed readout-state payload (magic, length, CRC, ...). */
export class FleetPayloadError extends NeuriteError {
  override readonly name = 'FleetPayloadError';
  constructor(readonly source: string, readonly reason: string) {
    super(`fleet payload from ${source}: ${reason}`);
  }
}

/**
 * A well-formed state that cannot be merged with ours: another model spec (its hash), another
 * kernel ABI, another readout kind or shape. Merging it would average unrelated numbers.
 */
export class FleetMismatchError extends NeuriteError {
  override readonly name = 'FleetMismatchError';
  constructor(
    readonly sender: string,
    readonly field: 'specHash' | 'abiVersion' | 'kind' | 'shape',
    readonly theirs: string,
    readonly ours: string,
  ) {
    super(`fleet state from "${sender}" refused: ${field} is ${theirs}, this gateway has ${ours}`);
  }
}

/** The broker refused the connection (CONNACK reason code), e.g. wrong credentials. Not retried. */
export class FleetAuthError extends NeuriteError {
  override readonly name = 'FleetAuthError';
  constructor(readonly broker: string, readonly username: string, readonly reasonCode: number, readonly reason: string) {
    super(`broker ${broker} refused gateway "${username}": CONNACK reason code ${reasonCode} (${reason})`);
  }
}

/** The broker refused a publish (PUBACK reason code), e.g. a topic the ACL does not grant. */
export class FleetPublishError extends NeuriteError {
  override readonly name = 'FleetPublishError';
  constructor(readonly topic: string, readonly reasonCode: number | null, readonly reason: string) {
    super(`publish to "${topic}" refused${reasonCode === null ? '' : ` with reason code ${reasonCode}`}: ${reason}`);
  }
}

/** A fleet configuration value that cannot work (bad id, topic, URL, period). */
export class FleetConfigError extends NeuriteError {
  override readonly name = 'FleetConfigError';
  constructor(readonly path: string, readonly value: unknown, readonly reason: string) {
    super(`fleet config ${path} = ${JSON.stringify(value)}: ${reason}`);
  }
}
