import { randomUUID } from 'node:crypto';
import { type EventStore, type NewEvent, type RecordedEvent } from '../event-store.port.js';
import { type CopiedEvent, type CopyableEventLog, copyEventLog, DivergentTargetError } from '../copy-event-log.js';

/**
 * What every store must do as an end of the copy tool (copyEventLog), as one Jest suite: take a log
 * written through the port by another log of its kind, in the same global order, with the same
 * ids, streams, versions, data, metadata and recording times, readable by id and appendable after
 * the copy; resume an interrupted copy without writing an event twice; refuse a target holding
 * another log. PostgreSQL runs it in `npm test` (postgres/postgres-log-copy.contract.int.spec.ts),
 * KurrentDB with `npm run test:kurrentdb` (kurrentdb/kurrentdb-log-copy.contract.kurrentdb.spec.ts).
 */
export interface CopyContractLog {
  readonly store: EventStore & CopyableEventLog;
  dispose(): Promise<void>;
}

export function describeLogCopyContract(adapter: string, newLog: () => Promise<CopyContractLog>): void {
  describe(`copyEventLog contract: ${adapter} to ${adapter}`, () => {
    let opened: CopyContractLog[];
    let source: EventStore & CopyableEventLog;
    let target: EventStore & CopyableEventLog;

    beforeEach(async () => {
      opened = [await newLog(), await newLog()];
      [source, target] = opened.map((log) => log.store) as [typeof source, typeof target];
      // Three streams, interleaved: single appends and one multi-stream append.
      await source.append('case-a', [noted(1), noted(2)], { expectedVersion: 'no_stream' });
      await source.appendMany([
        { streamId: 'case-b', events: [noted(3)], expectedVersion: 'no_stream' },
        { streamId: 'case-a', events: [noted(4)], expectedVersion: 2 },
      ]);
      await source.append('case-c', [{ ...noted(5), schemaVersion: 2 }]);
      await source.append('case-b', [noted(6), noted(7)], { expectedVersion: 1 });
      await source.append('case-a', [noted(8)], { expectedVersion: 3 });
    });

    afterEach(async () => {
      for (const log of opened) await log.dispose();
    });

    it('writes the log in the same global order with the same ids, streams, versions, data, metadata and times', async () => {
      const report = await copyEventLog(source, target, { pageSize: 3 });

      expect(report).toMatchObject({ alreadyOnTarget: 0, copied: 8 });
      expect(report.verification).toMatchObject({ ok: true, source: { events: 8 }, target: { events: 8 } });
      expect(report.verification.target.idsChecksum).toBe(report.verification.source.idsChecksum);
      const copied = await target.readAll(0, 100);
      expect(copied.map(content)).toEqual((await source.readAll(0, 100)).map(content));
      expect(copied.map((event) => event.data)).toEqual([1, 2, 3, 4, 5, 6, 7, 8].map((n) => ({ n })));
      for (const stream of ['case-a', 'case-b', 'case-c']) {
        expect((await target.readStream(stream)).events.map(content)).toEqual(
          (await source.readStream(stream)).events.map(content),
        );
      }
      // Found by id, and a copied stream goes on from its copied version.
      expect(content((await target.readEvent(copied[4]!.eventId))!)).toEqual(content(copied[4]!));
      const next = await target.append('case-a', [noted(9)], { expectedVersion: 4 });
      expect(next.nextExpectedVersion).toBe(5);
      expect(next.positions[0]).toBeGreaterThan(copied.at(-1)!.globalPosition);
    });

    it('resumes an interrupted copy after what the target holds, writing no event twice', async () => {
      let imports = 0;
      const crashing: CopyableEventLog = {
        readHeadPosition: () => target.readHeadPosition(),
        readForCopy: (after, limit) => target.readForCopy(after, limit),
        settle: () => target.settle(),
        importEvents: async (events: readonly CopiedEvent[]) => {
          if ((imports += 1) === 2) throw new Error('connection lost');
          await target.importEvents(events);
        },
      };
      await expect(copyEventLog(source, crashing, { pageSize: 3 })).rejects.toThrow('connection lost');
      await target.settle();
      expect(await target.readAll(0, 100)).toHaveLength(3);

      const report = await copyEventLog(source, target, { pageSize: 3 });

      expect(report).toMatchObject({ alreadyOnTarget: 3, copied: 5, verification: { ok: true } });
      await target.settle();
      const ids = (await target.readAll(0, 100)).map((event) => event.eventId);
      expect(new Set(ids).size).toBe(8);
      expect(ids).toEqual((await source.readAll(0, 100)).map((event) => event.eventId));
    });

    it('refuses a target holding another log, writing nothing', async () => {
      await target.append('case-a', [noted(1)]);

      await expect(copyEventLog(source, target, { pageSize: 3 })).rejects.toBeInstanceOf(DivergentTargetError);
      expect((await target.readAll(0, 100)).map((event) => event.data)).toEqual([{ n: 1 }]);
    });
  });
}

function noted(n: number): NewEvent {
  return {
    eventId: randomUUID(),
    type: 'Noted',
    data: { n },
    metadata: { actor: 'test', correlationId: `c-${n}`, nested: { values: [n, 'é'] } },
  };
}

/** An event without its global position, which is each store's own. */
function content(event: RecordedEvent): unknown {
  return { ...event, globalPosition: undefined, recordedAt: event.recordedAt.toISOString() };
}
