import { attributionDecider } from './attribution.decider.js';
import type { AttributionEvent } from './attribution.events.js';
import { deciderSpecification } from '../testing/decider-specification.js';
import {
  correctLease,
  leaseSigned,
  leaseSignedData,
  MEL_REFERENTIAL,
  officialReferential,
  recordSignedLease,
} from '../testing/attribution.builders.js';

const { given } = deciderSpecification(attributionDecider);
const NOW = new Date('2026-11-25T10:00:00Z');
const QPV_2015 = { code: 'QP059001', versions: [{ validFrom: '2015-01-01', validTo: '2023-12-31', communes: ['59350'] }] };
const QPV_2024 = { code: 'QN05901M', versions: [{ validFrom: '2024-01-01', validTo: null, communes: ['59350'] }] };

const LMH_CASE = { bailleurId: 'lille-metropole-habitat', caseId: 'DOSSIER-0001' };

const cancelled = (cancelsEventId = 'ev-1'): AttributionEvent => ({
  type: 'LeaseCancelled',
  data: {
    leaseId: 'BAIL-0001',
    caseId: 'DOSSIER-0001',
    bailleurId: 'lille-metropole-habitat',
    reason: 'erreur de saisie',
    cancelsEventId,
  },
});

describe('Attribution case', () => {
  describe('with no lease yet', () => {
    it('records the signed lease as the counting event', () => {
      given([])
        .when(recordSignedLease({ leaseId: 'BAIL-42' }))
        .then([leaseSigned({ leaseId: 'BAIL-42' })]);
    });

    it('accepts a lease signed on the day it is reported', () => {
      given([])
        .when(recordSignedLease({ leaseDate: '2026-11-25' }, new Date('2026-11-25T23:59:00Z')))
        .then([leaseSigned({ leaseDate: '2026-11-25' })]);
    });

    it('refuses a lease dated after the Paris day it is reported (23:59 in Paris is 22:59 UTC in winter)', () => {
      given([])
        .when(recordSignedLease({ leaseDate: '2026-11-26' }, new Date('2026-11-25T22:59:00Z')))
        .thenThrows('LEASE_DATE_IN_FUTURE', { leaseDate: '2026-11-26', today: '2026-11-25' });
    });

    it('accepts a lease dated 1 January at 00:30 in Paris, still 31 December in UTC', () => {
      given([])
        .when(recordSignedLease({ leaseDate: '2027-01-01' }, new Date('2026-12-31T23:30:00Z')))
        .then([leaseSigned({ leaseDate: '2027-01-01' })]);
    });

    it('accepts a lease dated the day it is reported at 01:30 in Paris in summer (23:30 UTC the day before)', () => {
      given([])
        .when(recordSignedLease({ leaseDate: '2026-07-01' }, new Date('2026-06-30T23:30:00Z')))
        .then([leaseSigned({ leaseDate: '2026-07-01' })]);
    });

    it('refuses a commune that is not in the EPCI the lease names', () => {
      given([])
        .when(recordSignedLease({ flat: { communeInsee: '62041' } }, NOW, officialReferential('62041', '246200364')))
        .thenThrows('COMMUNE_NOT_IN_EPCI', { communeInsee: '62041', epciSiren: '200093201', communeEpciSiren: '246200364' });
    });

    it('refuses an unknown commune', () => {
      given([])
        .when(recordSignedLease({ flat: { communeInsee: '99999' } }, NOW, officialReferential(null, null)))
        .thenThrows('COMMUNE_UNKNOWN');
    });

    it('counts a flat in a 2015-list QPV as in QPV for a 2023 lease', () => {
      const lease = { leaseDate: '2023-10-02', flat: { qpvCode: 'QP059001' } };
      given([])
        .when(recordSignedLease(lease, NOW, { ...MEL_REFERENTIAL, qpv: QPV_2015 }))
        .then([leaseSigned(lease)]);
    });

    it('refuses a 2015-list QPV for a 2024 lease: the 2024 list replaced it', () => {
      given([])
        .when(
          recordSignedLease({ leaseDate: '2024-02-01', flat: { qpvCode: 'QP059001' } }, NOW, {
            ...MEL_REFERENTIAL,
            qpv: QPV_2015,
          }),
        )
        .thenThrows('QPV_NOT_IN_FORCE', { qpvCode: 'QP059001', validTo: '2023-12-31' });
    });

    it('accepts a 2024-list QPV for a 2024 lease', () => {
      const lease = { leaseDate: '2024-02-01', flat: { qpvCode: 'QN05901M' } };
      given([])
        .when(recordSignedLease(lease, NOW, { ...MEL_REFERENTIAL, qpv: QPV_2024 }))
        .then([leaseSigned(lease)]);
    });

    it('refuses a QPV code that is not registered', () => {
      given([])
        .when(recordSignedLease({ flat: { qpvCode: 'QN99999X' } }, NOW, { ...MEL_REFERENTIAL, qpv: null }))
        .thenThrows('QPV_UNKNOWN');
    });

    it('has no lease to cancel', () => {
      given([])
        .when({ type: 'CancelLease', data: { ...LMH_CASE, leaseId: 'BAIL-0001', reason: 'x' } })
        .thenThrows('LEASE_NOT_FOUND');
    });
  });

  describe('with a lease already signed', () => {
    it('refuses a second lease on the same case', () => {
      given([leaseSigned({ leaseId: 'BAIL-1' })])
        .when(recordSignedLease({ leaseId: 'BAIL-2' }))
        .thenThrows('LEASE_ALREADY_SIGNED', { existingLeaseId: 'BAIL-1' });
    });

    it('cancels it, citing the event that recorded it', () => {
      given([leaseSigned()])
        .when({
          type: 'CancelLease',
          data: { ...LMH_CASE, leaseId: 'BAIL-0001', reason: 'erreur de saisie' },
        })
        .then([cancelled('ev-1')]);
    });

    it('does not find it from another bailleur or another case, whatever stream it was read from', () => {
      for (const addressed of [
        { bailleurId: 'lille-metropole-habitat-x', caseId: 'DOSSIER-0001' },
        { bailleurId: 'lille-metropole-habitat', caseId: 'DOSSIER-0002' },
      ]) {
        given([leaseSigned()])
          .when({ type: 'CancelLease', data: { ...addressed, leaseId: 'BAIL-0001', reason: 'x' } })
          .thenThrows('LEASE_NOT_FOUND');
        given([leaseSigned()])
          .when(correctLease(leaseSignedData({ ...addressed, household: { yearlyResources: 1 } }), 'x'))
          .thenThrows('LEASE_NOT_FOUND');
      }
    });

    it('refuses a fact about another case on this case’s stream', () => {
      given([leaseSigned(), cancelled()])
        .when(recordSignedLease({ bailleurId: 'lille-metropole-habitat-x' }))
        .thenThrows('CASE_MISMATCH');
    });

    it('refuses to cancel another lease id', () => {
      given([leaseSigned()])
        .when({ type: 'CancelLease', data: { ...LMH_CASE, leaseId: 'BAIL-9', reason: 'x' } })
        .thenThrows('LEASE_NOT_FOUND');
    });

    it('corrects it with a new version citing the one it fixes', () => {
      const corrected = leaseSignedData({ household: { yearlyResources: 12_000 } });
      given([leaseSigned()])
        .when(correctLease(corrected, 'avis d’imposition'))
        .then([
          {
            type: 'LeaseCorrected',
            data: { lease: { ...corrected, calDecisionEventId: null }, reason: 'avis d’imposition', correctsEventId: 'ev-1' },
          },
        ]);
    });

    it('refuses a correction that changes nothing', () => {
      given([leaseSigned()]).when(correctLease(leaseSignedData(), 'x')).thenThrows('LEASE_CORRECTION_EMPTY');
    });

    it('does not find the lease from another case (a correction cannot move it)', () => {
      given([leaseSigned()])
        .when(correctLease(leaseSignedData({ caseId: 'OTHER' }), 'x'))
        .thenThrows('LEASE_NOT_FOUND');
    });

    it('checks a correction against the referential too', () => {
      given([leaseSigned()])
        .when(
          correctLease(leaseSignedData({ flat: { communeInsee: '62041' } }), 'x', {
            referential: officialReferential('62041', '246200364'),
          }),
        )
        .thenThrows('COMMUNE_NOT_IN_EPCI');
    });
  });

  describe('with its lease cancelled', () => {
    it('accepts a new lease on the case', () => {
      given([leaseSigned(), cancelled()])
        .when(recordSignedLease({ leaseId: 'BAIL-2' }))
        .then([leaseSigned({ leaseId: 'BAIL-2' })]);
    });

    it('refuses to cancel it twice', () => {
      given([leaseSigned(), cancelled()])
        .when({ type: 'CancelLease', data: { ...LMH_CASE, leaseId: 'BAIL-0001', reason: 'x' } })
        .thenThrows('LEASE_NOT_FOUND');
    });
  });
});

