import { EventIdConflictError, WrongExpectedVersionError } from './event-store.errors.js';
import type {
  AppendCondition,
  EventMetadata,
  EventStore,
  NewEvent,
  ReadStreamResult,
  RecordedEvent,
  StreamAppend,
} from './event-store.port.js';
import { uuidFromText } from './ids.js';

/** An event as `evolve` receives it: the fact, its id and its version in its stream. */
export type RecordedFact<Event> = Event & { readonly eventId: string; readonly streamVersion: number };

/** What the pipeline needs of a decider (structurally: every decider of libs/domain fits). */
export interface PipelineDecider<Command, Event extends { type: string; data: unknown }, State> {
  decide(command: Command, state: State): Event[];
  evolve(state: State, event: RecordedFact<Event>): State;
  readonly initialState: State;
}

/** One command for one stream, as HTTP, imports and the alert monitor hand it to the pipeline. */
export interface CommandRequest<Command, Event extends { type: string; data: unknown }, State> {
  readonly streamId: string;
  readonly decider: PipelineDecider<Command, Event, State>;
  /** The command, built on the state it is decided on (a referential lookup, the time of the request). */
  readonly command: (state: State) => Command | Promise<Command>;
  /**
   * Id of the first event the command records (the others derive from it: `derivedEventId`):
   * the client's (a retry sends it again), one derived from the fact, or, when the id depends on
   * where the stream stands, a function of the stream's version.
   */
  readonly eventId: string | ((streamVersion: number) => string);
  readonly metadata: EventMetadata;
  /** Whether an event already recorded under this id is the same fact: then the request is a retry. */
  readonly isRetryOf: (previous: RecordedEvent) => boolean;
  /** The version the caller read (If-Match). Absent: a concurrent write is absorbed by deciding again. */
  readonly expectedVersion?: number;
  /**
   * What the command was decided on beyond its stream (facts of other streams it looked up), read
   * again under a lock when its events are appended: if it changed meanwhile, the command is
   * decided again on the new facts (see AppendCondition).
   */
  readonly condition?: (command: Command) => AppendCondition | undefined;
}

/** What a command did: the one answer every write gives. */
export interface CommandOutcome {
  readonly streamId: string;
  /** Id of its first event; null when the command recorded nothing. */
  readonly eventId: string | null;
  readonly eventType: string | null;
  readonly position: number | null;
  /** Version of the stream after the command. */
  readonly streamVersion: number;
  /** True when the event id was already recorded with the same fact: a retry, nothing written. */
  readonly alreadyRecorded: boolean;
  /** False when the decision produced no event (nothing changed). */
  readonly recorded: boolean;
}

/** One command of a batch: its outcome, or why the decider refused it (the batch goes on). */
export type BatchOutcome =
  { readonly ok: true; readonly outcome: CommandOutcome } | { readonly ok: false; readonly error: unknown };

function conditionsOf<C, E extends { type: string; data: unknown }, S>(
  request: CommandRequest<C, E, S>,
  command: C,
): AppendCondition[] {
  const condition = request.condition?.(command);
  return condition ? [condition] : [];
}

/** The ids of the 2nd, 3rd… events of one command derive from the first, so a retry yields the same ids. */
export function derivedEventId(eventId: string, index: number): string {
  return index === 0 ? eventId : uuidFromText(`${eventId}/${index}`);
}

/** Attempts of a command whose write is lost to concurrent writers (each round, one of them wins). */
const MAX_ATTEMPTS = 10;

/** A short random pause before deciding again, so that writers that collided do not collide again in step. */
const backOff = (attempt: number) => new Promise((resolve) => setTimeout(resolve, Math.random() * 5 * attempt));

const isConcurrencyError = (error: unknown) =>
  error instanceof WrongExpectedVersionError || error instanceof EventIdConflictError;

