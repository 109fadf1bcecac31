import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { TerritorialReferential } from '@vigie/referential';
import { adminFetch, registerOrganisations, waitFor } from '../support/app.js';
import { importReport, importSettled, startImport } from '../support/imports.js';
import { createTestDatabase, type TestDatabase } from '../support/postgres.js';
import { startApiProcess, startProjectorProcess, type VigieProcess } from '../support/processes.js';
import { expectReadModelsEqualRebuild, headOf, projectedUpTo } from '../support/read-models.js';

/**
 * Crash consistency, on real processes: the API (PROJECTOR_IN_PROCESS=false) is SIGKILLed
 * mid-import and apps/projector mid-batch, each at a random moment, over several rounds, while
 * single leases are written one by one. After each round:
 * - every read model, carried on from where the killed projector left it, equals a rebuild of
 *   the whole log into fresh tables (table by table, row by row);
 * - the killed import says what happened: "interrompu" with exactly what it recorded (`recorded`,
 *   counted from the log; at most the chunk in flight recorded and not yet counted in
 *   `accepted`), or "termine" with every row; sent again, it completes and every lease is
 *   written exactly once;
 * - no acknowledged write is lost: every 201 single lease is there once; one whose answer the
 *   crash swallowed, sent again with its eventId, is recorded once.
 * Random moments come from a seed printed with the round (VIGIE_CRASH_SEED replays a run).
 */

const ROUNDS = 3;
/** Rows per import file: a few chunks of 1 000, a second or two of work on this machine. */
const ROWS = 3_000;
const CHUNK = 1_000;
const SEED = Number(process.env.VIGIE_CRASH_SEED ?? Math.floor(Math.random() * 2 ** 31));
const API_ENV = { PROJECTOR_IN_PROCESS: 'false', IMPORT_STALE_AFTER_S: '1' };
const PROJECTOR_ENV = { PROJECTOR_BATCH_SIZE: '250' };

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

const MEL = new TerritorialReferential().epci('200093201')!;
const BAILLEURS = ['lmh', 'vilogia', 'partenord'];
const RESERVATAIRES = [null, 'action-logement', 'mel', 'etat-59'];

/** One lease body (as POST /v1/leases and an NDJSON import row take it), spread over bailleurs, communes, months and réservataires. */
function lease(tag: string, i: number): Json {
  return {
    leaseId: `BAIL-${tag}-${i}`,
    caseId: `D-${tag}-${i}`,
    bailleurId: BAILLEURS[i % BAILLEURS.length],
    leaseDate: `2026-${String(1 + (i % 10)).padStart(2, '0')}-${String(1 + (i % 28)).padStart(2, '0')}`,
    flat: {
      rplsId: `59${String(i).padStart(9, '0')}`,
      communeInsee: MEL.communes[i % MEL.communes.length],
      epciSiren: MEL.siren,
      qpvCode: null,
      typology: ['T1', 'T2', 'T3', 'T4'][i % 4],
      financing: 'PLUS',
    },
    household: {
      numeroUnique: `hh-${tag}-${i}`,
      composition: { personsAged14OrMore: 1 + (i % 3), childrenUnder14: i % 3 },
      yearlyResources: 6_000 + ((i * 7_919) % 30_000),
    },
    flags: { dalo: i % 5 === 0 },
    reservataireId: RESERVATAIRES[i % RESERVATAIRES.length],
    gestionMode: 'directe',
  };
}

const importFile = (tag: string) =>
  Array.from({ length: ROWS }, (_, i) => JSON.stringify({ type: 'lease', ...lease(tag, i) })).join('\n');

/** A single lease POSTed until the API dies: its answer, or none if the crash swallowed it. */
interface SingleWrite {
  readonly body: Json;
  status: number | null;
}

/** Writes leases one by one until the process answers no more. */
async function writeUntilKilled(url: string, tag: string, writes: SingleWrite[]): Promise<void> {
  for (let i = 0; ; i += 1) {
    const write: SingleWrite = { body: { eventId: randomUUID(), ...lease(tag, i) }, status: null };
    writes.push(write);
    try {
      const response = await adminFetch(`${url}/v1/leases`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(write.body),
      });
      write.status = response.status;
      await response.arrayBuffer();
    } catch {
      return;
    }
  }
}

