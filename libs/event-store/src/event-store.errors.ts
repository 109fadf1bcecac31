import { type ExpectedVersion } from './event-store.port.js';

export class WrongExpectedVersionError extends Error {
  constructor(
    readonly streamId: string,
    readonly expected: ExpectedVersion,
    readonly actual: number,
  ) {
    super(`Stream ${streamId}: expected version ${String(expected)}, actual ${actual}`);
    this.name = 'WrongExpectedVersionError';
  }
}

/** An event id already names an event with other content (or in another stream). */
export class EventIdConflictError extends Error {
  constructor(readonly eventId: string) {
    super(`Event id ${eventId} is already recorded with different content`);
    this.name = 'EventIdConflictError';
  }
}

/**
 * The store cannot check an append's conditions (AppendCondition) with the guarantee the port
 * promises, so it refuses the append rather than write it unchecked: nothing was written. The
 * KurrentDB adapter raises it when it was opened without a reader of the facts the conditions
 * read (`conditionReads`).
 */
export class AppendConditionsUnsupportedError extends Error {
  constructor(
    readonly store: string,
    readonly keys: readonly string[],
  ) {
    super(`${store} cannot check append conditions (${keys.join(', ')}) without a reader of their facts: nothing was written`);
    this.name = 'AppendConditionsUnsupportedError';
  }
}

/**
 * The facts an append's conditions are read from did not reach the log's head in time (with
 * KurrentDB, PostgreSQL's copy of the log lags behind it, e.g. no projector runs): the conditions
 * could not be checked, nothing was written; the same append may be sent again later.
 */
export class ConditionFactsBehindError extends Error {
  constructor(
    readonly needed: number,
    readonly reached: number,
  ) {
    super(`The facts append conditions read are at position ${reached}, the log at ${needed}: nothing was written, try again`);
    this.name = 'ConditionFactsBehindError';
  }
}
