import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { attributionStreamId } from '@vigie/domain';
import { calDecisionRecorded } from '@vigie/domain/testing/attribution.builders.js';
import {
  type CopiedEvent,
  type CopyableEventLog,
  copyEventLog,
  DivergentTargetError,
  PostgresEventStore,
  WrongExpectedVersionError,
} from '@vigie/event-store';
import { createProjectionRunners, REBUILDABLE, rebuildProjection } from '@vigie/projections';
import { createTestDatabase, type TestDatabase, untilVisible } from '../support/postgres.js';
import { leaseAppendBatches, syntheticLease } from '../support/lease-events.js';
import { rowsOf } from '../support/read-models.js';

/**
 * The copy tool (copyEventLog, `copy-log` of apps/projector) from one PostgreSQL log to another:
 * the target holds the same events, field by field and microsecond by microsecond, in the same
 * order at the same positions; an interrupted copy resumes without writing an event twice; a
 * target holding another log is refused; the read models built on the target equal the source's.
 */

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const LEASES = 400;

/** Every column of the log as text, in global order: two logs compare row by row. */
async function logOf(db: TestDatabase): Promise<string[]> {
  const { rows } = await db.pool.query<{ row: string }>(
    `SELECT concat_ws(' | ', global_position, stream_id, stream_version, event_id, event_type, schema_version,
                      data::text, metadata::text, to_char(recorded_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US')) AS row
     FROM events ORDER BY global_position`,
  );
  return rows.map((r) => r.row);
}

async function streamsOf(db: TestDatabase): Promise<string[]> {
  const { rows } = await db.pool.query<{ row: string }>(
    `SELECT stream_id || ' ' || version AS row FROM streams ORDER BY stream_id`,
  );
  return rows.map((r) => r.row);
}

async function countOf(db: TestDatabase): Promise<{ events: number; ids: number }> {
  const { rows } = await db.pool.query<{ events: string; ids: string }>(
    'SELECT count(*) AS events, count(DISTINCT event_id) AS ids FROM events',
  );
  return { events: Number(rows[0]!.events), ids: Number(rows[0]!.ids) };
}

/**
 * A log as Vigie writes it: leases signed in multi-stream imports (plain metadata), some corrected
 * and some cancelled through the API (metadata with correlation, causation and nested values),
 * a CAL decision, and a refused append that leaves a gap in the positions. Returns its event count.
 */
async function writeSourceLog(store: PostgresEventStore, leases: number): Promise<number> {
  let events = 0;
  const signed: { streamId: string; eventId: string; i: number }[] = [];
  for (const batch of leaseAppendBatches(0, leases, 50)) {
    await store.appendMany(batch);
    events += batch.length;
    for (const append of batch) signed.push({ streamId: append.streamId, eventId: append.events[0]!.eventId, i: signed.length });
  }
  for (const lease of signed) {
    if (lease.i % 7 !== 0 && lease.i % 11 !== 0) continue;
    const data = syntheticLease(lease.i);
    let current = lease.eventId;
    let version = 1;
    const metadata = (causationId: string) => ({
      actor: 'key:0123456789abcdef',
      source: 'api',
      correlationId: randomUUID(),
      causationId,
      request: { lines: [lease.i, 2], note: 'saisie corrigée « à la main »' },
    });
    if (lease.i % 7 === 0) {
      const eventId = randomUUID();
      await store.append(
        lease.streamId,
        [
          {
            eventId,
            type: 'LeaseCorrected',
            data: {
              lease: { ...data, household: { ...data.household, yearlyResources: 1_234 } },
              reason: 'ressources mal saisies',
              correctsEventId: current,
            },
            metadata: metadata(current),
          },
        ],
        { expectedVersion: version },
      );
      current = eventId;
      version += 1;
      events += 1;
    }
    if (lease.i % 11 === 0) {
      await store.append(
        lease.streamId,
        [
          {
            eventId: randomUUID(),
            type: 'LeaseCancelled',
            data: {
              leaseId: data.leaseId,
              caseId: data.caseId,
              bailleurId: data.bailleurId,
              reason: 'signé par erreur',
              cancelsEventId: current,
            },
            metadata: metadata(current),
          },
        ],
        { expectedVersion: version },
      );
      events += 1;
    }
  }
  // A lost race: rolled back after its position was handed out, which leaves a gap.
  await expect(
    store.append(signed[0]!.streamId, [{ eventId: randomUUID(), type: 'OfferDeclined', data: {}, metadata: { actor: 'test' } }], {
      expectedVersion: 0,
    }),
  ).rejects.toBeInstanceOf(WrongExpectedVersionError);
  const cal = calDecisionRecorded();
  await store.append(attributionStreamId(cal.data.bailleurId, cal.data.caseId), [
    { eventId: randomUUID(), type: cal.type, data: cal.data, metadata: { actor: 'test' } },
  ]);
  return events + 1;
}

