import { type AppendStreamRequest, type KurrentDBClient } from '@kurrent/kurrentdb-client';
import { type CopiedEvent } from '../copy-event-log.js';
import { KurrentDBEventStore } from './kurrentdb-event-store.js';
import {
  decodeMetadata,
  encodeMetadata,
  importRequests,
  importSegments,
  MARKER_EVENT_TYPE,
  naming,
  toCopiedEvent,
  toRecordedEvent,
} from './kurrentdb-mapping.js';

/**
 * What the copy tool (copyEventLog) writes into KurrentDB for each event, without a server: the
 * pure mapping (segments that keep the source's global order, one request per stream run with its
 * expected revision, the original recording time in the metadata, one id marker per event) and
 * the requests the adapter hands a scripted client. That a real server then lists them in `$all`
 * in that order is the contract suite's part (`npm run test:kurrentdb`).
 */

const names = naming('vigie');
let ids = 0;
const newId = () => `00000000-0000-4000-8000-${String((ids += 1)).padStart(12, '0')}`;

function copied(streamId: string, streamVersion: number, n: number, overrides: Partial<CopiedEvent> = {}): CopiedEvent {
  return {
    globalPosition: n,
    streamId,
    streamVersion,
    eventId: `5e0c7a52-3f0b-4d7e-9f57-${String(n).padStart(12, '0')}`,
    type: 'LeaseSigned',
    schemaVersion: 1,
    data: { leaseId: `L-${n}`, amounts: [1, 2.5] },
    metadata: { actor: 'key:1', correlationId: 'c-1', request: { line: n } },
    recordedAt: new Date('2026-03-15T10:00:00.123Z'),
    recordedAtExact: '2026-03-15T10:00:00.123456Z',
    ...overrides,
  };
}

const tag = (events: readonly CopiedEvent[]) => events.map((event) => `${event.streamId}${event.streamVersion}`).join(' ');

