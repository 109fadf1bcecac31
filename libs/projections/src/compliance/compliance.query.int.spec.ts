import { type Pool } from 'pg';
import { createTestDatabase, type TestDatabase } from '../../../../test/support/postgres.js';
import { readComplianceRules } from './compliance.query.js';

const MEL = '200093201';

describe('The rules an EPCI-year is computed under', () => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await createTestDatabase();
    // Given a CIA adopted at position 5 (2026–2031), a threshold published at 6 and corrected at 9, two réservataires.
    await db.pool.query(`INSERT INTO cia_versions (epci_siren, position, cia) VALUES ($1, 5, $2)`, [
      MEL,
      JSON.stringify({ epciSiren: MEL, period: { startYear: 2026, endYear: 2031 }, sectors: ['spec'] }),
    ]);
    await db.pool.query(
      `INSERT INTO quartile_thresholds (epci_siren, year, position, amount_per_uc, source)
       VALUES ($1, 2026, 6, 9000, 'insee'), ($1, 2026, 9, 10000.5, 'insee-corrigé'), ($1, 2027, 7, 11000, 'insee')`,
      [MEL],
    );
    await db.pool.query(
      `INSERT INTO referential_entries (kind, id, position, entry)
       VALUES ('reservataire', 'al-hdf', 2, '{"kind": "action_logement"}'), ('reservataire', 'prefet-59', 3, '{"kind": "etat"}'),
              ('bailleur', 'lmh', 4, '{"name": "LMH"}')`,
    );
  });

  afterAll(async () => {
    await db.drop();
  });

  it('are the CIA, the threshold and the réservataires in force at the position asked, read in one round trip', async () => {
    let queries = 0;
    const counting = new Proxy(db.pool, {
      get(target, property) {
        const value = Reflect.get(target, property, target) as unknown;
        if (property === 'query') queries += 1;
        return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
      },
    }) as Pool;
    const kinds = { 'al-hdf': 'action_logement', 'prefet-59': 'etat' };

    const at8 = await readComplianceRules(counting, MEL, 2026, 8);
    expect(queries).toBe(1);
    expect(at8).toMatchObject({ ciaAdopted: true, threshold: { amountPerUc: 9000, source: 'insee' }, reservataireKinds: kinds });
    expect(at8.cia.sectors).toEqual(['spec']);
    // After the correction: its amount, to the cent.
    expect((await readComplianceRules(counting, MEL, 2026, 9)).threshold).toEqual({
      amountPerUc: 10000.5,
      source: 'insee-corrigé',
    });
    // Before the adoption and the publication: the legal default CIA, no threshold; the réservataires are those registered.
    const at4 = await readComplianceRules(counting, MEL, 2026, 4);
    expect(at4).toMatchObject({ ciaAdopted: false, threshold: null, reservataireKinds: kinds });
    // A year outside the CIA's period: the legal default again.
    expect((await readComplianceRules(counting, MEL, 2032, 9)).ciaAdopted).toBe(false);
  });
});
