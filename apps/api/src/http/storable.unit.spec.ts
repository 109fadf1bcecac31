import { isStorableText, unstorableFields } from './storable.js';
import { isTimestampInRange } from './params.js';

describe('Text PostgreSQL can store', () => {
  it.each([
    ['plain French text', 'hébergement d’urgence', true],
    ['a surrogate pair (emoji)', 'logement 🏠', true],
    ['a NUL character', 'cat\u0000gorie', false],
    ['a lone high surrogate', 'a\uD800b', false],
    ['a lone low surrogate', 'a\uDC00b', false],
    ['a high surrogate at the end', 'abc\uD83D', false],
  ])('%s → %s', (_label, text, storable) => {
    expect(isStorableText(text)).toBe(storable);
  });

  it('finds every unstorable string in nested input, with its path, keys included', () => {
    expect(
      unstorableFields({ a: 'ok', b: { c: ['x', 'y\u0000'] }, 'k\uDFFF': 1, d: 'z\uD800' }).map((problem) => problem.path),
    ).toEqual(['b.c.1', '(corps)', 'd']);
    expect(unstorableFields({ a: 'ok', n: 3, z: null })).toEqual([]);
  });
});

describe('Timestamps PostgreSQL can store', () => {
  it.each([
    ['2026-06-30T23:59:59Z', true],
    ['-271821-04-20T00:00:00Z', false],
    ['+275760-09-13T00:00:00Z', false],
    ['1899-12-31T00:00:00Z', false],
    ['pas une date', false],
  ])('%s → %s', (text, expected) => {
    expect(isTimestampInRange(text)).toBe(expected);
  });
});