describe('A lease repeating another under another reference (probable duplicate)', () => {
  const existing = { leaseId: 'BAIL-0001', caseId: 'DOSSIER-0001', eventId: 'ev-lease-1' };
  const again = (confirmDuplicate: boolean, sameLeases = [existing]) => ({
    ...recordSignedLease({ leaseId: 'BAIL-0001-BIS', caseId: 'DOSSIER-0001-BIS' }),
    sameLeases,
    confirmDuplicate,
  });

  it('is refused, quoting the lease recorded first (its reference, case and event)', () => {
    given([]).when(again(false)).thenThrows('LEASE_PROBABLE_DUPLICATE', {
      existingLeaseId: 'BAIL-0001',
      existingCaseId: 'DOSSIER-0001',
      existingEventId: 'ev-lease-1',
    });
  });

  it('quotes the first recorded when several repeat it', () => {
    const second = { leaseId: 'BAIL-0002', caseId: 'DOSSIER-0002', eventId: 'ev-lease-2' };
    given([])
      .when(again(false, [existing, second]))
      .thenThrows('LEASE_PROBABLE_DUPLICATE', { existingLeaseId: 'BAIL-0001' });
  });

  it('is recorded when the bailleur confirms it, with the leases it repeats (an auditable decision)', () => {
    given([])
      .when(again(true))
      .then([
        {
          type: 'LeaseSigned',
          data: {
            ...leaseSignedData({ leaseId: 'BAIL-0001-BIS', caseId: 'DOSSIER-0001-BIS' }),
            calDecisionEventId: null,
            confirmedDuplicateOf: [existing],
          },
        },
      ]);
  });

  it('records no confirmation when it repeats nothing', () => {
    given([])
      .when(again(true, []))
      .then([leaseSigned({ leaseId: 'BAIL-0001-BIS', caseId: 'DOSSIER-0001-BIS' })]);
  });

  it('is not its own duplicate (the same reference on the same case is a lease already signed)', () => {
    given([])
      .when({ ...recordSignedLease({ leaseId: 'BAIL-0001', caseId: 'DOSSIER-0001' }), sameLeases: [existing] })
      .then([leaseSigned({ leaseId: 'BAIL-0001', caseId: 'DOSSIER-0001' })]);
  });

  it('refuses a correction that makes a lease a copy of another, quoting it', () => {
    // BAIL-0001's date corrected to that of BAIL-0002, a lease of the same household on the same flat.
    const second = { leaseId: 'BAIL-0002', caseId: 'DOSSIER-0002', eventId: 'ev-lease-2' };
    const intoCopy = leaseSignedData({ leaseDate: '2026-03-03' });
    const command = (confirmDuplicate: boolean) => ({
      type: 'CorrectLease' as const,
      data: { lease: intoCopy, reason: 'date' },
      referential: MEL_REFERENTIAL,
      now: NOW,
      sameLeases: [second],
      confirmDuplicate,
    });
    given([leaseSigned()]).when(command(false)).thenThrows('LEASE_PROBABLE_DUPLICATE', { existingLeaseId: 'BAIL-0002' });
    given([leaseSigned()])
      .when(command(true))
      .then([
        {
          type: 'LeaseCorrected',
          data: {
            lease: { ...intoCopy, calDecisionEventId: null, confirmedDuplicateOf: [second] },
            reason: 'date',
            correctsEventId: 'ev-1',
          },
        },
      ]);
  });

  it('keeps the confirmation through a correction', () => {
    const confirmed: AttributionEvent = {
      type: 'LeaseSigned',
      data: { ...leaseSignedData({ leaseId: 'BAIL-0001-BIS', caseId: 'DOSSIER-0001-BIS' }), confirmedDuplicateOf: [existing] },
    };
    const corrected = leaseSignedData({
      leaseId: 'BAIL-0001-BIS',
      caseId: 'DOSSIER-0001-BIS',
      household: { yearlyResources: 12000 },
    });
    given([confirmed])
      .when(correctLease(corrected, 'ressources'))
      .then([
        {
          type: 'LeaseCorrected',
          data: {
            lease: { ...corrected, confirmedDuplicateOf: [existing] },
            reason: 'ressources',
            correctsEventId: 'ev-1',
          },
        },
      ]);
  });
});