const leasesOfImport = async (db: TestDatabase, id: string) =>
  Number(
    (await db.pool.query("SELECT count(*) FROM events WHERE event_type = 'LeaseSigned' AND metadata->>'importId' = $1", [id]))
      .rows[0].count,
  );

/** SIGKILLs `process` `extraMs` after `condition` first holds (polled every 10 ms; at the latest after 30 s). */
async function killWhen(process: VigieProcess, condition: () => Promise<boolean>, extraMs: number): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (!(await condition()) && Date.now() < deadline) await sleep(10);
  await sleep(extraMs);
  await process.kill();
}

describe('Crash consistency: API killed mid-import, projector killed mid-batch, at random moments', () => {
  let db: TestDatabase;
  const running: VigieProcess[] = [];
  /** The next round's API, started while this round runs (a start takes seconds on a loaded machine). */
  let nextApi: Promise<VigieProcess & { readonly url: string }> | undefined;

  beforeAll(async () => {
    db = await createTestDatabase();
  });

  afterAll(async () => {
    const spare = await nextApi?.catch(() => undefined);
    await Promise.all([...running, ...(spare ? [spare] : [])].map((process) => process.kill()));
    await db.drop();
  });

  it(`over ${ROUNDS} rounds, read models equal a rebuild, imports say what they wrote, no acknowledged write is lost`, async () => {
    // What happened, as it happens (a round that hangs shows where).
    const log = { push: (line: string) => process.stdout.write(`[crash consistency] ${line}\n`) };
    log.push(`seed ${SEED} (VIGIE_CRASH_SEED=${SEED} replays these moments)`);
    // Where each kill falls: after a random share of the import's rows is written (API), or of
    // its events projected (projector), then a random few milliseconds more (no bias toward the bounds).
    const moments = fc.sample(
      fc.noBias(
        fc.record({
          apiAtRow: fc.integer({ min: 0, max: ROWS - 1 }),
          apiExtraMs: fc.integer({ min: 0, max: 200 }),
          projectorAtEvent: fc.integer({ min: 0, max: ROWS - 1 }),
          projectorExtraMs: fc.integer({ min: 0, max: 200 }),
        }),
      ),
      { seed: SEED, numRuns: ROUNDS },
    );
    const writes: SingleWrite[] = [];
    const imports: Array<{ tag: string; file: string; id: string }> = [];
    const started = Date.now();
    const at = () => `${((Date.now() - started) / 1_000).toFixed(1)} s`;

    nextApi = startApiProcess(db.url, API_ENV);
    for (let round = 0; round <= ROUNDS; round += 1) {
      const projector = startProjectorProcess(db.url, PROJECTOR_ENV);
      running.push(projector);
      const api = await nextApi!;
      nextApi = undefined;
      running.push(api);
      if (round < ROUNDS) {
        nextApi = startApiProcess(db.url, API_ENV);
        nextApi.catch(() => undefined); // awaited in the next round (or by afterAll)
      }
      log.push(`${at()} round ${round}: API and projector started`);
      if (round === 0) await registerOrganisations(api.url);

      // The import the last round's crash cut short says what it wrote, and completes when sent again.
      const previous = imports.at(-1);
      if (previous) {
        const written = await leasesOfImport(db, previous.id);
        const shown = await waitFor(() => importReport(api.url, previous.id), importSettled);
        if (shown.status === 'termine') {
          expect(shown).toMatchObject({ done: ROWS, accepted: ROWS, rejected: 0 });
          expect(written).toBe(ROWS);
        } else {
          expect(shown.status).toBe('interrompu');
          expect(shown.error).toMatch(/renvoyez le fichier/);
          // What it recorded, exactly, counted from the log.
          expect(shown.recorded).toBe(written);
          expect(shown.error).toContain(`${written} ligne(s) enregistrée(s)`);
          expect(shown.done).toBeLessThan(ROWS);
          expect(shown.accepted).toBe(shown.done);
          // Progress is saved after each chunk: at most the chunk in flight is written and not yet counted.
          expect(written).toBeGreaterThanOrEqual(shown.accepted);
          expect(written - shown.accepted).toBeLessThanOrEqual(CHUNK);
          const again = await startImport(api.url, previous.file);
          const done = await waitFor(() => importReport(api.url, again), importSettled, 60_000);
          expect(done).toMatchObject({ status: 'termine', total: ROWS, rejected: 0, alreadyImported: written });
          expect(done.accepted + done.alreadyImported).toBe(ROWS);
        }
        log.push(`${at()}  import ${previous.tag}: ${shown.status}, ${shown.accepted} shown accepted, ${written} written`);
        // A single write whose answer the crash swallowed, sent again: recorded once (201) or recognised (200).
        for (const write of writes.filter((w) => w.status === null)) {
          const response = await adminFetch(`${api.url}/v1/leases`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify(write.body),
          });
          write.status = response.status;
          expect([200, 201]).toContain(response.status);
          await response.arrayBuffer();
        }
      }
      if (round === ROUNDS) {
        await Promise.all([api.stop(), projector.stop()]);
        break;
      }

      // This round's import and single writes, then both processes killed at random moments.
      const { apiAtRow, apiExtraMs, projectorAtEvent, projectorExtraMs } = moments[round]!;
      const tag = `C${round}${randomUUID().slice(0, 4)}`;
      const file = importFile(tag);
      const before = await headOf(db);
      const id = await startImport(api.url, file);
      imports.push({ tag, file, id });
      const writing = writeUntilKilled(api.url, `W${tag}`, writes);
      const apiKilled = killWhen(api, async () => (await leasesOfImport(db, id)) >= apiAtRow, apiExtraMs);
      // The projector is killed once it has projected that far, or, when the API died before
      // writing that much, once it has caught up with what was written.
      const projectorKilled = killWhen(
        projector,
        async () => {
          const position = await projectedUpTo(db);
          return position > before + projectorAtEvent || (api.child.signalCode !== null && position >= (await headOf(db)));
        },
        projectorExtraMs,
      );
      await Promise.all([apiKilled, projectorKilled]);
      await writing;
      const head = await headOf(db);
      const { rows: checkpoints } = await db.pool.query<{ name: string; position: string }>(
        'SELECT name, position FROM checkpoints ORDER BY name',
      );
      log.push(
        `${at()} round ${round}: API killed at row ${apiAtRow} + ${apiExtraMs} ms, projector past event ${before} + ${projectorAtEvent} + ${projectorExtraMs} ms; head ${head}; ` +
          `checkpoints ${checkpoints.map((c) => `${c.name} ${c.position}`).join(', ')}`,
      );
      expect(api.stderr()).toBe('');
      expect(projector.stderr()).toBe('');

      const sizes = await expectReadModelsEqualRebuild(db);
      log.push(
        `${at()}  read models equal a rebuild: ${Object.entries(sizes)
          .map(([t, n]) => `${t} ${n}`)
          .join(', ')}`,
      );
    }

    // After the last resend, the read models once more, and every write once.
    await expectReadModelsEqualRebuild(db);
    const { rows } = await db.pool.query<{ n: string; d: string }>(
      "SELECT count(*) AS n, count(DISTINCT data->>'leaseId') AS d FROM events WHERE event_type = 'LeaseSigned'",
    );
    const acknowledged = writes.filter((w) => w.status === 201 || w.status === 200);
    expect(acknowledged.length).toBe(writes.length);
    expect(Number(rows[0]!.d)).toBe(Number(rows[0]!.n));
    expect(Number(rows[0]!.n)).toBe(ROUNDS * ROWS + writes.length);
    const { rows: found } = await db.pool.query<{ n: string }>(
      'SELECT count(*) AS n FROM events WHERE event_id = ANY($1::uuid[])',
      [acknowledged.map((w) => w.body.eventId)],
    );
    expect(Number(found[0]!.n)).toBe(acknowledged.length);
    log.push(`${writes.length} single leases acknowledged, each recorded once; ${ROUNDS * ROWS} imported leases, each once`);
    // About a minute on a quiet 2-core machine; process starts stretch it when the machine is shared.
  }, 480_000);
});
