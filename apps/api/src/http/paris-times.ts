import { parisTimestamp } from '@vigie/domain';

/**
 * The JSON replacer of every answer: an instant (`Date`) is written in Paris time with its offset
 * (`2026-03-02T10:15:00.000+01:00`, parisTimestamp), never in UTC with `Z`, so that what a French
 * user reads of an answer is the time on his clock. JSON.stringify hands the replacer the value
 * after `toJSON`; the holder (`this`) still has the Date.
 */
export function parisTimesReplacer(this: unknown, key: string, value: unknown): unknown {
  const raw = (this as Record<string, unknown>)[key];
  return raw instanceof Date && !Number.isNaN(raw.getTime()) ? parisTimestamp(raw) : value;
}
