import { z } from 'zod';
import { looksLikeNumeroUnique } from '@vigie/access';
import { freeText, PERSONAL_DATA_IN_FREE_TEXT } from './free-text.js';
import { displayKey, validate } from './validation.js';

const NUD = '0591227000123';

describe('Free text refuses what looks like a numéro unique', () => {
  it.each([
    NUD,
    '059122700012345678',
    `Refus du ménage ${NUD}, trop loin`,
    '059 1227 000123',
    '059\u00a0122\u202f7000123',
    '0591\u200b227000123',
    '０５９１２２７０００１２３',
    '03 20 12 34 56',
  ])('spots %j', (text) => {
    expect(looksLikeNumeroUnique(text)).toBe(true);
  });

  it.each(['Logement trop éloigné du travail', 'Arrêté du 2026-02-10 n° 59-2026-123', 'SIREN 200093201', '', '123456789'])(
    'lets %j through',
    (text) => {
      expect(looksLikeNumeroUnique(text)).toBe(false);
    },
  );

  it('answers a field error with a stable code and a French message naming the field, never the value', () => {
    const schema = z.object({ reason: freeText('Motif du refus', { max: 500 }) }).strict();
    const result = validate(schema, { reason: `Ménage ${NUD}` });
    expect(result.ok).toBe(false);
    const errors = result.ok ? [] : result.errors;
    expect(errors).toEqual([
      { path: 'reason', code: PERSONAL_DATA_IN_FREE_TEXT, message: expect.stringMatching(/^Motif du refus : /) },
    ]);
    expect(JSON.stringify(errors)).not.toContain('0591227');
    expect(validate(schema, { reason: 'Trop loin' })).toEqual({ ok: true, data: { reason: 'Trop loin' } });
  });

  it('refuses a number in a free-text record key, without naming the key in clear', () => {
    const schema = z.object({ exclusions: z.record(freeText('Motif d’exclusion', { max: 60 }), z.number()) }).strict();
    const result = validate(schema, { exclusions: { [`motif ${NUD}`]: 3 } });
    const errors = result.ok ? [] : result.errors;
    expect(errors.map((error) => error.code)).toEqual([PERSONAL_DATA_IN_FREE_TEXT]);
    expect(JSON.stringify(errors)).not.toMatch(/\d{3}/);
  });
});

describe('Keys named in answers and import reports', () => {
  it('names the schema’s own keys as they are', () => {
    for (const key of ['flat', 'personsAged14OrMore', 'hq1', 'flags.priorityCategory', 3])
      expect(displayKey(key)).toBe(String(key));
  });

  it('masks digits, replaces odd characters and bounds the length of a key the caller made up', () => {
    expect(displayKey(NUD)).toBe('#############');
    expect(displayKey(`nud_${NUD}`)).toBe('nud_#############');
    expect(displayKey('<script>alert(1)</script>')).toBe('?script?alert?#???script?');
    expect(displayKey('x'.repeat(100))).toBe(`${'x'.repeat(40)}…`);
    expect(displayKey('-2+3')).toBe('?#?#');
    expect(displayKey('=cmd')).toBe('?cmd');
  });

  it('reports an unknown key of a body masked', () => {
    const result = validate(z.object({ a: z.string() }).strict(), { a: 'x', [NUD]: 'y', [`<b>${NUD}</b>`]: 1 });
    const errors = result.ok ? [] : result.errors;
    expect(errors.map((error) => error.path)).toEqual(['#############', '?b?#############??b?']);
    expect(JSON.stringify(errors)).not.toContain('0591');
  });
});
