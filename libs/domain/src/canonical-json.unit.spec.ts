import fc from 'fast-check';
import { canonicalJson } from './canonical-json.js';

/** The text canonicalJson has always given (import event ids recorded depend on it): JSON.stringify of a copy with sorted keys. */
function sortedCopyJson(value: unknown): string {
  const canonical = (item: unknown): unknown =>
    Array.isArray(item)
      ? item.map(canonical)
      : item && typeof item === 'object'
        ? Object.fromEntries(
            Object.keys(item)
              .sort()
              .map((key) => [key, canonical((item as Record<string, unknown>)[key])]),
          )
        : item;
  return JSON.stringify(canonical(value));
}

describe('canonicalJson', () => {
  it('sorts keys at every level and leaves out what JSON leaves out', () => {
    expect(
      canonicalJson({ b: 1, a: { d: [3, undefined, () => 1], c: 'é"' }, u: undefined, n: null, z: Number.NaN, day: new Date(0) }),
    ).toBe('{"a":{"c":"é\\"","d":[3,null,null]},"b":1,"day":{},"n":null,"z":null}');
  });

  it('lists keys that are array indices first, in numeric order, as the sorted copy did', () => {
    expect(canonicalJson({ b: 1, 10: 'x', 2: 'y', a: 0, '01': 'z' })).toBe('{"2":"y","10":"x","01":"z","a":0,"b":1}');
  });

  it('gives the sorted copy’s text for any JSON value, whatever the key order', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        expect(canonicalJson(value)).toBe(sortedCopyJson(value));
      }),
      { numRuns: 3_000 },
    );
  });

  it('gives the sorted copy’s text for values JSON does not carry as such (undefined, -0, dates, sparse arrays)', () => {
    fc.assert(
      fc.property(
        fc.anything({ withBigInt: false, withBoxedValues: true, withDate: true, withSparseArray: true, withNullPrototype: true }),
        (value) => {
          expect(canonicalJson(value)).toBe(sortedCopyJson(value));
        },
      ),
      { numRuns: 3_000 },
    );
  });

  it('throws on a BigInt, as JSON.stringify does', () => {
    expect(() => canonicalJson({ a: 1n })).toThrow(TypeError);
  });
});
