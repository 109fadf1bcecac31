import { distance } from 'fastest-levenshtein';

/**
 * The registered ids closest to one that is not registered (a typo: `action-logment` →
 * `action-logement`), by edit distance, case ignored; at most `limit`, the closest first.
 * Ids too far to be a typo of it (more than a third of its length, at least 2) are left out.
 */
export function closestIds(id: string, registered: Iterable<string>, limit = 3): string[] {
  const wanted = id.toLowerCase();
  const reach = Math.max(2, Math.ceil(wanted.length / 3));
  return [...new Set(registered)]
    .map((candidate) => ({ candidate, d: distance(wanted, candidate.toLowerCase()) }))
    .filter(({ d }) => d <= reach)
    .sort((a, b) => a.d - b.d || a.candidate.localeCompare(b.candidate))
    .slice(0, limit)
    .map(({ candidate }) => candidate);
}
