import fc from 'fast-check';
import {
  meansNone,
  NONE_WORDS,
  PRIORITY_CATEGORIES,
  readAmount,
  readBoolean,
  readCount,
  readDate,
  readFinancing,
  readGestionMode,
  readInsee,
  readNumeroUnique,
  readPriorityCategory,
  readRpls,
  readSiren,
  readTypology,
} from './import-values.js';
import { FINANCINGS, GESTION_MODES, sirenCheckDigitValid, TYPOLOGIES } from '@vigie/domain';

const value = <T>(result: { ok: true; value: T } | { ok: false }) => (result.ok ? result.value : 'REFUSED');

describe('Dates', () => {
  it('reads AAAA-MM-JJ and JJ/MM/AAAA, refuses a day that does not exist once', () => {
    expect(value(readDate('2026-03-10'))).toBe('2026-03-10');
    expect(value(readDate('10/03/2026'))).toBe('2026-03-10');
    expect(value(readDate(' 1/3/2026 '))).toBe('2026-03-01');
    expect(value(readDate(''))).toBeUndefined();
    expect(readDate('30/02/2026')).toEqual({
      ok: false,
      code: 'INVALID_VALUE',
      message: 'date « 30/02/2026 » : ce jour n’existe pas.',
    });
    expect(readDate('03-10-2026')).toMatchObject({ ok: false, message: expect.stringContaining('AAAA-MM-JJ ou JJ/MM/AAAA') });
  });

  it('any calendar day written JJ/MM/AAAA reads as its AAAA-MM-JJ', () => {
    fc.assert(
      fc.property(
        fc.date({ min: new Date('2000-01-01T00:00:00Z'), max: new Date('2099-12-31T00:00:00Z'), noInvalidDate: true }),
        (date) => {
          const iso = date.toISOString().slice(0, 10);
          const [y, m, d] = iso.split('-');
          expect(value(readDate(`${d}/${m}/${y}`))).toBe(iso);
        },
      ),
    );
  });
});

describe('Amounts and counts', () => {
  it('reads a decimal comma and any space as thousands separator', () => {
    expect(value(readAmount('18 500,50'))).toBe(18500.5);
    expect(value(readAmount('18\u00a0500,50'))).toBe(18500.5);
    expect(value(readAmount('18\u202f500'))).toBe(18500);
    expect(value(readAmount('9800.5'))).toBe(9800.5);
    expect(value(readAmount(''))).toBeNull();
    expect(readAmount('9 800 €')).toMatchObject({ ok: false, code: 'INVALID_VALUE' });
    expect(readAmount('-5')).toMatchObject({ ok: false, message: expect.stringContaining('négatif') });
  });

  it('refuses spaces anywhere but between groups of three digits: one amount mistyped, or two run together', () => {
    for (const grouped of ['12 5', '9 80', '1 2 3 4', '9800 12,5', '12 50', '1 2345', '12\u00a05,5'])
      expect([grouped, readAmount(grouped)]).toMatchObject([grouped, { ok: false, code: 'AMBIGUOUS_AMOUNT' }]);
    expect(readAmount('12 5')).toMatchObject({ message: expect.stringContaining('une espace tous les trois chiffres') });
    for (const [spaced, euros] of [
      ['1 234 567,50', 1_234_567.5],
      ['123 456', 123_456],
      ['12\u202f500', 12_500],
      [' 9 800 ', 9_800],
    ] as const)
      expect(value(readAmount(spaced))).toBe(euros);
  });

  it('refuses a point before groups of three digits, a French thousands separator it would read as decimals', () => {
    expect(readAmount('12.500')).toEqual({
      ok: false,
      code: 'AMBIGUOUS_AMOUNT',
      message:
        'montant « 12.500 » : séparateur de milliers ambigu (le point peut être lu comme une virgule décimale) : écrivez 12500 ou 12500,00, sans point.',
    });
    expect(readAmount('1.234.567')).toMatchObject({
      ok: false,
      code: 'AMBIGUOUS_AMOUNT',
      message: expect.stringContaining('écrivez 1234567 ou 1234567,00'),
    });
    expect(readAmount('1.234,56')).toMatchObject({
      ok: false,
      code: 'AMBIGUOUS_AMOUNT',
      message: expect.stringContaining('écrivez 1234,56,'),
    });
    expect(readAmount(' 12.500 ')).toMatchObject({ ok: false, code: 'AMBIGUOUS_AMOUNT' });
    // A point before one, two or four digits is not a thousands separator: a decimal point.
    expect(value(readAmount('12.5'))).toBe(12.5);
    expect(value(readAmount('12.50'))).toBe(12.5);
    expect(value(readAmount('1234.567'))).toBe(1234.567);
    expect(value(readAmount('12.5000'))).toBe(12.5);
  });

  it('never reads a number written with a point thousands separator as its thousandth', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1_000, max: 999_999_999 }), (euros) => {
        const dotted = euros.toLocaleString('de-DE'); // 12.500, 1.234.567: points between thousands
        expect(readAmount(dotted)).toMatchObject({ ok: false, code: 'AMBIGUOUS_AMOUNT' });
      }),
    );
  });

  it('reads counts as whole numbers', () => {
    expect(value(readCount('2'))).toBe(2);
    expect(value(readCount(''))).toBeUndefined();
    expect(readCount('1,5')).toMatchObject({ ok: false });
  });
});

