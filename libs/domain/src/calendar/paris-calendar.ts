/**
 * The one calendar of Vigie: every day, month and year is a day of the Europe/Paris calendar.
 *
 * An instant (a `Date`, given by the caller: the domain never reads the clock) becomes a
 * business date (`YYYY-MM-DD`) here and nowhere else. Business dates are civil dates: their
 * arithmetic (months, day of year, due dates) never goes through a time zone.
 *
 * The conversion uses `Intl.DateTimeFormat` with the IANA zone `Europe/Paris` (Node ships the
 * full ICU data), so daylight-saving changes follow the official tz database.
 */

export const PARIS_TIME_ZONE = 'Europe/Paris';

/** A calendar day, `YYYY-MM-DD`. */
export type BusinessDate = string;

const PARTS = new Intl.DateTimeFormat('en-US', {
  timeZone: PARIS_TIME_ZONE,
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
  hourCycle: 'h23',
});

interface ParisParts {
  readonly year: number;
  readonly month: number;
  readonly day: number;
  readonly hour: number;
  readonly minute: number;
  readonly second: number;
}

/** The last instant converted: a request reads "today" of one `now` many times, and Intl is slow. */
let last: { readonly time: number; readonly parts: ParisParts } | undefined;

function partsOf(instant: Date): ParisParts {
  const time = instant.getTime();
  if (Number.isNaN(time)) throw new RangeError('Invalid instant');
  if (last?.time === time) return last.parts;
  const parts: Record<string, number> = {};
  for (const part of PARTS.formatToParts(instant)) if (part.type !== 'literal') parts[part.type] = Number(part.value);
  const result = {
    year: parts.year!,
    month: parts.month!,
    day: parts.day!,
    hour: parts.hour!,
    minute: parts.minute!,
    second: parts.second!,
  };
  last = { time, parts: result };
  return result;
}

const pad = (value: number, width = 2) => String(value).padStart(width, '0');

/** The business date of `YYYY`, `MM`, `DD`. */
export function businessDate(year: number, month: number, day: number): BusinessDate {
  return `${pad(year, 4)}-${pad(month)}-${pad(day)}`;
}

/** The Paris calendar day of an instant: "today" when the instant is now. */
export function parisDate(instant: Date): BusinessDate {
  const { year, month, day } = partsOf(instant);
  return businessDate(year, month, day);
}

/** The Paris calendar year of an instant: "the current year" when the instant is now. */
export function parisYear(instant: Date): number {
  return partsOf(instant).year;
}

/** Offset of Paris time from UTC at an instant, in minutes (+60 in winter, +120 in summer). */
export function parisOffsetMinutes(instant: Date): number {
  const p = partsOf(instant);
  const asUtc = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second);
  return Math.round((asUtc - Math.floor(instant.getTime() / 1_000) * 1_000) / 60_000);
}

/** ISO 8601 timestamp in Paris time with its offset, for JSON: `2026-03-02T10:15:00.000+01:00`. */
export function parisTimestamp(instant: Date): string {
  const p = partsOf(instant);
  const offset = parisOffsetMinutes(instant);
  const sign = offset < 0 ? '-' : '+';
  const abs = Math.abs(offset);
  const millis = pad(((instant.getTime() % 1_000) + 1_000) % 1_000, 3);
  return (
    `${businessDate(p.year, p.month, p.day)}T${pad(p.hour)}:${pad(p.minute)}:${pad(p.second)}.${millis}` +
    `${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`
  );
}

/** Paris time as French users read it, for CSV: `02/03/2026 10:15`. */
export function parisCsvTimestamp(instant: Date): string {
  const p = partsOf(instant);
  return `${pad(p.day)}/${pad(p.month)}/${pad(p.year, 4)} ${pad(p.hour)}:${pad(p.minute)}`;
}

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Whether `value` is a real calendar day written `YYYY-MM-DD` (no 30 February). */
export function isBusinessDate(value: string): boolean {
  const match = DATE.exec(value);
  if (!match) return false;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  return month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth(year, month);
}

function fields(date: BusinessDate): [number, number, number] {
  const match = DATE.exec(date);
  if (!match) throw new RangeError(`Not a business date: ${date}`);
  return [Number(match[1]), Number(match[2]), Number(match[3])];
}

/** Year of a business date. */
export function yearOf(date: BusinessDate): number {
  return fields(date)[0];
}

/** Month (1–12) of a business date. */
export function monthOf(date: BusinessDate): number {
  return fields(date)[1];
}

export function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

export function daysInYear(year: number): number {
  return isLeapYear(year) ? 366 : 365;
}

export function daysInMonth(year: number, month: number): number {
  return month === 2 ? (isLeapYear(year) ? 29 : 28) : [4, 6, 9, 11].includes(month) ? 30 : 31;
}

/** First and last day of a month. */
export function monthBoundaries(year: number, month: number): { readonly first: BusinessDate; readonly last: BusinessDate } {
  return { first: businessDate(year, month, 1), last: businessDate(year, month, daysInMonth(year, month)) };
}

/** Rank of a day in its year: 1 on 1 January. */
export function dayOfYear(date: BusinessDate): number {
  const [year, month, day] = fields(date);
  let rank = day;
  for (let m = 1; m < month; m += 1) rank += daysInMonth(year, m);
  return rank;
}

/** The day `days` after (or before, when negative) a business date. */
export function addDays(date: BusinessDate, days: number): BusinessDate {
  const [year, month, day] = fields(date);
  const shifted = new Date(Date.UTC(year, month - 1, day + days));
  return businessDate(shifted.getUTCFullYear(), shifted.getUTCMonth() + 1, shifted.getUTCDate());
}

/**
 * A yearly due date: `dueDate(2026, 2, 28)` is 28 February 2026. A day past the month's end
 * (29 February of a common year) is the month's last day.
 */
export function dueDate(year: number, month: number, day: number): BusinessDate {
  return businessDate(year, month, Math.min(day, daysInMonth(year, month)));
}

const INSTANT = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-](\d{2}):(\d{2}))$/;

/**
 * An ISO 8601 timestamp with an explicit offset (`2026-06-30T23:59:59+02:00`, `…Z`), read
 * strictly: a real calendar day, hours 00–23, minutes and seconds 00–59, offset up to ±14:00.
 * Anything else (no offset, a date alone, `2026-02-30T…`, RFC 2822, a number) is null: an
 * instant without its offset means different moments to different readers.
 */
export function parseInstant(value: string): Date | null {
  const match = INSTANT.exec(value);
  if (!match) return null;
  const [, y, mo, d, h, mi, s = '0', fraction = '0', zone, oh = '0', om = '0'] = match;
  if (!isBusinessDate(`${y}-${mo}-${d}`)) return null;
  if (Number(h) > 23 || Number(mi) > 59 || Number(s) > 59 || Number(oh) > 14 || Number(om) > 59) return null;
  const offset = zone === 'Z' ? 0 : (zone!.startsWith('-') ? -1 : 1) * (Number(oh) * 60 + Number(om));
  const millis = Number(fraction.padEnd(3, '0').slice(0, 3));
  const utc = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s), millis) - offset * 60_000;
  return new Date(utc);
}
