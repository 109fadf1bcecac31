import fc from 'fast-check';
import { type EventMetadata } from '../event-store.port.js';
import { WrongExpectedVersionError } from '../event-store.errors.js';
import {
  classifyAppendFailure,
  conditionGuard,
  conditionStreamName,
  decodeData,
  decodeMetadata,
  encodeMetadata,
  eventCountOf,
  eventStreamsPrefix,
  expectedState,
  globalPositionOf,
  isAfter,
  isMarkerStream,
  isMissingStream,
  markerStreamName,
  naming,
  readPositionAfter,
  streamIdOf,
  streamName,
  streamVersionOf,
  toRecordedEvent,
} from './kurrentdb-mapping.js';
import { hostsOf } from '../open-event-log.js';

const names = naming('vigie');

describe('KurrentDB mapping', () => {
  describe('stream names', () => {
    it('puts every Vigie stream under its prefix and reads the id back', () => {
      expect(streamName(names, 'lease:lmh:L-1')).toBe('vigie-lease:lmh:L-1');
      expect(streamIdOf(names, 'vigie-lease:lmh:L-1')).toBe('lease:lmh:L-1');
      expect(eventStreamsPrefix(names)).toBe('vigie-');
      fc.assert(fc.property(fc.string({ minLength: 1 }), (id) => streamIdOf(names, streamName(names, id)) === id));
    });

    it('does not take a system stream, a marker or another prefix for a Vigie stream', () => {
      expect(streamIdOf(names, '$all')).toBeUndefined();
      expect(streamIdOf(names, 'other-lease-1')).toBeUndefined();
      expect(streamIdOf(names, 'vigie-')).toBeUndefined();
      const marker = markerStreamName(names, '6F1C1C9E-9A53-4C8E-9D0E-3B0E7C1F0A01');
      expect(marker).toBe('vigie~event-6f1c1c9e-9a53-4c8e-9d0e-3b0e7c1f0a01');
      expect(isMarkerStream(names, marker)).toBe(true);
      expect(streamIdOf(names, marker)).toBeUndefined();
      expect(marker.startsWith(eventStreamsPrefix(names))).toBe(false);
    });

    it('refuses a prefix that could name a system stream or break the filter', () => {
      expect(() => naming('$vigie')).toThrow(/only letters/);
      expect(() => naming('vi-gie')).toThrow(/only letters/);
      expect(() => naming('')).toThrow(/only letters/);
      expect(() => streamName(names, '')).toThrow(/empty stream id/);
    });
  });

  describe('revisions and expected versions', () => {
    it('maps the port’s event counts to KurrentDB’s 0-based revisions', () => {
      expect(expectedState(undefined)).toBe('any');
      expect(expectedState('any')).toBe('any');
      expect(expectedState('no_stream')).toBe('no_stream');
      expect(expectedState(0)).toBe('no_stream');
      expect(expectedState(1)).toBe(0n);
      expect(expectedState(42)).toBe(41n);
      expect(() => expectedState(-3)).toThrow(/Invalid expected version/);
      expect(streamVersionOf(0n)).toBe(1);
      expect(streamVersionOf(41n)).toBe(42);
      fc.assert(
        fc.property(fc.integer({ min: 1, max: 1e9 }), (count) => streamVersionOf(expectedState(count) as bigint) === count),
      );
    });

    it('counts the events of a stream from its current state', () => {
      expect(eventCountOf('no_stream')).toBe(0);
      expect(eventCountOf(0n)).toBe(1);
      expect(eventCountOf(6n)).toBe(7);
      expect(eventCountOf(-5n)).toBe(0);
    });
  });

  describe('positions', () => {
    it('takes an event’s log position as its global position', () => {
      expect(globalPositionOf({ commit: 1_788n, prepare: 1_788n })).toBe(1_788);
    });

    it('refuses positions of explicit transactions and beyond 2^53 rather than misorder them', () => {
      expect(() => globalPositionOf({ commit: 2_000n, prepare: 1_900n })).toThrow(/explicit transaction/);
      expect(() => globalPositionOf({ commit: 2n ** 60n, prepare: 2n ** 60n })).toThrow(/beyond 2\^53/);
      expect(() => globalPositionOf(undefined)).toThrow(/without a log position/);
    });

    it('reads after a checkpoint from the checkpoint itself, then drops what is not strictly after it', () => {
      expect(readPositionAfter(0)).toBe('start');
      expect(readPositionAfter(1_788)).toEqual({ commit: 1_788n, prepare: 1_788n });
      expect(() => readPositionAfter(-1)).toThrow(/Invalid global position/);
      expect(isAfter({ commit: 1_788n, prepare: 1_788n }, 1_788)).toBe(false);
      expect(isAfter({ commit: 1_900n, prepare: 1_900n }, 1_788)).toBe(true);
    });

    it('keeps the order of log positions', () => {
      fc.assert(
        fc.property(fc.bigInt({ min: 1n, max: 2n ** 53n - 1n }), fc.bigInt({ min: 1n, max: 2n ** 53n - 1n }), (a, b) => {
          const pa = globalPositionOf({ commit: a, prepare: a });
          const pb = globalPositionOf({ commit: b, prepare: b });
          return Math.sign(pa - pb) === Number(a > b) - Number(a < b);
        }),
      );
    });
  });

  describe('metadata', () => {
    const metadata: EventMetadata = { actor: 'key:1', correlationId: 'c-1', causationId: 'e-0', source: 'import', row: 12 };

    it('sends flat string entries, with KurrentDB’s own correlation and causation keys', () => {
      const encoded = encodeMetadata(metadata, 2);
      expect(Object.values(encoded).every((value) => typeof value === 'string')).toBe(true);
      expect(encoded.$correlationId).toBe('c-1');
      expect(encoded.$causationId).toBe('e-0');
      expect(encoded['vigie.schemaVersion']).toBe('2');
    });

    it('reads back the same metadata and schema version, from a parsed object or from bytes', () => {
      const encoded = encodeMetadata(metadata, 2);
      expect(decodeMetadata(encoded)).toEqual({ metadata, schemaVersion: 2 });
      expect(decodeMetadata(new TextEncoder().encode(JSON.stringify(encoded)))).toEqual({ metadata, schemaVersion: 2 });
      fc.assert(
        fc.property(
          fc.record({ actor: fc.string() }),
          fc.dictionary(fc.string(), fc.jsonValue()),
          fc.integer({ min: 1, max: 50 }),
          (base, extra, version) => {
            const original = JSON.parse(JSON.stringify({ ...extra, ...base })) as EventMetadata;
            const decoded = decodeMetadata(encodeMetadata(original, version));
            expect(decoded).toEqual({ metadata: original, schemaVersion: version });
          },
        ),
      );
    });

    it('refuses metadata Vigie did not write', () => {
      expect(() => decodeMetadata({ $correlationId: 'x' })).toThrow(/without Vigie metadata/);
      expect(() => decodeMetadata(new Uint8Array())).toThrow(/without Vigie metadata/);
      expect(() => decodeMetadata({ 'vigie.metadata': '{}', 'vigie.schemaVersion': '0' })).toThrow(/Invalid schema version/);
    });
  });

  it('turns a KurrentDB event of a Vigie stream into the port’s recorded event', () => {
    const created = new Date('2026-03-01T10:00:00Z');
    const recorded = toRecordedEvent(names, {
      streamId: 'vigie-case-1',
      id: '6f1c1c9e-9a53-4c8e-9d0e-3b0e7c1f0a01',
      revision: 2n,
      type: 'Noted',
      created,
      data: new TextEncoder().encode('{"n":3}'),
      metadata: encodeMetadata({ actor: 'test' }, 1),
      position: { commit: 5_000n, prepare: 5_000n },
    });
    expect(recorded).toEqual({
      globalPosition: 5_000,
      streamId: 'case-1',
      streamVersion: 3,
      eventId: '6f1c1c9e-9a53-4c8e-9d0e-3b0e7c1f0a01',
      type: 'Noted',
      schemaVersion: 1,
      data: { n: 3 },
      metadata: { actor: 'test' },
      recordedAt: created,
    });
    expect(decodeData({ n: 1 })).toEqual({ n: 1 });
    expect(() =>
      toRecordedEvent(names, {
        streamId: 'other-case-1',
        id: recorded.eventId,
        revision: 0n,
        type: 'Noted',
        created,
        data: {},
        metadata: encodeMetadata({ actor: 'test' }, 1),
        position: { commit: 1n, prepare: 1n },
      }),
    ).toThrow(/not a Vigie stream/);
  });

  describe('append condition guards', () => {
    it('names one guard stream per key, of fixed shape whatever the key holds, outside the event streams and the markers', () => {
      expect(conditionStreamName(names, 'lease-identity:lmh:hh-1:590000001:2026-03-04')).toMatch(
        /^vigie~condition-[0-9a-f]{64}$/,
      );
      fc.assert(
        fc.property(fc.string(), fc.string(), (a, b) => {
          const name = conditionStreamName(names, a);
          expect(name).toBe(conditionStreamName(names, a));
          expect(name === conditionStreamName(names, b)).toBe(a === b);
          expect(name).toMatch(/^vigie~condition-[0-9a-f]{64}$/);
          expect(streamIdOf(names, name)).toBeUndefined();
          expect(isMarkerStream(names, name)).toBe(false);
        }),
      );
      expect(conditionStreamName(naming('other'), 'k')).not.toBe(conditionStreamName(names, 'k'));
    });

    it('expects each guard as it was read: absent (no_stream) or at its last revision', () => {
      expect(conditionGuard(names, 'k', undefined)).toEqual({
        streamName: conditionStreamName(names, 'k'),
        expectedState: 'no_stream',
      });
      expect(conditionGuard(names, 'k', 0n)).toEqual({ streamName: conditionStreamName(names, 'k'), expectedState: 0n });
      expect(conditionGuard(names, 'k', 41n).expectedState).toBe(41n);
    });
  });

  describe('errors', () => {
    const expected = (streamId: string) => (streamId === 'case-1' ? 3 : undefined);

    it('turns a wrong expected version on an event stream into the port’s typed error (409 at the API)', () => {
      const failure = classifyAppendFailure(
        names,
        { type: 'wrong-expected-version', streamName: 'vigie-case-1', actualState: 4n },
        expected,
      );
      expect(failure.kind).toBe('stale');
      const error = (failure as { error: WrongExpectedVersionError }).error;
      expect(error).toBeInstanceOf(WrongExpectedVersionError);
      expect(error).toMatchObject({ streamId: 'case-1', expected: 3, actual: 5 });
      expect(
        classifyAppendFailure(
          names,
          { type: 'wrong-expected-version', streamName: 'vigie-case-2', actualState: 'no_stream' },
          expected,
        ),
      ).toMatchObject({ kind: 'stale', error: { streamId: 'case-2', expected: 'any', actual: 0 } });
    });

    it('reads a wrong expected version on a marker as an event id already recorded', () => {
      expect(
        classifyAppendFailure(
          names,
          { type: 'wrong-expected-version', streamName: 'vigie~event-6f1c1c9e-9a53-4c8e-9d0e-3b0e7c1f0a01', actualState: 0n },
          expected,
        ),
      ).toEqual({ kind: 'duplicate-event-id', eventId: '6f1c1c9e-9a53-4c8e-9d0e-3b0e7c1f0a01' });
    });

    it('reads a wrong expected version on a condition guard as a write lost to a concurrent writer (decided again)', () => {
      const guard = conditionStreamName(names, 'lease-identity:lmh:hh:59:2026-01-02');
      const failure = classifyAppendFailure(
        names,
        { type: 'wrong-expected-version', streamName: guard, actualState: 2n },
        expected,
      );
      expect(failure.kind).toBe('stale');
      expect((failure as { error: WrongExpectedVersionError }).error).toMatchObject({
        streamId: `condition:${guard}`,
        expected: 'any',
      });
      expect((failure as { error: unknown }).error).toBeInstanceOf(WrongExpectedVersionError);
    });

    it('passes every other failure through, and knows a missing stream', () => {
      const unavailable = { type: 'unavailable' };
      expect(classifyAppendFailure(names, unavailable, expected)).toEqual({ kind: 'other', error: unavailable });
      expect(classifyAppendFailure(names, new Error('boom'), expected).kind).toBe('other');
      expect(isMissingStream({ type: 'stream-not-found' })).toBe(true);
      expect(isMissingStream({ type: 'access-denied' })).toBe(false);
    });
  });
});

describe('KurrentDB connection strings in logs and /health', () => {
  it('shows hosts and ports only, never credentials or options', () => {
    expect(hostsOf('kurrentdb://127.0.0.1:2113?tls=false')).toBe('127.0.0.1:2113');
    expect(hostsOf('kurrentdb+discover://admin:s3cret@db1:2113,db2:2113?tls=true')).toBe('db1:2113,db2:2113');
  });
});
