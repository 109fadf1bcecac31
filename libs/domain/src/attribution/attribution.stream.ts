/** One stream per vacant-flat case of a bailleur. */
export function attributionStreamId(bailleurId: string, caseId: string): string {
  return `attribution-${bailleurId}-${caseId}`;
}

export const ATTRIBUTION_STREAM_PREFIX = 'attribution-';
