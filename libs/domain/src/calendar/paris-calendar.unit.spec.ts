import fc from 'fast-check';
import {
  addDays,
  dayOfYear,
  daysInYear,
  dueDate,
  isBusinessDate,
  monthBoundaries,
  parisCsvTimestamp,
  parisDate,
  parisOffsetMinutes,
  parisTimestamp,
  parisYear,
  parseInstant,
} from './paris-calendar.js';

const at = (iso: string) => new Date(iso);

describe('The Europe/Paris calendar', () => {
  describe('at the year boundary', () => {
    it('is already 1 January in Paris at 23:30 UTC on 31 December (00:30 in Paris)', () => {
      expect(parisDate(at('2026-12-31T23:30:00Z'))).toBe('2027-01-01');
      expect(parisYear(at('2026-12-31T23:30:00Z'))).toBe(2027);
    });

    it('is still 31 December in Paris at 22:59:59 UTC (23:59:59 in Paris)', () => {
      expect(parisDate(at('2026-12-31T22:59:59Z'))).toBe('2026-12-31');
      expect(parisYear(at('2026-12-31T22:59:59Z'))).toBe(2026);
    });

    it('turns the day at 23:00 UTC in winter', () => {
      expect(parisDate(at('2026-02-28T22:59:59.999Z'))).toBe('2026-02-28');
      expect(parisDate(at('2026-02-28T23:00:00Z'))).toBe('2026-03-01');
    });
  });

  describe('across the spring change (29 March 2026, 02:00 → 03:00)', () => {
    it('is +01:00 just before and +02:00 just after 01:00 UTC', () => {
      expect(parisOffsetMinutes(at('2026-03-29T00:59:59Z'))).toBe(60);
      expect(parisOffsetMinutes(at('2026-03-29T01:00:00Z'))).toBe(120);
      expect(parisTimestamp(at('2026-03-29T00:59:59Z'))).toBe('2026-03-29T01:59:59.000+01:00');
      expect(parisTimestamp(at('2026-03-29T01:00:00Z'))).toBe('2026-03-29T03:00:00.000+02:00');
    });

    it('turns the day at 22:00 UTC in summer', () => {
      expect(parisDate(at('2026-03-29T21:59:59Z'))).toBe('2026-03-29');
      expect(parisDate(at('2026-03-29T22:00:00Z'))).toBe('2026-03-30');
      expect(parisDate(at('2026-03-28T22:59:59Z'))).toBe('2026-03-28');
      expect(parisDate(at('2026-03-28T23:00:00Z'))).toBe('2026-03-29');
    });
  });

  describe('across the autumn change (25 October 2026, 03:00 → 02:00)', () => {
    it('is +02:00 just before and +01:00 just after 01:00 UTC; the repeated hour is told apart by its offset', () => {
      expect(parisTimestamp(at('2026-10-25T00:30:00Z'))).toBe('2026-10-25T02:30:00.000+02:00');
      expect(parisTimestamp(at('2026-10-25T01:30:00Z'))).toBe('2026-10-25T02:30:00.000+01:00');
      expect(parisCsvTimestamp(at('2026-10-25T01:30:00Z'))).toBe('25/10/2026 02:30');
    });

    it('turns the day at 22:00 UTC the evening before and at 23:00 UTC that evening', () => {
      expect(parisDate(at('2026-10-24T22:00:00Z'))).toBe('2026-10-25');
      expect(parisDate(at('2026-10-25T22:59:59Z'))).toBe('2026-10-25');
      expect(parisDate(at('2026-10-25T23:00:00Z'))).toBe('2026-10-26');
    });
  });

  it('a Paris timestamp names the same instant it was made from (property)', () => {
    fc.assert(
      fc.property(fc.date({ min: new Date('1990-01-01'), max: new Date('2100-01-01'), noInvalidDate: true }), (instant) => {
        const shown = parisTimestamp(instant);
        expect(new Date(shown).getTime()).toBe(instant.getTime());
        expect(shown.slice(0, 10)).toBe(parisDate(instant));
        expect([60, 120]).toContain(parisOffsetMinutes(instant));
      }),
    );
  });

  it('month boundaries, day of year and due dates are civil-date arithmetic', () => {
    expect(monthBoundaries(2028, 2)).toEqual({ first: '2028-02-01', last: '2028-02-29' });
    expect(monthBoundaries(2026, 4)).toEqual({ first: '2026-04-01', last: '2026-04-30' });
    expect(dayOfYear('2026-03-29')).toBe(88);
    expect(dayOfYear('2028-12-31')).toBe(daysInYear(2028));
    expect(dueDate(2027, 2, 28)).toBe('2027-02-28');
    expect(dueDate(2027, 2, 30)).toBe('2027-02-28');
    expect(addDays('2026-12-31', 1)).toBe('2027-01-01');
    expect(addDays('2026-03-01', -1)).toBe('2026-02-28');
    expect(isBusinessDate('2026-02-29')).toBe(false);
    expect(isBusinessDate('2028-02-29')).toBe(true);
    expect(isBusinessDate('2026-3-1')).toBe(false);
  });
});

describe('Reading an instant strictly (asOf)', () => {
  it.each([
    ['2026-06-30T23:59:59+02:00', '2026-06-30T21:59:59.000Z'],
    ['2026-06-30T21:59:59Z', '2026-06-30T21:59:59.000Z'],
    ['2026-12-31T23:30:00.5-01:30', '2027-01-01T01:00:00.500Z'],
    ['2026-03-29T03:00+02:00', '2026-03-29T01:00:00.000Z'],
  ])('reads %s as %s', (value, expected) => {
    expect(parseInstant(value)?.toISOString()).toBe(expected);
  });

  it.each([
    '2026-06-30',
    '2026-06-30T23:59:59',
    '2026-02-30T10:00:00Z',
    '2026-06-30T24:00:00Z',
    '2026-06-30 23:59:59Z',
    'Tue, 30 Jun 2026 21:59:59 GMT',
    '1782856799000',
    '2026-06-30T23:59:59+2',
    '2026-06-30T23:59:59+15:00',
  ])('refuses %s', (value) => {
    expect(parseInstant(value)).toBeNull();
  });

  it('reads back every Paris timestamp it writes (property)', () => {
    fc.assert(
      fc.property(fc.date({ min: new Date('1990-01-01'), max: new Date('2100-01-01'), noInvalidDate: true }), (instant) => {
        expect(parseInstant(parisTimestamp(instant))?.getTime()).toBe(instant.getTime());
      }),
    );
  });
});
