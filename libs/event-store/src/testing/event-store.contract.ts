import { randomUUID } from 'node:crypto';
import { type EventStore, type NewEvent, type RecordedEvent } from '../event-store.port.js';
import { EventIdConflictError, WrongExpectedVersionError } from '../event-store.errors.js';

/**
 * What every adapter of the EventStore port must do, as one Jest suite: appends with expected
 * versions, idempotent event ids, all-or-nothing multi-stream appends, global reads in order,
 * lookups by id, and subscriptions that resume after a restart from the checkpoint their owner
 * kept. The PostgreSQL adapter runs it in `npm test`
 * (postgres/postgres-event-store.contract.int.spec.ts); the KurrentDB adapter with
 * `npm run test:kurrentdb` (kurrentdb/kurrentdb-event-store.contract.kurrentdb.spec.ts).
 */
export interface ContractStore {
  readonly store: EventStore;
  /** A second instance on the same log, as a restarted process would open it. */
  reopen(): Promise<EventStore & { close(): Promise<void> }>;
  dispose(): Promise<void>;
}

export function describeEventStoreContract(adapter: string, open: () => Promise<ContractStore>): void {
  describe(`EventStore contract: ${adapter}`, () => {
    let opened: ContractStore;
    let store: EventStore;

    beforeEach(async () => {
      opened = await open();
      store = opened.store;
    });

    afterEach(async () => {
      await opened.dispose();
    });

    describe('append', () => {
      it('numbers a stream’s events from version 1 and reads them back with type, data, metadata and schema version', async () => {
        const result = await store.append('case-1', [event({ n: 1 }), { ...event({ n: 2 }), schemaVersion: 2 }], {
          expectedVersion: 'no_stream',
        });
        expect(result.nextExpectedVersion).toBe(2);
        expect(result.alreadyRecorded).toBe(false);
        expect(result.positions).toHaveLength(2);
        expect(result.positions[1]).toBeGreaterThan(result.positions[0]!);

        const { events, version } = await store.readStream('case-1');
        expect(version).toBe(2);
        expect(events.map((e) => [e.streamId, e.streamVersion, e.type, e.data, e.schemaVersion])).toEqual([
          ['case-1', 1, 'Noted', { n: 1 }, 1],
          ['case-1', 2, 'Noted', { n: 2 }, 2],
        ]);
        expect(events.map((e) => e.globalPosition)).toEqual(result.positions);
        expect(events[0]!.metadata).toEqual({ actor: 'test', source: 'contract', correlationId: 'c-1' });
        expect(events[0]!.recordedAt).toBeInstanceOf(Date);
        expect(await store.readStream('absent')).toEqual({ events: [], version: 0 });
      });
    });

    describe('concurrency', () => {
      it('refuses a stale expected version with the stream’s actual count, and writes nothing', async () => {
        await store.append('case-1', [event()], { expectedVersion: 'no_stream' });
        await expect(store.append('case-1', [event()], { expectedVersion: 'no_stream' })).rejects.toMatchObject({
          name: 'WrongExpectedVersionError',
          streamId: 'case-1',
          expected: 'no_stream',
          actual: 1,
        });
        await expect(store.append('case-1', [event()], { expectedVersion: 3 })).rejects.toBeInstanceOf(WrongExpectedVersionError);
        await expect(store.append('case-2', [event()], { expectedVersion: 1 })).rejects.toMatchObject({ actual: 0 });
        expect((await store.readStream('case-1')).version).toBe(1);
        const last = await store.append('case-1', [event()], { expectedVersion: 1 });
        expect(last.nextExpectedVersion).toBe(2);
        expect(await allEvents(store, last.positions.at(-1)!)).toHaveLength(2);
      });

      it('lets exactly one of concurrent writers expecting the same version win', async () => {
        await store.append('case-1', [event()]);
        const outcomes = await Promise.allSettled(
          Array.from({ length: 8 }, () => store.append('case-1', [event()], { expectedVersion: 1 })),
        );
        expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
        expect(
          outcomes.filter((o) => o.status === 'rejected' && (o.reason as unknown) instanceof WrongExpectedVersionError),
        ).toHaveLength(7);
        expect((await store.readStream('case-1')).version).toBe(2);
      });

      it('appends to several streams all or nothing', async () => {
        await store.append('case-2', [event()]);
        await expect(
          store.appendMany([
            { streamId: 'case-1', events: [event()], expectedVersion: 'no_stream' },
            { streamId: 'case-2', events: [event()], expectedVersion: 'no_stream' },
          ]),
        ).rejects.toBeInstanceOf(WrongExpectedVersionError);
        expect((await store.readStream('case-1')).version).toBe(0);

        const results = await store.appendMany([
          { streamId: 'case-1', events: [event(), event()], expectedVersion: 'no_stream' },
          { streamId: 'case-2', events: [event()], expectedVersion: 1 },
        ]);
        expect(results.map((r) => [r.streamId, r.nextExpectedVersion])).toEqual([
          ['case-1', 2],
          ['case-2', 2],
        ]);
        expect(await allEvents(store, Math.max(...results.flatMap((r) => r.positions)))).toHaveLength(4);
      });
    });

    describe('idempotency', () => {
      it('records the same event id once and answers the retry with the original positions', async () => {
        const id = randomUUID();
        const first = await store.append('case-1', [event({ n: 1 }, id)]);
        const retry = await store.append('case-1', [event({ n: 1 }, id)], { expectedVersion: 'no_stream' });
        expect(first.alreadyRecorded).toBe(false);
        expect(retry).toEqual({ ...first, alreadyRecorded: true });
        expect(await allEvents(store, first.positions[0]!)).toHaveLength(1);
      });

      it('refuses the same event id with other content, or in another stream', async () => {
        const id = randomUUID();
        const first = await store.append('case-1', [event({ n: 1 }, id)]);
        await expect(store.append('case-1', [event({ n: 2 }, id)])).rejects.toBeInstanceOf(EventIdConflictError);
        await expect(store.append('case-2', [event({ n: 1 }, id)])).rejects.toBeInstanceOf(EventIdConflictError);
        expect(await allEvents(store, first.positions[0]!)).toHaveLength(1);
        expect((await store.readStream('case-2')).version).toBe(0);
      });

      it('keeps one event when identical retries race', async () => {
        const id = randomUUID();
        const outcomes = await Promise.allSettled(Array.from({ length: 6 }, () => store.append('case-1', [event({ n: 1 }, id)])));
        const positions = outcomes.flatMap((o) => (o.status === 'fulfilled' ? o.value.positions : []));
        expect(positions.length).toBeGreaterThan(0);
        expect(new Set(positions).size).toBe(1);
        expect((await store.readStream('case-1')).version).toBe(1);
      });

      it('skips the streams already recorded identically when a batch is sent again', async () => {
        const batch = [
          { streamId: 'case-1', events: [event({ a: 1 })] },
          { streamId: 'case-2', events: [event({ b: 1 })] },
        ];
        await store.appendMany([batch[0]!]);
        const results = await store.appendMany(batch);
        expect(results.map((r) => r.alreadyRecorded)).toEqual([true, false]);
        expect(await allEvents(store, results[1]!.positions[0]!)).toHaveLength(2);
      });
    });

    describe('global reads', () => {
      it('reads the log in position order, page by page after a position, with the head position', async () => {
        const written: number[] = [];
        for (let i = 0; i < 7; i += 1) {
          const result = await store.append(`case-${i % 3}`, [event({ i }), event({ i, second: true })]);
          written.push(...result.positions);
        }
        const all = await allEvents(store, written.at(-1)!);
        expect(all.map((e) => e.globalPosition)).toEqual(written);
        expect(await store.readHeadPosition()).toBe(written.at(-1));

        const paged: number[] = [];
        let after = 0;
        for (;;) {
          const page = await store.readAll(after, 4);
          if (page.length === 0) break;
          expect(page.length).toBeLessThanOrEqual(4);
          paged.push(...page.map((e) => e.globalPosition));
          after = page.at(-1)!.globalPosition;
        }
        expect(paged).toEqual(written);
        expect(await store.readAll(written[5]!, 2)).toEqual(all.slice(6, 8));
      });

      it('finds events by id, and reads several streams at once', async () => {
        const [a, b] = [randomUUID(), randomUUID()];
        await store.append('case-1', [event({ n: 1 }, a)]);
        await store.append('case-2', [event({ n: 2 }, b), event({ n: 3 })]);
        expect(await store.readEvent(a)).toMatchObject({ eventId: a, streamId: 'case-1', streamVersion: 1, data: { n: 1 } });
        expect(await store.readEvent(randomUUID())).toBeUndefined();
        expect(await store.readEvent('not-a-uuid')).toBeUndefined();
        const found = await store.readEvents([a, b, randomUUID(), 'nope']);
        expect([...found.keys()].sort()).toEqual([a, b].sort());
        expect(found.get(b)).toMatchObject({ streamId: 'case-2', streamVersion: 1 });
        const streams = await store.readStreams(['case-1', 'case-2', 'absent', 'case-1']);
        expect([...streams.entries()].map(([id, s]) => [id, s.version])).toEqual([
          ['case-1', 1],
          ['case-2', 2],
          ['absent', 0],
        ]);
      });
    });

    describe('subscriptions', () => {
      it('delivers every event of concurrent writers exactly once, in position order', async () => {
        const received: number[] = [];
        const subscription = store.subscribe({
          after: 0,
          batchSize: 7,
          pollIntervalMs: 50,
          handler: async (events) => {
            received.push(...events.map((e) => e.globalPosition));
          },
        });
        const written = (
          await Promise.all(
            Array.from({ length: 6 }, async (_, writer) => {
              const positions: number[] = [];
              for (let i = 0; i < 8; i += 1) {
                const size = 1 + ((writer + i) % 3);
                const result = await store.append(
                  `writer-${writer}-${i % 3}`,
                  Array.from({ length: size }, () => event({ writer, i })),
                );
                positions.push(...result.positions);
              }
              return positions;
            }),
          )
        ).flat();
        await waitFor(() => received.length >= written.length);
        await subscription.stop();
        expect(received).toEqual([...written].sort((x, y) => x - y));
        expect(subscription.position).toBe(Math.max(...written));
      });

      it('resumes after a restart from the checkpoint its owner kept, without skipping or repeating', async () => {
        const before = await store.append('case-1', [event({ step: 1 }), event({ step: 2 })]);
        let checkpoint = 0;
        const first: unknown[] = [];
        const subscription = store.subscribe({
          after: 0,
          pollIntervalMs: 50,
          handler: async (events) => {
            first.push(...events.map((e) => e.data));
            checkpoint = events.at(-1)!.globalPosition;
          },
        });
        await waitFor(() => first.length === 2);
        await subscription.stop();
        expect(checkpoint).toBe(before.positions[1]);

        // Written while no subscriber runs; a failing batch must not move the checkpoint either.
        await store.append('case-2', [event({ step: 3 })]);
        const restarted = await opened.reopen();
        try {
          const second: unknown[] = [];
          let failures = 0;
          const resumed = restarted.subscribe({
            after: checkpoint,
            pollIntervalMs: 50,
            handler: async (events) => {
              if (failures === 0) {
                failures += 1;
                throw new Error('handler failed once');
              }
              second.push(...events.map((e) => e.data));
            },
          });
          const after = await restarted.append('case-1', [event({ step: 4 })], { expectedVersion: 2 });
          await waitFor(() => second.length >= 2);
          await resumed.stop();
          expect(failures).toBe(1);
          expect(second).toEqual([{ step: 3 }, { step: 4 }]);
          expect(resumed.position).toBe(after.positions[0]);
        } finally {
          await restarted.close();
        }
      });
    });
  });
}

function event(data: Record<string, unknown> = {}, eventId = randomUUID()): NewEvent {
  return { eventId, type: 'Noted', data, metadata: { actor: 'test', source: 'contract', correlationId: 'c-1' } };
}

/**
 * The whole log once it shows `until`: a reader may see a just-committed event a moment later
 * (PostgreSQL holds events back behind transactions still open on the server).
 */
async function allEvents(store: EventStore, until: number): Promise<RecordedEvent[]> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const events = await store.readAll(0, 10_000);
    if ((events.at(-1)?.globalPosition ?? 0) >= until) return events;
    if (Date.now() > deadline) throw new Error(`position ${until} not visible in time`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

async function waitFor(condition: () => boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