describe('Restoring an earlier version of a lease (undo of an import)', () => {
  const before = leaseSignedData({ household: { yearlyResources: 9_800 } });
  const imported = leaseSignedData({ household: { yearlyResources: 99_000 } });
  const corrected = (lease = imported, correctsEventId = 'ev-1'): AttributionEvent => ({
    type: 'LeaseCorrected',
    data: { lease, reason: 'import', correctsEventId },
  });
  const restore = (status: 'leased' | 'cancelled', eventId: string) => ({
    type: 'RestoreLease' as const,
    data: { version: before, expected: { status, eventId }, reason: 'Annulation de l’import' },
  });

  it('corrects a lease in force back to the version, citing the version it replaces', () => {
    given([{ type: 'LeaseSigned', data: before }, corrected()])
      .when(restore('leased', 'ev-2'))
      .then([{ type: 'LeaseCorrected', data: { lease: before, reason: 'Annulation de l’import', correctsEventId: 'ev-2' } }]);
  });

  it('signs a cancelled lease again with the version: it counts again', () => {
    given([{ type: 'LeaseSigned', data: before }, corrected(), cancelled('ev-2')])
      .when(restore('cancelled', 'ev-2'))
      .then([{ type: 'LeaseSigned', data: before }]);
  });

  it('refuses when the lease changed since: corrected again, cancelled, or another lease signed on the case', () => {
    const later = leaseSignedData({ household: { yearlyResources: 20_000 } });
    given([{ type: 'LeaseSigned', data: before }, corrected(), corrected(later, 'ev-2')])
      .when(restore('leased', 'ev-2'))
      .thenThrows('LEASE_CHANGED_SINCE', { leaseId: 'BAIL-0001' });
    given([{ type: 'LeaseSigned', data: before }, corrected(), cancelled('ev-2')])
      .when(restore('leased', 'ev-2'))
      .thenThrows('LEASE_CHANGED_SINCE');
    given([{ type: 'LeaseSigned', data: before }, cancelled(), leaseSigned({ leaseId: 'BAIL-2' })])
      .when(restore('cancelled', 'ev-1'))
      .thenThrows('LEASE_CHANGED_SINCE');
  });

  it('records nothing when the lease already stands as the version', () => {
    given([{ type: 'LeaseSigned', data: before }])
      .when(restore('leased', 'ev-1'))
      .then([]);
  });
});