function retryOutcome(previous: RecordedEvent): CommandOutcome {
  return {
    streamId: previous.streamId,
    eventId: previous.eventId,
    eventType: previous.type,
    position: previous.globalPosition,
    streamVersion: previous.streamVersion,
    alreadyRecorded: true,
    recorded: true,
  };
}

function fold<C, E extends { type: string; data: unknown }, S>(decider: PipelineDecider<C, E, S>, stream: ReadStreamResult): S {
  return stream.events.reduce(
    (state, event) =>
      decider.evolve(state, {
        type: event.type,
        data: event.data,
        eventId: event.eventId,
        streamVersion: event.streamVersion,
      } as RecordedFact<E>),
    decider.initialState,
  );
}

/**
 * The one way Vigie writes: load the stream, decide, append with the expected version. A retry
 * (the first event's id already recorded with the same fact) is recognised before deciding and
 * answered as it was; the same id with another fact is an EventIdConflictError. When the caller
 * gave no expected version, a write lost to a concurrent writer is decided again on the new
 * state, up to 10 times; with one, a WrongExpectedVersionError is the caller's answer.
 * Domain errors thrown by `decide` reach the caller unchanged.
 */
export class CommandPipeline {
  constructor(private readonly store: EventStore) {}

  async handle<C, E extends { type: string; data: unknown }, S>(request: CommandRequest<C, E, S>): Promise<CommandOutcome> {
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await this.attempt(request);
      } catch (error) {
        if (!(request.expectedVersion === undefined && attempt < MAX_ATTEMPTS && isConcurrencyError(error))) throw error;
        await backOff(attempt);
      }
    }
  }

  private async attempt<C, E extends { type: string; data: unknown }, S>(
    request: CommandRequest<C, E, S>,
  ): Promise<CommandOutcome> {
    const { streamId, decider } = request;
    if (typeof request.eventId === 'string') {
      const previous = await this.store.readEvent(request.eventId);
      if (previous) return this.answerRetry(request, previous);
    }
    const stream = await this.store.readStream(streamId);
    // A concurrent copy of this very request may have committed between the two reads.
    const committed =
      typeof request.eventId === 'string' ? stream.events.find((event) => event.eventId === request.eventId) : undefined;
    if (committed) return this.answerRetry(request, committed);
    if (request.expectedVersion !== undefined && stream.version !== request.expectedVersion) {
      throw new WrongExpectedVersionError(streamId, request.expectedVersion, stream.version);
    }
    const state = fold(decider, stream);
    const command = await request.command(state);
    const events = decider.decide(command, state);
    if (!events.length) {
      return {
        streamId,
        eventId: null,
        eventType: null,
        position: null,
        streamVersion: stream.version,
        alreadyRecorded: false,
        recorded: false,
      };
    }
    const first = typeof request.eventId === 'string' ? request.eventId : request.eventId(stream.version);
    const result = await this.store.append(
      streamId,
      events.map((event, index) => ({
        eventId: derivedEventId(first, index),
        type: event.type,
        data: event.data,
        metadata: request.metadata,
      })),
      { expectedVersion: stream.version, conditions: conditionsOf(request, command) },
    );
    return {
      streamId,
      eventId: first,
      eventType: events[0]!.type,
      position: result.positions[0]!,
      streamVersion: result.nextExpectedVersion,
      alreadyRecorded: result.alreadyRecorded,
      recorded: true,
    };
  }

  private answerRetry<C, E extends { type: string; data: unknown }, S>(
    request: CommandRequest<C, E, S>,
    previous: RecordedEvent,
  ): CommandOutcome {
    if (previous.streamId !== request.streamId || !request.isRetryOf(previous)) throw new EventIdConflictError(previous.eventId);
    return retryOutcome(previous);
  }

  /**
   * Many commands, decided in order on the states as they evolve, and appended in one
   * transaction (all or nothing). A command the decider refuses is reported and left out; the
   * others go on. A write lost to a concurrent writer decides the whole batch again (up to 10
   * times). Requests with an expected version are not supported here. With `dryRun`, the
   * commands are decided exactly so but nothing is appended (a preview: positions are null).
   */
  async handleBatch(
    requests: readonly CommandRequest<unknown, { type: string; data: unknown }, unknown>[],
    options: { readonly dryRun?: boolean } = {},
  ): Promise<BatchOutcome[]> {
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await this.attemptBatch(requests, options.dryRun === true);
      } catch (error) {
        if (!(attempt < MAX_ATTEMPTS && isConcurrencyError(error))) throw error;
        await backOff(attempt);
      }
    }
  }

  private async attemptBatch(
    requests: readonly CommandRequest<unknown, { type: string; data: unknown }, unknown>[],
    dryRun: boolean,
  ): Promise<BatchOutcome[]> {
    const outcomes: BatchOutcome[] = new Array(requests.length);
    const known = await this.store.readEvents(
      requests.flatMap((request) => (typeof request.eventId === 'string' ? [request.eventId] : [])),
    );
    const fresh: number[] = [];
    requests.forEach((request, index) => {
      const previous = typeof request.eventId === 'string' ? known.get(request.eventId) : undefined;
      if (!previous) return fresh.push(index);
      try {
        outcomes[index] = { ok: true, outcome: this.answerRetry(request, previous) };
      } catch (error) {
        outcomes[index] = { ok: false, error };
      }
    });
    const read = await this.store.readStreams(fresh.map((index) => requests[index]!.streamId));
    const streams = new Map<string, { state: unknown; version: number; pending: NewEvent[]; ofRequest: Map<number, number> }>();
    const conditions: AppendCondition[] = [];
    for (const index of fresh) {
      const request = requests[index]!;
      let current = streams.get(request.streamId);
      if (!current) {
        const stream = read.get(request.streamId)!;
        current = { state: fold(request.decider, stream), version: stream.version, pending: [], ofRequest: new Map() };
        streams.set(request.streamId, current);
      }
      try {
        const command = await request.command(current.state);
        const events = request.decider.decide(command, current.state);
        if (events.length) conditions.push(...conditionsOf(request, command));
        const base = current.version + current.pending.length;
        const first = typeof request.eventId === 'string' ? request.eventId : request.eventId(base);
        events.forEach((event, offset) => {
          const eventId = derivedEventId(first, offset);
          current.state = request.decider.evolve(current.state, { ...event, eventId, streamVersion: base + offset + 1 });
          current.pending.push({ eventId, type: event.type, data: event.data, metadata: request.metadata });
        });
        if (events.length) current.ofRequest.set(index, current.pending.length - events.length);
        outcomes[index] = {
          ok: true,
          outcome: {
            streamId: request.streamId,
            eventId: events.length ? first : null,
            eventType: events[0]?.type ?? null,
            position: null,
            streamVersion: base + events.length,
            alreadyRecorded: false,
            recorded: events.length > 0,
          },
        };
      } catch (error) {
        if (isConcurrencyError(error)) throw error;
        outcomes[index] = { ok: false, error };
      }
    }
    const appends: StreamAppend[] = [...streams.entries()]
      .filter(([, current]) => current.pending.length)
      .map(([streamId, current]) => ({ streamId, events: current.pending, expectedVersion: current.version }));
    if (!appends.length || dryRun) return outcomes;
    const results = new Map((await this.store.appendMany(appends, { conditions })).map((result) => [result.streamId, result]));
    for (const [streamId, current] of streams) {
      const positions = results.get(streamId)?.positions ?? [];
      for (const [index, offset] of current.ofRequest) {
        const outcome = outcomes[index] as { ok: true; outcome: CommandOutcome };
        outcomes[index] = { ok: true, outcome: { ...outcome.outcome, position: positions[offset] ?? null } };
      }
    }
    return outcomes;
  }
}