describe('Closed vocabularies', () => {
  it('booleans: oui/non/1/0/x/vrai/faux, empty is no, anything else refused with the list', () => {
    for (const yes of ['oui', 'OUI', '1', 'x', 'X', 'vrai', 'Vrai']) expect(value(readBoolean(yes))).toBe(true);
    for (const no of ['non', 'Non', '0', 'faux', '']) expect(value(readBoolean(no))).toBe(false);
    expect(readBoolean('peut-être')).toMatchObject({
      ok: false,
      message: expect.stringContaining('oui, 1, x, vrai, non, 0, faux'),
    });
  });

  it('typologies, financements and gestion modes, regardless of case and accents', () => {
    for (const typology of TYPOLOGIES) expect(value(readTypology(typology.toLowerCase()))).toBe(typology);
    for (const financing of FINANCINGS) expect(value(readFinancing(financing.toLowerCase()))).toBe(financing);
    for (const mode of GESTION_MODES) expect(value(readGestionMode(mode.toUpperCase()))).toBe(mode);
    expect(value(readGestionMode('Déléguée'))).toBe('deleguee');
    expect(readTypology('T9')).toMatchObject({
      ok: false,
      message: 'typologie « T9 » inconnue : valeurs admises T1, T2, T3, T4, T5, T6+.',
    });
    expect(readFinancing('PLAI-A')).toMatchObject({ ok: false, message: expect.stringContaining('PLAI, PLUS, PLS, PLI, autre') });
    expect(readGestionMode('mixte')).toMatchObject({ ok: false, message: expect.stringContaining('« mixte » inconnu :') });
    // The adjective as it agrees with « mode » rather than « gestion », or with its noun.
    for (const [written, mode] of [
      ['Délégué', 'deleguee'],
      ['direct', 'directe'],
      ['Gestion déléguée', 'deleguee'],
    ] as const)
      expect(value(readGestionMode(written))).toBe(mode);
  });

  it('priority categories of L. 441-1: letter or label gives the label; non, aucune, - mean none; anything else refused', () => {
    for (const none of [...NONE_WORDS, '', 'NON', 'Aucune']) {
      expect(meansNone(none)).toBe(true);
      expect(value(readPriorityCategory(none))).toBeNull();
    }
    for (const category of PRIORITY_CATEGORIES) {
      expect(value(readPriorityCategory(category.letter))).toBe(category.label);
      expect(value(readPriorityCategory(`${category.letter.toUpperCase()})`))).toBe(category.label);
      expect(value(readPriorityCategory(category.label.toUpperCase()))).toBe(category.label);
    }
    expect(value(readPriorityCategory("Sortant d'hébergement"))).toBe('Sortant d’hébergement ou de logement de transition');
    expect(value(readPriorityCategory('L441-1 a'))).toBe(PRIORITY_CATEGORIES[0]!.label);
    expect(readPriorityCategory('oui')).toMatchObject({ ok: false, message: expect.stringContaining('L. 441-1') });
  });
});

