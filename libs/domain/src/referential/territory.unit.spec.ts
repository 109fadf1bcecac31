import fc from 'fast-check';
import { attributionDecider } from '../attribution/attribution.decider.js';
import type { LeaseReferentialContext } from '../attribution/attribution.commands.js';
import { DomainError } from '../domain-error.js';
import { deciderSpecification } from '../testing/decider-specification.js';
import { EVERYONE_REGISTERED, leaseSigned, recordSignedLease } from '../testing/attribution.builders.js';
import { belongsTo, epciCompositionOn, registeredVersionOn, type DatedEpci, type EpciSources } from './territory.js';

const given = deciderSpecification(attributionDecider).given;
const NOW = new Date('2026-11-25T10:00:00Z');

// Ghyvelde (59260) leaves the CU de Dunkerque (245900428) for the CC des Hauts de Flandre (200040954) on 1 January 2026.
const CUD = '245900428';
const HF = '200040954';
const GHYVELDE = '59260';
const moved: LeaseReferentialContext = {
  membershipCommune: GHYVELDE,
  organisations: EVERYONE_REGISTERED,
  epcis: {
    [CUD]: { registered: [{ siren: CUD, communes: ['59183'], validFrom: '2026-01-01' }], official: ['59183', GHYVELDE] },
    [HF]: { registered: [{ siren: HF, communes: ['59295', GHYVELDE], validFrom: '2026-01-01' }], official: ['59295'] },
  },
};
const ghyveldeLease = (leaseDate: string, epciSiren: string) => ({ leaseDate, flat: { communeInsee: GHYVELDE, epciSiren } });

describe('Commune → EPCI membership, dated', () => {
  describe('given a commune that moves to another EPCI on 1 January 2026', () => {
    it('refuses a February 2026 lease naming the EPCI it left', () => {
      given([])
        .when(recordSignedLease(ghyveldeLease('2026-02-16', CUD), NOW, moved))
        .thenThrows('COMMUNE_NOT_IN_EPCI', { epciSiren: CUD, communeEpciSiren: HF, date: '2026-02-16' });
    });

    it('refuses a December 2025 lease naming the EPCI it has not joined yet', () => {
      given([])
        .when(recordSignedLease(ghyveldeLease('2025-12-16', HF), NOW, moved))
        .thenThrows('COMMUNE_NOT_IN_EPCI', { epciSiren: HF, communeEpciSiren: CUD, date: '2025-12-16' });
    });

    it('accepts each lease for the EPCI the commune belonged to on its date', () => {
      given([])
        .when(recordSignedLease(ghyveldeLease('2026-02-16', HF), NOW, moved))
        .then([leaseSigned(ghyveldeLease('2026-02-16', HF))]);
      given([])
        .when(recordSignedLease(ghyveldeLease('2025-12-16', CUD), NOW, moved))
        .then([leaseSigned(ghyveldeLease('2025-12-16', CUD))]);
    });
  });

  describe('given a registered composition that leaves a commune out', () => {
    it('never falls back to the official referential for that day: one source per EPCI and day', () => {
      const registeredWithout: EpciSources = { registered: [{ siren: CUD, communes: ['59183'] }], official: ['59183', GHYVELDE] };
      expect(belongsTo(GHYVELDE, registeredWithout, '2026-03-01')).toBe(false);
      expect(epciCompositionOn(registeredWithout, '2026-03-01')?.source).toBe('registered');
    });

    it('goes back to the official referential once the registered version has ended', () => {
      const ended: EpciSources = {
        registered: [{ siren: CUD, communes: ['59183'], validFrom: '2025-01-01', validTo: '2025-12-31' }],
        official: ['59183', GHYVELDE],
      };
      expect(belongsTo(GHYVELDE, ended, '2025-06-01')).toBe(false);
      expect(belongsTo(GHYVELDE, ended, '2026-01-01')).toBe(true);
    });
  });

  describe('given a flat located by its municipal arrondissement', () => {
    const paris15: LeaseReferentialContext = {
      membershipCommune: '75056',
      organisations: EVERYONE_REGISTERED,
      epcis: { '200054781': { registered: [], official: ['75056', '92012'] } },
    };
    const lease = { flat: { communeInsee: '75115', epciSiren: '200054781' } };

    it('counts it for the EPCI of its commune, and keeps the arrondissement on the lease', () => {
      given([])
        .when(recordSignedLease(lease, NOW, paris15))
        .then([leaseSigned(lease)]);
    });

    it('accepts a QPV registered for the arrondissement or for the commune, and no other', () => {
      const withQpv = { flat: { ...lease.flat, qpvCode: 'QN07501M' } };
      const qpv = (communes: string[]) => ({
        code: 'QN07501M',
        versions: [{ validFrom: '2024-01-01', validTo: null, communes }],
      });
      given([])
        .when(recordSignedLease(withQpv, NOW, { ...paris15, qpv: qpv(['75115']) }))
        .then([leaseSigned(withQpv)]);
      given([])
        .when(recordSignedLease(withQpv, NOW, { ...paris15, qpv: qpv(['75056']) }))
        .then([leaseSigned(withQpv)]);
      given([])
        .when(recordSignedLease(withQpv, NOW, { ...paris15, qpv: qpv(['75118']) }))
        .thenThrows('QPV_NOT_IN_COMMUNE', { qpvCode: 'QN07501M', communeInsee: '75115' });
    });
  });

  describe('given a QPV registered for another commune', () => {
    it('refuses it on a flat of Roubaix (59512) when it lies in Lille (59350)', () => {
      const referential: LeaseReferentialContext = {
        membershipCommune: '59512',
        organisations: EVERYONE_REGISTERED,
        epcis: { '200093201': { registered: [], official: ['59350', '59512'] } },
        qpv: { code: 'QN05901M', versions: [{ validFrom: '2024-01-01', validTo: null, communes: ['59350'] }] },
      };
      given([])
        .when(recordSignedLease({ flat: { communeInsee: '59512', qpvCode: 'QN05901M' } }, NOW, referential))
        .thenThrows('QPV_NOT_IN_COMMUNE');
    });
  });

  describe('given a QPV with its own validity (an overseas QPV of the 2024 list, in force from 2025)', () => {
    it('refuses a 2024 lease and accepts a 2025 one', () => {
      const referential: LeaseReferentialContext = {
        membershipCommune: '97411',
        organisations: EVERYONE_REGISTERED,
        epcis: { '249740119': { registered: [], official: ['97411'] } },
        qpv: { code: 'QN97401M', versions: [{ validFrom: '2025-01-01', validTo: null, communes: ['97411'] }] },
      };
      const lease = (leaseDate: string) => ({
        leaseDate,
        flat: { communeInsee: '97411', epciSiren: '249740119', qpvCode: 'QN97401M' },
      });
      given([])
        .when(recordSignedLease(lease('2024-06-01'), NOW, referential))
        .thenThrows('QPV_NOT_IN_FORCE');
      given([])
        .when(recordSignedLease(lease('2025-06-01'), NOW, referential))
        .then([leaseSigned(lease('2025-06-01'))]);
    });
  });
});