describe('KurrentDB import of a copied log: the mapping', () => {
  it('keeps the global order by starting a new append when a stream comes back after another', () => {
    const log = [
      copied('a', 1, 1),
      copied('a', 2, 2),
      copied('b', 1, 3),
      copied('a', 3, 4),
      copied('c', 1, 5),
      copied('b', 2, 6),
    ];
    expect(importSegments(log, { maxEvents: 100, maxBytes: 1_000_000 }).map(tag)).toEqual(['a1 a2 b1', 'a3 c1 b2']);
  });

  it('bounds each append to the given number of events and size of data and metadata', () => {
    const log = [1, 2, 3, 4, 5].map((n) => copied('a', n, n));
    expect(importSegments(log, { maxEvents: 2, maxBytes: 1_000_000 }).map(tag)).toEqual(['a1 a2', 'a3 a4', 'a5']);
    expect(importSegments([], { maxEvents: 2, maxBytes: 1_000_000 })).toEqual([]);
    // Each event here weighs 95 characters of JSON: three fit in 300, and one too large goes alone.
    const size = JSON.stringify(log[0]!.data).length + JSON.stringify(log[0]!.metadata).length;
    expect(size).toBe(95);
    expect(importSegments(log, { maxEvents: 100, maxBytes: 300 }).map(tag)).toEqual(['a1 a2 a3', 'a4 a5']);
    expect(importSegments(log, { maxEvents: 100, maxBytes: 10 }).map(tag)).toEqual(['a1', 'a2', 'a3', 'a4', 'a5']);
  });

  it('writes each stream run with its ids, types, data and metadata, expecting the events before it, then one marker per id', () => {
    const segment = [copied('a', 3, 10), copied('a', 4, 11), copied('b', 1, 12, { type: 'LeaseCorrected', schemaVersion: 2 })];
    const requests = importRequests(names, segment, newId);

    expect(requests.map((request) => [request.streamName, request.expectedState, request.events.length])).toEqual([
      // Version 3 is the third event: the stream must hold two (last revision 1).
      ['vigie-a', 1n, 2],
      ['vigie-b', 'no_stream', 1],
      ['vigie~event-5e0c7a52-3f0b-4d7e-9f57-000000000010', 'no_stream', 1],
      ['vigie~event-5e0c7a52-3f0b-4d7e-9f57-000000000011', 'no_stream', 1],
      ['vigie~event-5e0c7a52-3f0b-4d7e-9f57-000000000012', 'no_stream', 1],
    ]);
    const [first, second] = requests[0]!.events;
    expect(first).toEqual({
      id: '5e0c7a52-3f0b-4d7e-9f57-000000000010',
      type: 'LeaseSigned',
      data: { leaseId: 'L-10', amounts: [1, 2.5] },
      metadata: {
        'vigie.metadata': JSON.stringify({ actor: 'key:1', correlationId: 'c-1', request: { line: 10 } }),
        'vigie.schemaVersion': '1',
        'vigie.recordedAt': '2026-03-15T10:00:00.123456Z',
        $correlationId: 'c-1',
      },
    });
    expect(second!.id).toBe('5e0c7a52-3f0b-4d7e-9f57-000000000011');
    expect(requests[1]!.events[0]!).toMatchObject({ type: 'LeaseCorrected', metadata: { 'vigie.schemaVersion': '2' } });
    const marker = requests[4]!.events[0]!;
    expect(marker).toMatchObject({ type: MARKER_EVENT_TYPE, data: { streamId: 'b' }, metadata: {} });
    expect(marker.id).toMatch(/^00000000-0000-4000-8000-/);
  });

  it('refuses a run whose versions do not follow one another (a log with a hole in a stream)', () => {
    expect(() => importRequests(names, [copied('a', 1, 1), copied('a', 3, 2)], newId)).toThrow(
      'Stream a: version 3 does not follow 1',
    );
  });

  it('reads back the original recording time, to the microsecond, instead of the time KurrentDB wrote the copy', () => {
    const written = {
      streamId: 'vigie-a',
      id: '5e0c7a52-3f0b-4d7e-9f57-000000000001',
      revision: 0n,
      type: 'LeaseSigned',
      created: new Date('2026-11-30T17:00:00Z'),
      data: { leaseId: 'L-1' },
      metadata: encodeMetadata({ actor: 'key:1' }, 1, '2026-03-15T10:00:00.123456Z'),
      position: { commit: 4_096n, prepare: 4_096n },
    };
    expect(toCopiedEvent(names, written)).toMatchObject({
      recordedAt: new Date('2026-03-15T10:00:00.123Z'),
      recordedAtExact: '2026-03-15T10:00:00.123456Z',
      metadata: { actor: 'key:1' },
      globalPosition: 4_096,
      streamVersion: 1,
    });
    expect(toRecordedEvent(names, written).recordedAt).toEqual(new Date('2026-03-15T10:00:00.123Z'));
    expect(toRecordedEvent(names, written)).not.toHaveProperty('recordedAtExact');

    // An event appended to KurrentDB itself: its own time.
    const native = { ...written, metadata: encodeMetadata({ actor: 'key:1' }, 1) };
    expect(native.metadata).not.toHaveProperty(['vigie.recordedAt']);
    expect(toCopiedEvent(names, native)).toMatchObject({
      recordedAt: new Date('2026-11-30T17:00:00Z'),
      recordedAtExact: '2026-11-30T17:00:00.000Z',
    });
  });

  it('refuses a recording time that is not one', () => {
    expect(() =>
      decodeMetadata({ 'vigie.metadata': '{"actor":"a"}', 'vigie.schemaVersion': '1', 'vigie.recordedAt': 'hier' }),
    ).toThrow('Invalid recording time hier');
  });
});

describe('KurrentDBEventStore.importEvents', () => {
  it('hands the client one atomic multi-stream append per segment, in the source order, and nothing else', async () => {
    const appended: AppendStreamRequest[][] = [];
    const client = {
      async multiStreamAppend(requests: AppendStreamRequest[]) {
        appended.push(requests);
        return { success: true };
      },
      async dispose() {},
    } as unknown as KurrentDBClient;
    const store = new KurrentDBEventStore(client, { streamPrefix: 'vigie' });

    await store.importEvents([copied('a', 1, 1), copied('b', 1, 2), copied('a', 2, 3)]);

    expect(
      appended.map((requests) => requests.map((request) => `${request.streamName} ${String(request.expectedState)}`)),
    ).toEqual([
      [
        'vigie-a no_stream',
        'vigie-b no_stream',
        'vigie~event-5e0c7a52-3f0b-4d7e-9f57-000000000001 no_stream',
        'vigie~event-5e0c7a52-3f0b-4d7e-9f57-000000000002 no_stream',
      ],
      ['vigie-a 0', 'vigie~event-5e0c7a52-3f0b-4d7e-9f57-000000000003 no_stream'],
    ]);
    const written = appended[1]![0]!.events[0]!;
    expect(written).toMatchObject({
      id: '5e0c7a52-3f0b-4d7e-9f57-000000000003',
      type: 'LeaseSigned',
      contentType: 'application/json',
      data: { leaseId: 'L-3', amounts: [1, 2.5] },
    });
    expect(decodeMetadata(written.metadata)).toEqual({
      metadata: { actor: 'key:1', correlationId: 'c-1', request: { line: 3 } },
      schemaVersion: 1,
      recordedAt: '2026-03-15T10:00:00.123456Z',
    });
    await store.close();
  });
});
