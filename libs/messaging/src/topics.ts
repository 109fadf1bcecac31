/**
 * Versioned topics, one per stream family. The payload of every message is documented in
 * docs/events.md; a breaking change gets a new topic version, never an edit.
 */
const FAMILIES: Readonly<Record<string, string>> = {
  attribution: 'attributions',
  cia: 'cia',
  reservation: 'reservations',
  flux: 'flux',
  'flux-flat': 'flux',
  bilan: 'flux',
  alert: 'alerts',
  referential: 'referential',
};

export function topicFor(prefix: string, streamId: string): string {
  // Stream ids are `kind:part…` (compositeKey in libs/domain): the family is the kind.
  const family = FAMILIES[streamId.slice(0, streamId.indexOf(':'))] ?? 'events';
  return `${prefix}.${family}.v1`;
}

export function allTopics(prefix: string): string[] {
  return [...new Set([...Object.values(FAMILIES), 'events'])].map((family) => `${prefix}.${family}.v1`);
}
