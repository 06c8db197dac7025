/**
 * The ISO 8601 date-time forms the API accepts as input (`2024-05-01`, `2024-05-01T12:00`,
 * `2024-05-01 12:00:00.123456+02:00`, `…Z`), parsed on text so microseconds survive. Shared by
 * value validation (query/) and the dialects' parameter encoders.
 */
const ISO_INPUT = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,6}))?)?)?\s*(Z|z|[+-]\d{2}(?::?\d{2})?)?$/;

export interface ParsedTimestamp {
  readonly date: string;
  readonly time: string;
  readonly fraction: string;
  /** Offset from UTC in minutes, when the input named one. */
  readonly offsetMinutes?: number;
}

/** Parses the ISO 8601 forms the API accepts for date/time input; `undefined` if it is not one. */
export function parseIsoTimestamp(text: string): ParsedTimestamp | undefined {
  const m = ISO_INPUT.exec(text.trim());
  if (!m) return undefined;
  const [, y, mo, d, h = '00', mi = '00', s = '00', fraction = '', zone] = m;
  const month = Number(mo);
  const day = Number(d);
  // Day 0 of the next month is the last day of this one (leap years included).
  const daysInMonth = new Date(Date.UTC(Number(y), month, 0)).getUTCDate();
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth || Number(h) > 23 || Number(mi) > 59 || Number(s) > 60) return undefined;
  let offsetMinutes: number | undefined;
  if (zone) {
    if (zone === 'Z' || zone === 'z') offsetMinutes = 0;
    else {
      const sign = zone[0] === '-' ? -1 : 1;
      const digits = zone.slice(1).replace(':', '');
      offsetMinutes = sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2, 4) || '0'));
    }
  }
  return { date: `${y}-${mo}-${d}`, time: `${h}:${mi}:${s}`, fraction, ...(offsetMinutes !== undefined ? { offsetMinutes } : {}) };
}

