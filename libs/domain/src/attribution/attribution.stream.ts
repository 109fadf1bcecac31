import { compositeKey } from '../identity/composite-key.js';

/** One stream per vacant-flat case of a bailleur: `attribution:{bailleurId}:{caseId}`. */
export function attributionStreamId(bailleurId: string, caseId: string): string {
  return compositeKey('attribution', bailleurId, caseId);
}
