import { randomUUID } from 'node:crypto';
import { TerritorialReferential } from '@vigie/referential';
import { getJson, postJson, putJson, startTestApp, type TestApp, waitFor } from '../support/app.js';

/**
 * A referential change takes effect from its date and never moves a figure of a period before it:
 * a QPV re-registered with other communes from 2026 leaves the 2025 figures and the réservataire's
 * lease-by-lease audit of 2025 as they were, and a change that would contradict recorded leases is
 * refused (422) with what to do.
 */
describe('The history of the referential', () => {
  const MEL = '200093201';
  const QPV = 'QN05901M';
  let app: TestApp;
  let lastPosition = 0;
  let seq = 0;

  type Figure = { numerator: number; denominator: number; target: number | null };
  type Scope = { scope: { kind: string; id: string }; figure: Figure };
  type Objective = { id: string; scopes: Scope[] };
  const figure = (body: { objectives: Objective[] }, id: string, kind = 'epci', scope = MEL) => {
    const found = body.objectives.find((o) => o.id === id)!.scopes.find((s) => s.scope.kind === kind && s.scope.id === scope);
    return found && { numerator: found.figure.numerator, denominator: found.figure.denominator, target: found.figure.target };
  };

  const track = (response: { status: number; body: { position?: number; code?: string } }, status = 201) => {
    expect({ status: response.status, code: response.body?.code }).toMatchObject({ status });
    lastPosition = Math.max(lastPosition, response.body.position ?? 0);
    return response;
  };

  const compliance = async (year: number) =>
    (
      await waitFor(
        () => getJson(`${app.url}/v1/epcis/${MEL}/compliance?year=${year}`),
        (r) => r.status === 200 && r.body.freshness.position >= lastPosition,
      )
    ).body;
  const ledger = async (year: number) => {
    await compliance(year);
    const { body } = await getJson(`${app.url}/v1/reservataires/ville-de-lille/ledger?year=${year}`);
    return body.rows.map((row: { date: string; communeInsee: string; inQpv: boolean }) => [
      row.date,
      row.communeInsee,
      row.inQpv,
    ]);
  };

  function lease(leaseDate: string, communeInsee: string, qpvCode: string | null, yearlyResources: number, dalo = false) {
    seq += 1;
    return {
      eventId: randomUUID(),
      leaseId: `RH-${seq}`,
      caseId: `RHC-${seq}`,
      bailleurId: 'lmh',
      leaseDate,
      flat: { rplsId: `RH${seq}`, communeInsee, epciSiren: MEL, qpvCode, typology: 'T3', financing: 'PLUS' },
      household: {
        numeroUnique: `0591227000000${String(seq).padStart(5, '0')}`,
        composition: { personsAged14OrMore: 1, childrenUnder14: 0 },
        yearlyResources,
      },
      flags: { dalo },
      reservataireId: 'ville-de-lille',
      gestionMode: 'directe',
    };
  }
  const inLilleSud2025 = lease('2025-06-10', '59350', QPV, 20_000);

  beforeAll(async () => {
    app = await startTestApp();
    track(await putJson(`${app.url}/v1/qpvs/${QPV}`, { name: 'Lille Sud', list: '2024', communes: ['59350'] }));
    track(
      await postJson(`${app.url}/v1/epcis/${MEL}/quartile-thresholds`, {
        year: 2025,
        amountPerUc: 10_000,
        source: 'Arrêté 2025',
      }),
    );
    // 2025: two leases in Lille Sud (one non-Q1, one Q1), one in Roubaix outside any QPV (Q1, DALO).
    track(await postJson(`${app.url}/v1/leases`, inLilleSud2025));
    track(await postJson(`${app.url}/v1/leases`, lease('2025-09-01', '59350', QPV, 5_000)));
    track(await postJson(`${app.url}/v1/leases`, lease('2025-10-01', '59512', null, 5_000, true)));
  });

  afterAll(async () => {
    await app.close();
  });

  const FIGURES_2025 = {
    QNQ1: { numerator: 1, denominator: 2, target: 0.5 },
    HQ1: { numerator: 1, denominator: 1, target: 0.25 },
    PRIO: { numerator: 1, denominator: 3, target: 0.25 },
  };
  const LEDGER_2025 = [
    ['2025-06-10', '59350', true],
    ['2025-09-01', '59350', true],
    ['2025-10-01', '59512', false],
  ];
  const figures2025 = async () => {
    const body = await compliance(2025);
    return {
      QNQ1: figure(body, 'QNQ1'),
      HQ1: figure(body, 'HQ1'),
      PRIO: figure(body, 'PRIO', 'reservataire', 'ville-de-lille'),
    };
  };

  it('given the 2025 leases, counts them in and out of Lille Sud', async () => {
    expect(await figures2025()).toEqual(FIGURES_2025);
    expect(await ledger(2025)).toEqual(LEDGER_2025);
  });

  describe('when an administrator moves the QPV to another département’s commune from 2026', () => {
    let moved: Awaited<ReturnType<typeof putJson>>;

    beforeAll(async () => {
      moved = await putJson(`${app.url}/v1/qpvs/${QPV}`, {
        name: 'Lille Sud',
        list: '2024',
        communes: ['62041'],
        validFrom: '2026-01-01',
      });
      lastPosition = Math.max(lastPosition, moved.body?.position ?? 0);
    });

    it('records the change as a version from 2026-01-01, beside the one in force before it', async () => {
      expect(moved.status).toBe(201);
      expect(moved.body.entry).toMatchObject({ code: QPV, communes: ['62041'], validFrom: '2026-01-01' });
      const versions = await getJson(`${app.url}/v1/qpvs/${QPV}`);
      expect(versions.body.versions.map((v: { communes: string[]; validFrom: string }) => [v.communes, v.validFrom])).toEqual([
        [['59350'], '2024-01-01'],
        [['62041'], '2026-01-01'],
      ]);
    });

    it('leaves the 2025 figures and the réservataire’s 2025 ledger as they were', async () => {
      expect(await figures2025()).toEqual(FIGURES_2025);
      expect(await ledger(2025)).toEqual(LEDGER_2025);
    });

    it('still checks a 2025 fact against the version in force in 2025: a correction and a late lease in Lille are accepted', async () => {
      const corrected = await postJson(`${app.url}/v1/leases/${inLilleSud2025.leaseId}/corrections`, {
        eventId: randomUUID(),
        reason: 'Avis d’imposition rectifié',
        lease: { ...inLilleSud2025, eventId: undefined, household: { ...inLilleSud2025.household, yearlyResources: 21_000 } },
      });
      track(corrected);
      track(await postJson(`${app.url}/v1/leases`, lease('2025-12-31', '59350', QPV, 30_000)));
      expect(await figures2025()).toEqual({
        ...FIGURES_2025,
        QNQ1: { numerator: 2, denominator: 3, target: 0.5 },
        PRIO: { numerator: 1, denominator: 4, target: 0.25 },
      });
    });

    it('checks a 2026 lease against the new version: Lille is no longer in the QPV', async () => {
      const refused = await postJson(`${app.url}/v1/leases`, lease('2026-02-02', '59350', QPV, 20_000));
      expect(refused.status).toBe(422);
      expect(refused.body).toMatchObject({ code: 'QPV_NOT_IN_COMMUNE', details: { qpvCommunes: ['62041'] } });
    });
  });

  describe('when a change would contradict leases already recorded', () => {
    it('refuses it (422), naming validFrom, the leases and what to do, and records nothing', async () => {
      // Without validFrom, a 2024-list QPV starts on 2024-01-01: the 2025 leases in Lille would leave it.
      const refused = await putJson(`${app.url}/v1/qpvs/${QPV}`, { name: 'Lille Sud', list: '2024', communes: ['59512'] });
      expect(refused.status).toBe(422);
      expect(refused.body).toMatchObject({
        code: 'REFERENTIAL_CHANGE_CONTRADICTS_LEASES',
        details: { kind: 'qpv', id: QPV, validFrom: '2024-01-01', lastLeaseDate: '2025-12-31', leaseCount: 3 },
      });
      expect(refused.body.errors).toEqual([
        expect.objectContaining({
          path: 'validFrom',
          message: expect.stringMatching(/^validFrom : 3 baux du 2025-06-10 au 2025-12-31 .*2026-01-01 ou après.*corrig/s),
        }),
      ]);
      expect(await figures2025()).toMatchObject({ QNQ1: { numerator: 2, denominator: 3 } });
    });
  });

  describe('an EPCI’s composition, by the same rule', () => {
    const official = new TerritorialReferential().epci(MEL)!.communes;
    const withoutRoubaix = official.filter((commune) => commune !== '59512');

    it('refuses the MEL without Roubaix from 2025 while a 2025 lease of Roubaix counts for it (422 naming the lease)', async () => {
      const refused = await putJson(`${app.url}/v1/epcis/${MEL}`, { communes: withoutRoubaix, validFrom: '2025-01-01' });
      expect(refused.status).toBe(422);
      expect(refused.body).toMatchObject({
        code: 'REFERENTIAL_CHANGE_CONTRADICTS_LEASES',
        details: {
          kind: 'epci',
          validFrom: '2025-01-01',
          leaseCount: 1,
          leases: [expect.objectContaining({ leaseDate: '2025-10-01', communeInsee: '59512' })],
        },
      });
      expect(refused.body.errors[0]).toMatchObject({ path: 'validFrom', message: expect.stringMatching(/2025-10-02 ou après/) });
    });

    it('accepts it from 2026, and the 2025 figures stay', async () => {
      const accepted = await putJson(`${app.url}/v1/epcis/${MEL}`, { communes: withoutRoubaix, validFrom: '2026-01-01' });
      expect(accepted.status).toBe(201);
      lastPosition = Math.max(lastPosition, accepted.body.position);
      expect(await figures2025()).toMatchObject({ HQ1: FIGURES_2025.HQ1, QNQ1: { numerator: 2, denominator: 3 } });
    });
  });

  describe('a réservataire’s kind', () => {
    it('cannot be changed once leases count for it: the État has no PRIO target, the 2025 PRIO figure would lose its', async () => {
      const refused = await putJson(`${app.url}/v1/reservataires/ville-de-lille`, { name: 'Ville de Lille', kind: 'etat' });
      expect(refused.status).toBe(422);
      expect(refused.body).toMatchObject({ code: 'REFERENTIAL_CHANGE_CONTRADICTS_LEASES', details: { kind: 'reservataire' } });
      expect((await figures2025()).PRIO).toEqual({ numerator: 1, denominator: 4, target: 0.25 });
    });

    it('cannot be changed once a convention is signed with it, before any lease (its past contingent checks would change)', async () => {
      track(
        await postJson(`${app.url}/v1/conventions`, {
          eventId: randomUUID(),
          conventionId: 'CONV-MEL-2025',
          bailleurId: 'lmh',
          reservataireId: 'mel',
          departement: '59',
          period: { startYear: 2025, endYear: 2027 },
          fluxShare: 0.1,
          gestionMode: 'directe',
          signedOn: '2024-12-01',
        }),
      );
      await waitFor(
        () => getJson(`${app.url}/v1/conventions/lmh/mel/CONV-MEL-2025/flux?year=2025`),
        (r) => r.status === 200,
      );
      const refused = await putJson(`${app.url}/v1/reservataires/mel`, { name: 'MEL', kind: 'etat' });
      expect(refused.status).toBe(422);
      expect(refused.body).toMatchObject({
        code: 'REFERENTIAL_CHANGE_CONTRADICTS_LEASES',
        details: { kind: 'reservataire', leaseCount: 0, conventionCount: 1, conventions: ['CONV-MEL-2025'] },
      });
      expect(refused.body.errors[0]).toMatchObject({
        path: 'kind',
        message: expect.stringMatching(/CONV-MEL-2025.*« collectivite »/s),
      });
    });

    it('may be renamed', async () => {
      const renamed = await putJson(`${app.url}/v1/reservataires/ville-de-lille`, {
        name: 'Ville de Lille',
        kind: 'collectivite',
      });
      expect(renamed.status).toBe(201);
    });
  });
});
