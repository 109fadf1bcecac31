import { type AppendStreamRequest, type KurrentDBClient } from '@kurrent/kurrentdb-client';
import { type AppendCondition, type NewEvent, type TransactionReader } from '../event-store.port.js';
import { AppendConditionsUnsupportedError, ConditionFactsBehindError, WrongExpectedVersionError } from '../event-store.errors.js';
import { KurrentDBEventStore } from './kurrentdb-event-store.js';
import { conditionStreamName, encodeMetadata, naming } from './kurrentdb-mapping.js';

/**
 * How the KurrentDB adapter maps append conditions onto the client's calls, without a server: a
 * scripted client answers the reads (guard streams, the log's head, the appended stream's tail)
 * and records every append request. What a real server does with those requests (refusing a
 * guard whose expected state moved on) is the contract suite's part (`npm run test:kurrentdb`).
 */

const names = naming('vigie');
const HEAD = 4_096;

interface Script {
  /** Last revision of each existing guard stream. */
  readonly guards: Record<string, bigint>;
  readonly appended: AppendStreamRequest[][];
  readonly calls: string[];
}

function scriptedClient(script: Script): KurrentDBClient {
  const recorded = (streamId: string, revision: bigint, position: number) => ({
    event: {
      streamId,
      id: '00000000-0000-4000-8000-000000000001',
      revision,
      type: 'LeaseSigned',
      created: new Date('2026-03-04T10:00:00Z'),
      data: {},
      metadata: encodeMetadata({ actor: 'test' }, 1),
      position: { commit: BigInt(position), prepare: BigInt(position) },
    },
  });
  async function* many<T>(items: T[]): AsyncGenerator<T> {
    yield* items;
  }
  // As the client fails a read of a stream that does not exist: on iteration.
  async function* missing(): AsyncGenerator<never> {
    throw { type: 'stream-not-found' };
  }
  return {
    readStream(name: string) {
      script.calls.push(`readStream ${name}`);
      if (name.startsWith('vigie~condition-')) {
        const revision = script.guards[name];
        if (revision === undefined) return missing();
        return many([{ event: { ...recorded(name, revision, 1).event, streamId: name } }]);
      }
      // No event id is recorded yet (a refused append looks for a retry by the markers).
      if (name.startsWith('vigie~event-')) return missing();
      return many([recorded(name, 0n, HEAD + 100)]);
    },
    readAll() {
      script.calls.push('readAll head');
      return many([recorded('vigie-case-0', 3n, HEAD)]);
    },
    async multiStreamAppend(requests: AppendStreamRequest[]) {
      script.calls.push('multiStreamAppend');
      script.appended.push(requests);
      return { success: true };
    },
    subscribeToAll() {
      throw new Error('no live subscription in this test');
    },
    async dispose() {},
  } as unknown as KurrentDBClient;
}

const event: NewEvent = {
  eventId: '5e0c7a52-3f0b-4d7e-9f57-2a5d3c1b9e01',
  type: 'LeaseSigned',
  data: { leaseId: 'L-1' },
  metadata: { actor: 'test' },
};

function condition(key: string, holds: boolean, seen: string[]): AppendCondition {
  return {
    key,
    stillHolds: async (reader) => {
      await reader.query('SELECT facts');
      seen.push(key);
      return holds;
    },
  };
}

/** Facts reachable at once; records the position each read was asked to include. */
function facts(asked: number[], behind = false) {
  const reader: TransactionReader = { query: async () => ({ rows: [] }) };
  return {
    readerAt: async (position: number) => {
      asked.push(position);
      if (behind) throw new ConditionFactsBehindError(position, position - 10);
      return reader;
    },
  };
}

describe('KurrentDB adapter: append conditions', () => {
  it('refuses an append with conditions when it has no reader of their facts, before any call to the server', async () => {
    const script: Script = { guards: {}, appended: [], calls: [] };
    const store = new KurrentDBEventStore(scriptedClient(script));
    const refusal = store.append('case-1', [event], {
      conditions: [condition('identity:a', true, []), condition('identity:a', true, [])],
    });
    await expect(refusal).rejects.toBeInstanceOf(AppendConditionsUnsupportedError);
    await expect(refusal).rejects.toMatchObject({ store: 'KurrentDB', keys: ['identity:a'] });
    expect(script.calls).toEqual([]);
  });

  it('reads each guard, then the head, then the facts up to that head; appends the events with one guard per key, each expecting the guard as read', async () => {
    const existing = conditionStreamName(names, 'identity:b');
    const script: Script = { guards: { [existing]: 6n }, appended: [], calls: [] };
    const asked: number[] = [];
    const seen: string[] = [];
    const store = new KurrentDBEventStore(scriptedClient(script), { conditionReads: facts(asked) });
    const result = await store.append('case-1', [event], {
      expectedVersion: 0,
      conditions: [condition('identity:b', true, seen), condition('identity:a', true, seen), condition('identity:b', true, seen)],
    });
    expect(script.calls.slice(0, 3)).toEqual([
      `readStream ${conditionStreamName(names, 'identity:a')}`,
      `readStream ${existing}`,
      'readAll head',
    ]);
    expect(asked).toEqual([HEAD]);
    expect(seen.sort()).toEqual(['identity:a', 'identity:b', 'identity:b']);
    expect(script.appended).toHaveLength(1);
    const requests = script.appended[0]!;
    expect(requests.map((request) => [request.streamName, request.expectedState, request.events.length])).toEqual([
      [conditionStreamName(names, 'identity:a'), 'no_stream', 1],
      [existing, 6n, 1],
      ['vigie-case-1', 'no_stream', 1],
      [`vigie~event-${event.eventId}`, 'no_stream', 1],
    ]);
    expect(requests[0]!.events[0]!.type).toBe('VigieConditionChecked');
    expect(result).toMatchObject({ streamId: 'case-1', positions: [HEAD + 100], alreadyRecorded: false });
  });

  it('writes nothing when a condition no longer holds: the append fails as one lost to a concurrent writer (409, decided again)', async () => {
    const script: Script = { guards: {}, appended: [], calls: [] };
    const store = new KurrentDBEventStore(scriptedClient(script), { conditionReads: facts([]) });
    const append = store.append('case-1', [event], {
      conditions: [condition('identity:a', true, []), condition('identity:c', false, [])],
    });
    await expect(append).rejects.toBeInstanceOf(WrongExpectedVersionError);
    await expect(append).rejects.toMatchObject({ streamId: 'condition:identity:c' });
    expect(script.appended).toEqual([]);
  });

  it('writes nothing when the facts do not reach the head in time, and says so', async () => {
    const script: Script = { guards: {}, appended: [], calls: [] };
    const store = new KurrentDBEventStore(scriptedClient(script), { conditionReads: facts([], true) });
    await expect(store.append('case-1', [event], { conditions: [condition('identity:a', true, [])] })).rejects.toBeInstanceOf(
      ConditionFactsBehindError,
    );
    expect(script.appended).toEqual([]);
  });

  it('appends without guards or fact reads when there is no condition', async () => {
    const script: Script = { guards: {}, appended: [], calls: [] };
    const asked: number[] = [];
    const store = new KurrentDBEventStore(scriptedClient(script), { conditionReads: facts(asked) });
    await store.append('case-1', [event]);
    expect(asked).toEqual([]);
    expect(script.appended[0]!.map((request) => request.streamName)).toEqual(['vigie-case-1', `vigie~event-${event.eventId}`]);
  });
});