/** A target that fails (as a crash would) on its `failOn`-th import, after the earlier ones committed. */
function failingOn(target: CopyableEventLog, failOn: number): CopyableEventLog {
  let imports = 0;
  return {
    readHeadPosition: () => target.readHeadPosition(),
    readForCopy: (after, limit) => target.readForCopy(after, limit),
    importEvents: async (events: readonly CopiedEvent[]) => {
      imports += 1;
      if (imports === failOn) throw new Error('connection lost');
      await target.importEvents(events);
    },
    settle: () => target.settle(),
  };
}

interface CliRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** `copy-log` of apps/projector as an operator runs it; `onStart` may kill it. */
function copyLogCli(args: readonly string[], onStart?: (kill: () => void) => void): Promise<CliRun> {
  const child = spawn(
    process.execPath,
    ['--import', '@swc-node/register/esm-register', 'apps/projector/src/main.ts', 'copy-log', ...args],
    { cwd: ROOT, env: { ...process.env, NODE_OPTIONS: '', LOG_LEVEL: 'error' }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => (stdout += chunk));
  child.stderr.on('data', (chunk) => (stderr += chunk));
  onStart?.(() => child.kill('SIGKILL'));
  return new Promise((resolve) => child.once('exit', (code) => resolve({ code, stdout, stderr })));
}

describe('Copying the event log from one PostgreSQL to another (copyEventLog, copy-log)', () => {
  let source: TestDatabase;
  let sourceStore: PostgresEventStore;
  let total: number;
  const targets: TestDatabase[] = [];

  async function newTarget(): Promise<{ db: TestDatabase; store: PostgresEventStore }> {
    const db = await createTestDatabase();
    targets.push(db);
    return { db, store: new PostgresEventStore(db.pool) };
  }

  beforeAll(async () => {
    source = await createTestDatabase();
    sourceStore = new PostgresEventStore(source.pool);
    total = await writeSourceLog(sourceStore, LEASES);
    await untilVisible(source.pool);
  }, 300_000);

  afterAll(async () => {
    await sourceStore.close();
    for (const db of targets) await db.drop();
    await source.drop();
  });

  it('writes every event with its id, stream, version, type, data, metadata and recording time, in the same order', async () => {
    const { db, store } = await newTarget();
    // 400 leases, 58 corrected (i % 7), 37 cancelled (i % 11), one CAL decision.
    expect(total).toBe(LEASES + 58 + 37 + 1);
    const sourceLog = await logOf(source);
    expect(sourceLog).toHaveLength(total);
    // The refused append left a gap: positions are not 1..n.
    expect(Number(sourceLog.at(-1)!.split(' | ')[0])).toBeGreaterThan(total);

    const report = await copyEventLog(sourceStore, store, { pageSize: 100 });

    expect(report).toMatchObject({ alreadyOnTarget: 0, copied: total });
    expect(report.verification.ok).toBe(true);
    expect(report.verification.source).toEqual(report.verification.target);
    expect(report.verification.target.events).toBe(total);
    // Same positions, ids, streams, versions, types, schema versions, data, metadata, microseconds.
    expect(await logOf(db)).toEqual(sourceLog);
    expect(await streamsOf(db)).toEqual(await streamsOf(source));

    // The target is a working log: an append goes on after the copied positions and versions.
    const [lease] = (
      await db.pool.query<{ stream_id: string; version: number }>('SELECT stream_id, version FROM streams LIMIT 1')
    ).rows;
    const appended = await store.append(
      lease!.stream_id,
      [{ eventId: randomUUID(), type: 'OfferDeclined', data: {}, metadata: { actor: 'test' } }],
      { expectedVersion: lease!.version },
    );
    expect(appended.positions[0]).toBeGreaterThan(Number(sourceLog.at(-1)!.split(' | ')[0]));
    await store.close();
  });

  it('resumes an interrupted copy where it stopped, writing no event twice', async () => {
    const { db, store } = await newTarget();

    await expect(copyEventLog(sourceStore, failingOn(store, 3), { pageSize: 100 })).rejects.toThrow('connection lost');
    expect(await countOf(db)).toEqual({ events: 200, ids: 200 });

    const progress: number[] = [];
    const report = await copyEventLog(sourceStore, store, {
      pageSize: 100,
      onProgress: (p) => progress.push(p.alreadyOnTarget),
    });

    expect(report).toMatchObject({ alreadyOnTarget: 200, copied: total - 200 });
    expect(progress.at(-1)).toBe(200);
    expect(report.verification).toMatchObject({ ok: true });
    expect(await countOf(db)).toEqual({ events: total, ids: total });
    expect(await logOf(db)).toEqual(await logOf(source));

    // Run again on a complete copy: nothing to write, same verification.
    const again = await copyEventLog(sourceStore, store, { pageSize: 100 });
    expect(again).toMatchObject({ alreadyOnTarget: total, copied: 0 });
    expect(again.verification).toEqual(report.verification);
    await store.close();
  });

  it('refuses a target holding another log, and one holding more than the source, writing nothing', async () => {
    const { db, store } = await newTarget();
    const [other] = leaseAppendBatches(10_000, 3, 3);
    await store.appendMany(other!);
    const before = await logOf(db);

    const refusal = copyEventLog(sourceStore, store, { pageSize: 100 });
    await expect(refusal).rejects.toBeInstanceOf(DivergentTargetError);
    await expect(refusal).rejects.toThrow(/La cible n'est pas vide .* event #1: id .* on the target/);
    expect(await logOf(db)).toEqual(before);

    // A target holding more than the source (here a whole copy, and an empty source).
    const longer = await newTarget();
    await copyEventLog(sourceStore, longer.store, { pageSize: 100 });
    const emptySource = await newTarget();
    await expect(copyEventLog(emptySource.store, longer.store)).rejects.toThrow(
      `the target holds more events than the source's 0`,
    );
    for (const opened of [store, longer.store, emptySource.store]) await opened.close();
  });

  it('copies a source still written to up to its head when the copy began, and the rest on the next run', async () => {
    const live = await newTarget();
    const { db, store } = await newTarget();
    for (const batch of leaseAppendBatches(0, 300, 50)) await live.store.appendMany(batch);
    let writing = true;
    let next = 300;
    const writer = (async () => {
      while (writing) {
        for (const batch of leaseAppendBatches(next, 10, 10)) await live.store.appendMany(batch);
        next += 10;
      }
    })();

    const first = await copyEventLog(live.store, store, { pageSize: 50 });
    writing = false;
    await writer;

    expect(first.verification).toMatchObject({ ok: true, target: { events: first.copied } });
    expect(first.copied).toBeGreaterThanOrEqual(300);
    const second = await copyEventLog(live.store, store, { pageSize: 50 });
    // The source moved on during the first run: the second copies what came after its head.
    expect(second.copied).toBeGreaterThan(0);
    expect(second).toMatchObject({ alreadyOnTarget: first.copied, copied: next - first.copied, verification: { ok: true } });
    expect(await logOf(db)).toEqual(await logOf(live.db));
    for (const opened of [live.store, store]) await opened.close();
  });

  it('gives the target the same read models as the source once rebuilt there', async () => {
    const { db, store } = await newTarget();
    await copyEventLog(sourceStore, store, { pageSize: 250 });
    await store.close();

    for (const runner of createProjectionRunners(source.pool, { batchSize: 250 })) await runner.catchUp();
    const sizes: Record<string, number> = {};
    for (const [name, { fresh, live }] of Object.entries(REBUILDABLE)) {
      // What an operator runs on the new store: `npm run rebuild -- NAME`.
      const rebuilt = await rebuildProjection(db.pool, { fresh: fresh(), live: live(), batchSize: 100 });
      expect({ name, applied: rebuilt.applied }).toEqual({ name, applied: total });
      for (const table of live().tables) {
        const onSource = await rowsOf(source, table);
        expect({ table, rows: await rowsOf(db, table) }).toEqual({ table, rows: onSource });
        sizes[table] = onSource.length;
      }
    }
    // The comparison compared something: leases counted, corrections and cancellations applied.
    expect(sizes.lease_summary).toBeGreaterThan(20);
    const { rows } = await db.pool.query<{ leases: string }>('SELECT sum(leases) AS leases FROM lease_summary');
    expect(Number(rows[0]!.leases)).toBe(LEASES - 37);
  });

  it('runs as `copy-log` of apps/projector: killed mid-copy, run again, verified; refuses another log', async () => {
    const { db } = await newTarget();
    let atKill = 0;
    const killed = await copyLogCli(['--from', source.url, '--to', db.url, '--page-size', '5'], (kill) => {
      const poll = setInterval(() => {
        void countOf(db).then(({ events }) => {
          if (events >= 100 && atKill === 0) {
            atKill = events;
            clearInterval(poll);
            kill();
          }
        });
      }, 5);
    });
    expect(killed.code).toBeNull();
    // Killed part-way, on a page boundary it had committed.
    expect(atKill).toBeGreaterThanOrEqual(100);
    const afterKill = await countOf(db);
    expect(afterKill.events).toBeLessThan(total);
    expect(afterKill.events % 5).toBe(0);

    const resumed = await copyLogCli(['--from', source.url, '--to', db.url, '--page-size', '100']);
    expect(resumed.stderr).toContain(`${total - afterKill.events} events copied, ${afterKill.events} already on the target`);
    const [sourceLine, targetLine, verdict] = resumed.stdout.trim().split('\n');
    expect(sourceLine).toMatch(new RegExp(`^source: ${total} events, sha256 of ids in order [0-9a-f]{64}$`));
    expect(targetLine!.replace('target', 'source')).toBe(sourceLine);
    expect(verdict).toMatch(/^OK: same events in the same order/);
    expect(resumed.code).toBe(0);
    expect(await logOf(db)).toEqual(await logOf(source));

    // The copy as the source of another copy into a target holding another log.
    const other = await newTarget();
    const [foreign] = leaseAppendBatches(20_000, 1, 1);
    await other.store.appendMany(foreign!);
    await other.store.close();
    const refused = await copyLogCli(['--from', db.url, '--to', other.db.url]);
    expect(refused.code).toBe(3);
    expect(refused.stderr).toContain("La cible n'est pas vide et ne reprend pas le début du journal source");
    expect(refused.stderr).toContain('The target is not empty and is not a prefix of the source log');
    expect(await countOf(other.db)).toEqual({ events: 1, ids: 1 });
  }, 300_000);
});
