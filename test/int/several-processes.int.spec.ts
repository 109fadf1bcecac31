import { randomUUID } from 'node:crypto';
import { TerritorialReferential } from '@vigie/referential';
import { adminFetch, registerOrganisations } from '../support/app.js';
import { createTestDatabase, type TestDatabase } from '../support/postgres.js';
import { startApiProcess, startProjectorProcess, type VigieProcess } from '../support/processes.js';
import { expectReadModelsEqualRebuild, headOf, projectedUpTo } from '../support/read-models.js';

/**
 * Several processes on one database, as `infra/compose.yaml` runs them: two API processes
 * (PROJECTOR_IN_PROCESS=false) and two projector processes. Under a write load sent to both APIs
 * at once (single leases, and pairs of the same lease under two references sent to the two APIs
 * at the same moment), the projector holding a projection's lock is SIGKILLed. Then:
 * - the other projector takes over (its time is printed) and every projection reaches the head;
 * - every acknowledged lease is in the log exactly once, and of each contested pair exactly one
 *   is recorded, the other refused as a probable duplicate (the append condition holds across
 *   processes);
 * - every read model, as the processes left it, equals a rebuild of the whole log (a batch applied
 *   twice would count leases twice), and the lease summary counts each lease once;
 * - both APIs answer the same figures (their caches follow the log, not their own writes).
 */

const WRITERS_PER_API = 3;
const LEASES_PER_WRITER = 40;
const CONTESTED_PAIRS = 10;
const API_ENV = { PROJECTOR_IN_PROCESS: 'false' };
const PROJECTOR_ENV = { PROJECTOR_BATCH_SIZE: '20' };

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

const MEL = new TerritorialReferential().epci('200093201')!;
const BAILLEURS = ['lmh', 'vilogia', 'partenord'];
const RESERVATAIRES = [null, 'action-logement', 'mel', 'etat-59'];

/** One lease body; `identity` (household, flat, date) is shared by the two sides of a contested pair. */
function lease(reference: string, identity: number): Json {
  return {
    eventId: randomUUID(),
    leaseId: `BAIL-${reference}`,
    caseId: `D-${reference}`,
    bailleurId: BAILLEURS[identity % BAILLEURS.length],
    leaseDate: `2026-${String(1 + (identity % 10)).padStart(2, '0')}-${String(1 + (identity % 28)).padStart(2, '0')}`,
    flat: {
      rplsId: `59${String(identity).padStart(9, '0')}`,
      communeInsee: MEL.communes[identity % MEL.communes.length],
      epciSiren: MEL.siren,
      qpvCode: null,
      typology: ['T1', 'T2', 'T3', 'T4'][identity % 4],
      financing: 'PLUS',
    },
    household: {
      numeroUnique: `hh-${identity}`,
      composition: { personsAged14OrMore: 1 + (identity % 3), childrenUnder14: identity % 3 },
      yearlyResources: 6_000 + ((identity * 7_919) % 30_000),
    },
    flags: { dalo: identity % 5 === 0 },
    reservataireId: RESERVATAIRES[identity % RESERVATAIRES.length],
    gestionMode: 'directe',
  };
}

interface Write {
  readonly body: Json;
  readonly api: number;
  status?: number;
  code?: string;
  /** 503 answers (a request deadline passed on the loaded machine) before the final one. */
  unavailable?: number;
}

/** POSTs a lease; on 503 sends it again with the same eventId after a moment, as the answer asks. */
async function send(url: string, write: Write): Promise<void> {
  for (let attempt = 0; attempt < 10; attempt += 1) {
    const response = await adminFetch(`${url}/v1/leases`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(write.body),
    });
    write.status = response.status;
    write.code = ((await response.json()) as { code?: string }).code;
    if (response.status !== 503) return;
    write.unavailable = (write.unavailable ?? 0) + 1;
    await sleep(1_000);
  }
}

/** Recorded: 201, or 200 when a first send's answer was a 503 and the lease had been recorded meanwhile. */
const isRecorded = (write: Write) => write.status === 201 || (write.status === 200 && (write.unavailable ?? 0) > 0);

/** Application names of the projector processes holding a projection's advisory lock right now. */
async function lockHolders(db: TestDatabase): Promise<string[]> {
  const { rows } = await db.pool.query<{ name: string }>(
    `SELECT DISTINCT a.application_name AS name FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
     WHERE l.locktype = 'advisory' AND l.granted AND a.datname = current_database() AND a.application_name LIKE 'vigie-projector-%'`,
  );
  return rows.map((row) => row.name);
}

async function until(condition: () => Promise<boolean>, timeoutMs: number, what: string): Promise<number> {
  const started = Date.now();
  while (!(await condition())) {
    if (Date.now() - started > timeoutMs) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await sleep(10);
  }
  return Date.now() - started;
}

