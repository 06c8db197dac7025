/**
 * Date/time text conversions shared by the engines' codecs. Done on text, never through `Date`, so
 * microseconds survive (a JavaScript Date holds milliseconds).
 *
 * Output forms (see ValueType): timestamp `YYYY-MM-DDTHH:MM:SS[.ffffff]`, timestamptz the same
 * with `Z` or `±HH:MM`.
 */
import { parseIsoTimestamp } from '../query/iso-timestamp.js';

const UTC_TIMESTAMP = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(?:\.\d+)?\+00$/;

/** `2024-01-02 03:04:05.123456+00` → `2024-01-02T03:04:05.123456Z`; `+05:30` kept, `+05` → `+05:00`. */
export function isoFromPostgresTimestamp(text: string): string {
  // Sessions run at TimeZone UTC, so nearly every timestamptz reads `YYYY-MM-DD HH:MM:SS[.f]+00`.
  if (UTC_TIMESTAMP.test(text)) {
    return `${text.slice(0, 10)}T${text.slice(11, -3)}Z`;
  }
  const match = /^(\d{4,}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2}(?:\.\d+)?)(?:([+-])(\d{2})(?::?(\d{2}))?(?::?(\d{2}))?)?$/.exec(text);
  if (!match) return text; // infinity, -infinity, BC dates: passed through as the engine wrote them
  const [, date, time, sign, hours, minutes, seconds] = match;
  if (!sign) return `${date}T${time}`;
  if (hours === '00' && (minutes ?? '00') === '00' && !seconds) return `${date}T${time}Z`;
  return `${date}T${time}${sign}${hours}:${minutes ?? '00'}${seconds ? `:${seconds}` : ''}`;
}

/**
 * MySQL `2024-01-02 03:04:05.120000` → `2024-01-02T03:04:05.12`; `withZone` appends `Z` (sessions
 * run at +00:00). Trailing zeros of the fraction are dropped, as PostgreSQL prints them, so the same
 * value reads the same on every engine.
 */
export function isoFromMysqlDateTime(text: string, withZone: boolean): string {
  if (text.length < 19 || text[10] !== ' ') return text;
  // Every DATETIME/TIMESTAMP of a result passes here: the fraction is trimmed by index, not with
  // regular expressions (two of them, and two strings, per value were a few % of a list read).
  let end = text.length;
  const dot = text.indexOf('.', 11);
  if (dot >= 0) {
    while (end > dot + 1 && text.charCodeAt(end - 1) === 48 /* 0 */) end--;
    if (end === dot + 1) end = dot;
  }
  return `${text.slice(0, 10)}T${text.slice(11, end)}${withZone ? 'Z' : ''}`;
}

/**
 * ISO input → MySQL DATETIME/TIMESTAMP literal text (`YYYY-MM-DD HH:MM:SS[.ffffff]`). For instants
 * (`toUtc`), an explicit offset is applied so the value is in UTC; for wall-clock timestamps the
 * offset is ignored, as PostgreSQL does for `timestamp without time zone`. Unparseable input is
 * returned unchanged for the server to reject.
 */
export function mysqlDateTimeFromIso(text: string, toUtc: boolean): string {
  const parsed = parseIsoTimestamp(text);
  if (!parsed) return text;
  let { date, time } = parsed;
  if (toUtc && parsed.offsetMinutes) {
    const [y, mo, d] = date.split('-').map(Number) as [number, number, number];
    const [h, mi, s] = time.split(':').map(Number) as [number, number, number];
    // setUTCFullYear, unlike Date.UTC, does not map years 0–99 to 1900–1999.
    const shifted = new Date(0);
    shifted.setUTCFullYear(y, mo - 1, d);
    shifted.setUTCHours(h, mi - parsed.offsetMinutes, s, 0);
    const iso = shifted.toISOString(); // yyyy-mm-ddThh:mm:ss.sssZ, whole seconds here
    date = iso.slice(0, 10);
    time = iso.slice(11, 19);
  }
  return `${date} ${time}${parsed.fraction ? `.${parsed.fraction}` : ''}`;
}
