import { closestIds } from './closest-ids.js';

describe('Closest registered ids', () => {
  const registered = ['action-logement', 'etat-59', 'ville-de-lille', 'lmh', 'lille-metropole-habitat', 'vilogia'];

  it('finds the id a typo meant', () => {
    expect(closestIds('action-logment', registered)).toEqual(['action-logement']);
    expect(closestIds('LMH', registered)[0]).toBe('lmh');
  });

  it('suggests nothing far from the id', () => {
    expect(closestIds('partenord', registered)).toEqual([]);
  });

  it('gives at most three, the closest first', () => {
    expect(closestIds('a', ['b', 'c', 'd', 'e', 'a1'])).toEqual(['a1', 'b', 'c']);
  });
});
