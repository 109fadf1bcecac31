import { type CopiedEvent, differenceOf, microsecondsOf, progressLine, verificationLines } from './copy-event-log.js';

/** The copy tool's pure parts: how two events compare, how progress and the verification read. */

const event: CopiedEvent = {
  globalPosition: 7,
  streamId: 'case-a',
  streamVersion: 2,
  eventId: '5e0c7a52-3f0b-4d7e-9f57-2a5d3c1b9e01',
  type: 'LeaseSigned',
  schemaVersion: 1,
  data: { a: 1, b: [1, 2] },
  metadata: { actor: 'key:1', correlationId: 'c-1' },
  recordedAt: new Date('2026-03-15T10:00:00.123Z'),
  recordedAtExact: '2026-03-15T10:00:00.123456Z',
};

describe('copyEventLog: comparing an event on the target with the source’s', () => {
  it('takes the same event at another position, with keys in another order and the time at another precision, as equal', () => {
    expect(
      differenceOf(event, {
        ...event,
        globalPosition: 4_096,
        eventId: event.eventId.toUpperCase(),
        data: { b: [1, 2], a: 1 },
        recordedAtExact: '2026-03-15T10:00:00.123Z',
      }),
    ).toBeUndefined();
  });

  it('names the first field that differs', () => {
    expect(differenceOf(event, { ...event, eventId: '5e0c7a52-3f0b-4d7e-9f57-2a5d3c1b9e02' })).toBe(
      'id 5e0c7a52-3f0b-4d7e-9f57-2a5d3c1b9e02 on the target, 5e0c7a52-3f0b-4d7e-9f57-2a5d3c1b9e01 in the source',
    );
    expect(differenceOf(event, { ...event, streamVersion: 3 })).toBe(
      `event ${event.eventId}: version 3 on the target, 2 in the source`,
    );
    expect(differenceOf(event, { ...event, data: { a: 2, b: [1, 2] } })).toBe(`event ${event.eventId}: data differ`);
    expect(differenceOf(event, { ...event, metadata: { actor: 'key:2' } })).toBe(`event ${event.eventId}: metadata differ`);
    expect(differenceOf(event, { ...event, recordedAtExact: '2026-03-15T10:00:00.124Z' })).toBe(
      `event ${event.eventId}: recorded at 2026-03-15T10:00:00.124Z on the target, 2026-03-15T10:00:00.123456Z in the source`,
    );
  });

  it('reads ISO 8601 times to the microsecond whatever their offset and digits', () => {
    expect(microsecondsOf('1970-01-01T00:00:01.000001Z')).toBe(1_000_001n);
    expect(microsecondsOf('2026-03-15T11:00:00.5+01:00')).toBe(microsecondsOf('2026-03-15T10:00:00.500000Z'));
    expect(() => microsecondsOf('15/03/2026')).toThrow('Not an ISO 8601 time: 15/03/2026');
  });
});

describe('copyEventLog: what the operator reads', () => {
  it('estimates the total and the time left from the position reached in the source', () => {
    expect(
      progressLine({ read: 25_000, copied: 20_000, alreadyOnTarget: 5_000, position: 50_000, head: 200_000, elapsedMs: 10_000 }),
    ).toBe('copy-log: 25000 / ~100000 events (25 %; 20000 copied, 5000 already on the target), 2500 ev/s, ETA 30 s');
  });

  it('prints both sides and the verdict', () => {
    const side = { events: 3, idsChecksum: 'ab'.repeat(32) };
    expect(verificationLines({ source: side, target: side, ok: true })).toEqual([
      `source: 3 events, sha256 of ids in order ${'ab'.repeat(32)}`,
      `target: 3 events, sha256 of ids in order ${'ab'.repeat(32)}`,
      'OK: same events in the same order, every one equal (id, stream, version, type, schema version, data, metadata, recording time)',
    ]);
    expect(
      verificationLines({
        source: side,
        target: { ...side, events: 2 },
        firstDifference: 'event #3: missing on the target',
        ok: false,
      })[2],
    ).toBe('DIFFÉRENCE / MISMATCH: event #3: missing on the target');
  });
});
