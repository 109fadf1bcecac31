import { Inject } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { attributionDecider, attributionStreamId, type LeaseSignedData } from '@vigie/domain';
import { EventIdConflictError, jsonEqual, loadAggregate } from '@vigie/event-store';
import { RUNTIME, type Runtime } from '../../runtime/runtime.js';

export class RecordSignedLeaseCommand {
  constructor(
    readonly eventId: string,
    readonly lease: LeaseSignedData,
    readonly actor: string,
    readonly correlationId: string,
    readonly now: Date,
  ) {}
}

export interface RecordSignedLeaseResult {
  readonly eventId: string;
  readonly streamId: string;
  readonly streamVersion: number;
  readonly position: number;
  /** True when this event id had already been recorded with the same content (a retry). */
  readonly alreadyRecorded: boolean;
}

/** Load the case, decide, append: nothing else. */
@CommandHandler(RecordSignedLeaseCommand)
export class RecordSignedLeaseHandler implements ICommandHandler<RecordSignedLeaseCommand, RecordSignedLeaseResult> {
  constructor(@Inject(RUNTIME) private readonly runtime: Runtime) {}

  async execute(command: RecordSignedLeaseCommand): Promise<RecordSignedLeaseResult> {
    const { store } = this.runtime;
    const streamId = attributionStreamId(command.lease.bailleurId, command.lease.caseId);

    // A retry of a recorded event answers with the original, before any rule is re-checked.
    const previous = await store.readEvent(command.eventId);
    if (previous) {
      const same = previous.streamId === streamId && previous.type === 'LeaseSigned' && jsonEqual(previous.data, command.lease);
      if (!same) throw new EventIdConflictError(command.eventId);
      return {
        eventId: previous.eventId,
        streamId,
        streamVersion: previous.streamVersion,
        position: previous.globalPosition,
        alreadyRecorded: true,
      };
    }

    const { state, version } = await loadAggregate(store, streamId, attributionDecider);
    const events = attributionDecider.decide({ type: 'RecordSignedLease', data: command.lease, now: command.now }, state);
    const result = await store.append(
      streamId,
      events.map((event) => ({
        eventId: command.eventId,
        type: event.type,
        data: event.data,
        metadata: { actor: command.actor, correlationId: command.correlationId, source: 'api' },
      })),
      { expectedVersion: version },
    );
    return {
      eventId: command.eventId,
      streamId,
      streamVersion: result.nextExpectedVersion,
      position: result.positions[0]!,
      alreadyRecorded: result.alreadyRecorded,
    };
  }
}
