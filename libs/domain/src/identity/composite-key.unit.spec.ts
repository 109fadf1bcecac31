import fc from 'fast-check';
import { compositeKey, keyPart } from './composite-key.js';
import { attributionStreamId } from '../attribution/attribution.stream.js';
import { alertStreamId, type AlertSubject } from '../alerts/alerts.js';
import { bilanStreamId } from '../flux/bilan.js';
import { flatStreamId } from '../flux/flux-ledger.js';
import { conventionKey, reservationStreamId } from '../flux/reservation.js';
import { referentialStreamId } from '../referential/referential.js';
import { ciaStreamId } from '../cia/cia.events.js';

/** Identifiers built to collide under naive joining: separators, escapes, look-alikes, empty parts. */
const nasty = fc.oneof(
  fc.string({ maxLength: 12 }),
  fc.constantFrom('a', 'b-c', 'a-b', 'c', 'x:1', 'x', '1', '%', '%3A', ':', '~', '%7E', '', 'lmh', 'lmh-x', 'x-1', 'а'),
  fc.array(fc.constantFrom('a', '-', ':', '%', '~', '/', '3', 'A', 'һ'), { maxLength: 6 }).map((parts) => parts.join('')),
);
const year = fc.integer({ min: 2000, max: 2100 });

/** Asserts that distinct inputs give distinct keys (and equal inputs equal keys). */
function injective<T>(arbitrary: fc.Arbitrary<T>, key: (value: T) => string): void {
  fc.assert(
    fc.property(arbitrary, arbitrary, (a, b) => {
      const same = JSON.stringify(a) === JSON.stringify(b);
      expect(key(a) === key(b)).toBe(same);
    }),
    { numRuns: 2_000 },
  );
}

describe('Composite keys', () => {
  it('given identifiers that collide when joined with "-", when keyed, then they stay apart', () => {
    expect(attributionStreamId('lmh', 'x-1')).not.toBe(attributionStreamId('lmh-x', '1'));
    expect(compositeKey('attribution', 'a', 'b-c')).toBe('attribution:a:b-c');
    expect(compositeKey('attribution', 'a:b', 'c')).toBe('attribution:a%3Ab:c');
    expect(compositeKey('attribution', 'a', 'b:c')).toBe('attribution:a:b%3Ac');
    expect(compositeKey('alert', null, 2026)).toBe('alert:~:2026');
    expect(compositeKey('alert', '~', 2026)).toBe('alert:%7E:2026');
  });

  it('keeps ordinary identifiers readable', () => {
    expect(attributionStreamId('lille-metropole-habitat', 'D-2026/0001')).toBe('attribution:lille-metropole-habitat:D-2026/0001');
  });

  it('escapes each part so that it never holds the separator', () => {
    fc.assert(fc.property(fc.string(), (part) => !keyPart(part).includes(':')));
  });

  it('refuses a kind that could hold the separator, and numbers that are not integers', () => {
    expect(() => compositeKey('Attribution:x', 'a')).toThrow();
    expect(() => compositeKey('flux', 'lmh', 2026.5)).toThrow();
  });

  describe('every stream id function is injective over generated identifier tuples', () => {
    it('attribution', () => injective(fc.tuple(nasty, nasty), ([b, c]) => attributionStreamId(b, c)));
    it('flux (per flat) and bilan', () => {
      injective(fc.tuple(nasty, nasty), ([b, r]) => flatStreamId(b, r));
      injective(fc.tuple(nasty, year), ([b, y]) => bilanStreamId(b, y));
    });
    it('reservation', () =>
      injective(fc.record({ bailleurId: nasty, reservataireId: nasty, conventionId: nasty }), (ref) => reservationStreamId(ref)));
    it('convention keys inside other keys', () =>
      injective(fc.record({ bailleurId: nasty, reservataireId: nasty, conventionId: nasty }), (ref) => conventionKey(ref)));
    it('cia and referential', () => {
      injective(nasty, (siren) => ciaStreamId(siren));
      injective(fc.tuple(fc.constantFrom('epci', 'qpv', 'bailleur', 'reservataire' as const), nasty), ([kind, id]) =>
        referentialStreamId(kind, id),
      );
    });
    it('alert', () => {
      const subject: fc.Arbitrary<AlertSubject> = fc.record({
        rule: fc.constantFrom('RATE_BELOW_TARGET', 'TARGET_UNREACHABLE', 'FLUX_DRIFT' as const),
        epciSiren: fc.option(nasty, { nil: null }),
        year,
        objective: nasty,
        scope: fc.record({ kind: fc.constantFrom('epci', 'bailleur', 'convention' as const), id: nasty }),
      }) as fc.Arbitrary<AlertSubject>;
      injective(subject, alertStreamId);
    });
    it('across kinds: no two kinds share a key', () => {
      fc.assert(
        fc.property(nasty, nasty, (a, b) => {
          const keys = [attributionStreamId(a, b), ciaStreamId(a), referentialStreamId('epci', a), bilanStreamId(a, 2026)];
          expect(new Set(keys).size).toBe(keys.length);
        }),
      );
    });
  });
});