describe('Two API processes and two projector processes on one database', () => {
  let db: TestDatabase;
  const running: VigieProcess[] = [];

  beforeAll(async () => {
    db = await createTestDatabase();
  });

  afterAll(async () => {
    await Promise.all(running.map((process) => process.kill()));
    await db.drop();
  });

  it('under writes to both APIs, with the active projector killed: each lease once, read models equal a rebuild, both APIs agree', async () => {
    const log = (line: string) => process.stdout.write(`[several processes] ${line}\n`);
    // One start after another: four processes compiling at once on a shared 2-core machine took over two minutes.
    const apis: Array<VigieProcess & { readonly url: string }> = [];
    for (const n of [1, 2]) {
      apis.push(await startApiProcess(db.url, { ...API_ENV, PGAPPNAME: `vigie-api-${n}` }));
      running.push(apis.at(-1)!);
    }
    const projectors = new Map(
      ['vigie-projector-1', 'vigie-projector-2'].map((name) => [
        name,
        startProjectorProcess(db.url, { ...PROJECTOR_ENV, PGAPPNAME: name }),
      ]),
    );
    running.push(...projectors.values());
    await registerOrganisations(apis[0]!.url);
    // The load starts once both projectors run (the registrations projected).
    const registered = await headOf(db);
    await until(async () => (await projectedUpTo(db)) >= registered, 180_000, 'projectors started');

    const writes: Write[] = [];
    const contested: Array<[Write, Write]> = [];
    const singles = apis.flatMap((api, a) =>
      Array.from({ length: WRITERS_PER_API }, async (_, w) => {
        for (let i = 0; i < LEASES_PER_WRITER; i += 1) {
          const identity = 1_000 * (1 + a * WRITERS_PER_API + w) + i;
          const write: Write = { body: lease(`S${identity}`, identity), api: a };
          writes.push(write);
          await send(api.url, write);
        }
      }),
    );
    const pairs = (async () => {
      for (let p = 0; p < CONTESTED_PAIRS; p += 1) {
        const pair: [Write, Write] = [
          { body: lease(`C${p}-a`, 90_000 + p), api: 0 },
          { body: lease(`C${p}-b`, 90_000 + p), api: 1 },
        ];
        contested.push(pair);
        await Promise.all(pair.map((write) => send(apis[write.api]!.url, write)));
      }
    })();

    // The projector holding a projection's lock once the projectors are busy, killed mid-load.
    await until(async () => (await headOf(db)) > registered + 30, 240_000, 'writes under way');
    let victim: string | undefined;
    await until(
      async () => {
        victim = (await lockHolders(db))[0];
        return victim !== undefined;
      },
      30_000,
      'a projector holding a lock',
    );
    const headAtKill = await headOf(db);
    await projectors.get(victim!)!.kill();
    const takeoverMs = await until(async () => (await projectedUpTo(db)) >= headAtKill, 60_000, 'takeover');
    const survivor = [...projectors.keys()].find((name) => name !== victim)!;
    log(`${victim} killed holding a lock at head ${headAtKill}; ${survivor} had every projection past it ${takeoverMs} ms later`);

    await Promise.all([...singles, pairs]);
    const head = await headOf(db);
    const caughtUpMs = await until(async () => (await projectedUpTo(db)) >= head, 120_000, 'projections at the head');
    expect(await lockHolders(db)).not.toContain(victim);

    // Every single lease acknowledged; of each contested pair, one recorded and one refused.
    expect(writes.filter((write) => !isRecorded(write)).map((write) => `${write.status} ${write.code}`)).toEqual([]);
    for (const pair of contested) {
      expect(pair.filter(isRecorded)).toHaveLength(1);
      expect(pair.filter((write) => !isRecorded(write)).map((write) => `${write.status} ${write.code}`)).toEqual([
        '409 LEASE_PROBABLE_DUPLICATE',
      ]);
    }
    const recorded = [...writes, ...contested.flat()].filter(isRecorded);
    const resent = [...writes, ...contested.flat()].filter((write) => write.unavailable).length;
    const { rows: counts } = await db.pool.query<{ n: string; ids: string; acknowledged: string }>(
      `SELECT count(*) AS n, count(DISTINCT event_id) AS ids, count(*) FILTER (WHERE event_id = ANY($1::uuid[])) AS acknowledged
       FROM events WHERE event_type = 'LeaseSigned'`,
      [recorded.map((write) => write.body.eventId)],
    );
    expect(counts[0]).toEqual({
      n: String(recorded.length),
      ids: String(recorded.length),
      acknowledged: String(recorded.length),
    });

    // The read models as the two projectors left them (nothing caught up here) equal a rebuild.
    const sizes = await expectReadModelsEqualRebuild(db, { catchUp: false });
    const { rows: summary } = await db.pool.query<{ leases: string }>('SELECT sum(leases) AS leases FROM lease_summary');
    expect(Number(summary[0]!.leases)).toBe(recorded.length);

    // Both APIs answer the same figures, which count every lease.
    const answers = await Promise.all(
      apis.map(async (api) => {
        const leases = await (await adminFetch(`${api.url}/v1/epcis/${MEL.siren}/leases/summary?year=2026`)).json();
        const compliance = await (await adminFetch(`${api.url}/v1/epcis/${MEL.siren}/compliance?year=2026`)).json();
        return { leases, compliance };
      }),
    );
    expect((answers[0]!.leases as Json).total).toBe(recorded.length);
    expect(answers[1]).toEqual(answers[0]);

    for (const process of [...apis, projectors.get(survivor)!]) expect(process.stderr()).toBe('');
    log(
      `${recorded.length} leases recorded through two APIs (${CONTESTED_PAIRS} contested pairs: one each; ${resent} sent again after a 503), head ${head}, ` +
        `projections at the head ${caughtUpMs} ms after the last write; read models equal a rebuild: ${Object.entries(sizes)
          .map(([table, n]) => `${table} ${n}`)
          .join(', ')}`,
    );
  }, 900_000);
});