describe('Attachment depends only on the lease and the referential in force on its date (properties)', () => {
  const days = ['2024-01-01', '2024-07-01', '2025-01-01', '2025-07-01', '2026-01-01', '2026-07-01', '2027-01-01'];
  const communes = ['59001', '59002', '59003'];
  const version = fc.record({
    siren: fc.constant('200000001'),
    communes: fc.subarray(communes),
    validFrom: fc.constantFrom(...days),
  }) as fc.Arbitrary<DatedEpci>;
  const sources = fc.record({
    registered: fc.array(version, { maxLength: 4 }),
    official: fc.option(fc.subarray(communes), { nil: null }),
  });

  const LATER = new Date('2030-01-01T12:00:00Z');
  const accepted = (referential: LeaseReferentialContext, leaseDate: string, commune: string): boolean => {
    try {
      attributionDecider.decide(
        recordSignedLease({ leaseDate, flat: { communeInsee: commune, epciSiren: '200000001' } }, LATER, referential),
        attributionDecider.initialState,
      );
      return true;
    } catch (error) {
      if (error instanceof DomainError) return false;
      throw error;
    }
  };

  it('a version starting after the lease date changes nothing', () => {
    fc.assert(
      fc.property(sources, version, fc.constantFrom(...days), fc.constantFrom(...communes), (epci, later, date, commune) => {
        fc.pre(later.validFrom! > date);
        const before = { membershipCommune: commune, organisations: EVERYONE_REGISTERED, epcis: { '200000001': epci } };
        const after = {
          membershipCommune: commune,
          organisations: EVERYONE_REGISTERED,
          epcis: { '200000001': { ...epci, registered: [...epci.registered, later] } },
        };
        expect(accepted(after, date, commune)).toBe(accepted(before, date, commune));
      }),
    );
  });

  it('the lease is accepted exactly when the composition in force that day lists its commune', () => {
    fc.assert(
      fc.property(sources, fc.constantFrom(...days), fc.constantFrom(...communes), (epci, date, commune) => {
        const inForce = registeredVersionOn(epci.registered, date);
        const expected = inForce ? inForce.communes.includes(commune) : (epci.official ?? []).includes(commune);
        expect(
          accepted(
            { membershipCommune: commune, organisations: EVERYONE_REGISTERED, epcis: { '200000001': epci } },
            date,
            commune,
          ),
        ).toBe(expected);
      }),
    );
  });

  it('the same lease and referential give the same attachment whenever and in whatever order versions were registered', () => {
    fc.assert(
      fc.property(sources, fc.constantFrom(...days), fc.constantFrom(...communes), (epci, date, commune) => {
        // One version per first day, as the referential stream keeps them.
        const byDay = new Map(epci.registered.map((v) => [v.validFrom, v]));
        const unique = [...byDay.values()];
        const reversed = { ...epci, registered: [...unique].reverse() };
        const ref = (e: EpciSources) => ({
          membershipCommune: commune,
          organisations: EVERYONE_REGISTERED,
          epcis: { '200000001': e },
        });
        expect(accepted(ref(reversed), date, commune)).toBe(accepted(ref({ ...epci, registered: unique }), date, commune));
      }),
    );
  });
});
