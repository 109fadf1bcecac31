import { randomUUID } from 'node:crypto';
import { createTestDatabase, type TestDatabase } from '../../../test/support/postgres.js';
import { CommandPipeline, derivedEventId, type CommandRequest, type PipelineDecider } from './command-pipeline.js';
import { EventIdConflictError, WrongExpectedVersionError } from './event-store.errors.js';
import { PostgresEventStore } from './postgres/postgres-event-store.js';

/**
 * A counter that refuses to go past a limit, and remembers the id of the event that last moved it:
 * enough to specify the pipeline (retry, conflict, derived ids, batch) without any housing rule.
 */
type Counted = { type: 'Counted'; data: { by: number } };
type Count = { by: number; limit: number };
type CounterState = { total: number; lastEventId: string | null; version: number };
class LimitReached extends Error {}
const counter: PipelineDecider<Count, Counted, CounterState> = {
  decide: (command, state) => {
    if (state.total + command.by > command.limit) throw new LimitReached(`limit ${command.limit}`);
    // Two events when counting by 2: the second id derives from the first.
    return command.by === 2
      ? [
          { type: 'Counted', data: { by: 1 } },
          { type: 'Counted', data: { by: 1 } },
        ]
      : [{ type: 'Counted', data: { by: command.by } }];
  },
  evolve: (state, event) => ({ total: state.total + event.data.by, lastEventId: event.eventId, version: event.streamVersion }),
  initialState: { total: 0, lastEventId: null, version: 0 },
};

describe('The command pipeline (real PostgreSQL)', () => {
  let db: TestDatabase;
  let store: PostgresEventStore;
  let pipeline: CommandPipeline;
  beforeAll(async () => {
    db = await createTestDatabase();
    store = new PostgresEventStore(db.pool);
    pipeline = new CommandPipeline(store);
  });
  afterAll(async () => {
    await store.close();
    await db.drop();
  });

  const request = (
    streamId: string,
    by: number,
    eventId = randomUUID(),
    limit = 100,
  ): CommandRequest<Count, Counted, CounterState> => ({
    streamId,
    decider: counter,
    eventId,
    metadata: { actor: 'spec' },
    isRetryOf: (previous) => previous.type === 'Counted',
    command: () => ({ by, limit }),
  });

  it('given an empty stream, when a command is handled, then its events are appended with the client’s id first and derived ids after', async () => {
    const eventId = randomUUID();
    const outcome = await pipeline.handle(request('counter:a', 2, eventId));
    expect(outcome).toMatchObject({
      streamId: 'counter:a',
      eventId,
      eventType: 'Counted',
      streamVersion: 2,
      alreadyRecorded: false,
      recorded: true,
    });
    const { events } = await store.readStream('counter:a');
    expect(events.map((event) => event.eventId)).toEqual([eventId, derivedEventId(eventId, 1)]);
  });

  it('answers a retry (same id, same fact) as it was, before deciding: nothing written, even when deciding again would refuse', async () => {
    const eventId = randomUUID();
    const first = await pipeline.handle(request('counter:b', 1, eventId, 1));
    const again = await pipeline.handle(request('counter:b', 1, eventId, 1));
    expect(again).toEqual({ ...first, alreadyRecorded: true });
    expect((await store.readStream('counter:b')).version).toBe(1);
  });

  it('refuses the same id for another fact, or on another stream', async () => {
    const eventId = randomUUID();
    await pipeline.handle(request('counter:c', 1, eventId));
    await expect(pipeline.handle({ ...request('counter:c', 1, eventId), isRetryOf: () => false })).rejects.toBeInstanceOf(
      EventIdConflictError,
    );
    await expect(pipeline.handle(request('counter:c2', 1, eventId))).rejects.toBeInstanceOf(EventIdConflictError);
  });

  it('passes the decider’s refusal through unchanged, and writes nothing', async () => {
    await expect(pipeline.handle(request('counter:d', 5, randomUUID(), 3))).rejects.toBeInstanceOf(LimitReached);
    expect((await store.readStream('counter:d')).version).toBe(0);
  });

  it('gives evolve the recorded event: its id and its version', async () => {
    const ids = [randomUUID(), randomUUID()];
    for (const id of ids) await pipeline.handle(request('counter:e', 1, id));
    let seen: CounterState | undefined;
    await pipeline.handle({ ...request('counter:e', 1), command: (state) => ((seen = state), { by: 1, limit: 100 }) });
    expect(seen).toEqual({ total: 2, lastEventId: ids[1], version: 2 });
  });

  it('absorbs concurrent writers when the caller gave no expected version: every command recorded, none lost', async () => {
    const outcomes = await Promise.all(Array.from({ length: 12 }, () => pipeline.handle(request('counter:f', 1))));
    expect(outcomes.every((outcome) => outcome.recorded && !outcome.alreadyRecorded)).toBe(true);
    expect((await store.readStream('counter:f')).version).toBe(12);
  });

  it('answers identical concurrent retries with the retry answer, never a refusal', async () => {
    const eventId = randomUUID();
    const outcomes = await Promise.all(Array.from({ length: 8 }, () => pipeline.handle(request('counter:g', 1, eventId, 1))));
    expect(outcomes.filter((outcome) => !outcome.alreadyRecorded)).toHaveLength(1);
    expect(new Set(outcomes.map((outcome) => outcome.position)).size).toBe(1);
    expect((await store.readStream('counter:g')).version).toBe(1);
  });

  it('with an expected version, a stale one is the caller’s answer', async () => {
    await pipeline.handle(request('counter:h', 1));
    await expect(pipeline.handle({ ...request('counter:h', 1), expectedVersion: 0 })).rejects.toBeInstanceOf(
      WrongExpectedVersionError,
    );
    await expect(pipeline.handle({ ...request('counter:h', 1), expectedVersion: 1 })).resolves.toMatchObject({
      streamVersion: 2,
    });
  });

  it('decides a batch in order on evolving states, keeps the accepted, reports the refused, and recognises a batch sent again', async () => {
    const ids = Array.from({ length: 4 }, () => randomUUID());
    const batch = [
      request('counter:i', 1, ids[0], 2),
      request('counter:j', 1, ids[1], 2),
      request('counter:i', 1, ids[2], 2),
      request('counter:i', 1, ids[3], 2), // the third on counter:i: over the limit
    ];
    const outcomes = await pipeline.handleBatch(batch as never);
    expect(outcomes.map((outcome) => (outcome.ok ? outcome.outcome.streamVersion : 'refused'))).toEqual([1, 1, 2, 'refused']);
    expect(outcomes.filter((outcome) => outcome.ok).every((outcome) => outcome.ok && outcome.outcome.position! > 0)).toBe(true);
    expect((outcomes[3] as { error: unknown }).error).toBeInstanceOf(LimitReached);
    const again = await pipeline.handleBatch(batch.slice(0, 3) as never);
    expect(again.map((outcome) => outcome.ok && outcome.outcome.alreadyRecorded)).toEqual([true, true, true]);
    expect((await store.readStream('counter:i')).version).toBe(2);
  });
});