describe('National identifiers', () => {
  it('numéro unique: kept as text with its leading zeros; a spreadsheet’s damage refused, saying so', () => {
    expect(value(readNumeroUnique('059122700012345678'))).toBe('059122700012345678');
    expect(value(readNumeroUnique('02A122700012345678'))).toBe('02A122700012345678');
    const dropped = readNumeroUnique('59122700012345600');
    expect(dropped).toMatchObject({ ok: false, code: 'SPREADSHEET_DAMAGE' });
    expect(dropped.ok || dropped.message).toContain('zéro initial perdu');
    expect(dropped.ok || dropped.message).toContain('chiffres après le 15e remplacés par des zéros');
    expect(readNumeroUnique('5,91227E+16')).toMatchObject({ ok: false, code: 'SPREADSHEET_DAMAGE' });
    // The same damage with the digits grouped by spaces (as French Excel shows thousands, or retyped).
    for (const spaced of ['59 122 700 012 345 600', '5912 2700 0001 2345 6', '59\u00a0122\u00a0700\u00a0012\u00a0345\u00a0600'])
      expect([spaced, readNumeroUnique(spaced)]).toMatchObject([spaced, { ok: false, code: 'SPREADSHEET_DAMAGE' }]);
    // Départements 001–009 lose two zeros.
    expect(readNumeroUnique('1122700012345670')).toMatchObject({
      ok: false,
      message: expect.stringContaining('zéros initiaux perdus'),
    });
    // Overseas (971–976): 18 significant digits, the last three turned into zeros.
    expect(readNumeroUnique('974122700012345000')).toMatchObject({ ok: false, code: 'SPREADSHEET_DAMAGE' });
    expect(value(readNumeroUnique('974122700012345678'))).toBe('974122700012345678');
  });

  it('an overseas numéro ending in 000 is refused saying how to confirm it, and accepted once confirmed', () => {
    const refused = readNumeroUnique('974122700012345000');
    expect(refused).toMatchObject({ ok: false, code: 'SPREADSHEET_DAMAGE' });
    expect(refused.ok || refused.message).toContain('colonne numero_unique_confirme = oui');
    expect(value(readNumeroUnique('974122700012345000', true))).toBe('974122700012345000');
    expect(value(readNumeroUnique('971122700012340000', true))).toBe('971122700012340000');
  });

  it('a confirmation does not let through what no genuine numéro can be (17 or 16 digits, scientific notation)', () => {
    for (const damaged of ['59122700012345600', '1122700012345670', '5,91227E+16']) {
      const read = readNumeroUnique(damaged, true);
      expect(read).toMatchObject({ ok: false, code: 'SPREADSHEET_DAMAGE' });
      expect(read.ok || read.message).not.toContain('numero_unique_confirme');
    }
  });

  it('a genuine numéro ending in zeros is not taken for damage when its leading zero is there (read as text)', () => {
    // These used to be refused: 1 genuine numéro in 100 ends in 00 (1 in 10 in 0 for départements 001–009).
    for (const numero of ['059122700012345600', '059122700012345000', '001122700012345670'])
      expect(value(readNumeroUnique(numero))).toBe(numero);
  });

  it('any 18-digit numéro unique a spreadsheet stored as a number is refused', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^(0\d[1-9]|97[1-6])\d{15}$/), (numero) => {
        // What a spreadsheet shows: no leading zero, 15 significant digits (rounded), then zeros.
        const n = BigInt(numero);
        const scale = 10n ** BigInt(n.toString().length - 15);
        const shown = (((n + scale / 2n) / scale) * scale).toString();
        expect(readNumeroUnique(shown)).toMatchObject({ ok: false, code: 'SPREADSHEET_DAMAGE' });
      }),
    );
  });

  it('SIREN with its Luhn check digit; 8 digits is a lost leading zero', () => {
    expect(sirenCheckDigitValid('200093201')).toBe(true);
    expect(value(readSiren('200093201'))).toBe('200093201');
    expect(value(readSiren('200 093 201'))).toBe('200093201');
    expect(readSiren('200093202')).toMatchObject({ ok: false, code: 'INVALID_VALUE', message: expect.stringContaining('Luhn') });
    expect(readSiren('20009320')).toMatchObject({ ok: false, code: 'SPREADSHEET_DAMAGE' });
  });

  it('INSEE codes: 5 characters, 2A/2B; 4 digits is a lost leading zero', () => {
    expect(value(readInsee('59350'))).toBe('59350');
    expect(value(readInsee('2a004'))).toBe('2A004');
    expect(value(readInsee('01001'))).toBe('01001');
    expect(readInsee('1001')).toMatchObject({ ok: false, code: 'SPREADSHEET_DAMAGE' });
    expect(readInsee('5935')).toMatchObject({ ok: false, code: 'SPREADSHEET_DAMAGE' });
    expect(readInsee('593500')).toMatchObject({ ok: false, code: 'INVALID_VALUE' });
  });

  it('RPLS ids kept as text; scientific notation refused', () => {
    expect(value(readRpls('0593500001'))).toBe('0593500001');
    expect(readRpls('5,935E+09')).toMatchObject({ ok: false, code: 'SPREADSHEET_DAMAGE' });
  });
});
