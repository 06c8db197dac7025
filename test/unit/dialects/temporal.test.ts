import { describe, expect, it } from 'vitest';
import { isoFromMysqlDateTime, isoFromPostgresTimestamp, mysqlDateTimeFromIso } from '../../../src/dialects/temporal.js';
import { parseIsoTimestamp } from '../../../src/query/iso-timestamp.js';

describe('isoFromPostgresTimestamp', () => {
  it.each([
    ['2024-01-02 03:04:05.123456+00', '2024-01-02T03:04:05.123456Z'],
    ['2024-01-02 03:04:05+00', '2024-01-02T03:04:05Z'],
    ['2024-01-02 03:04:05.5+05:30', '2024-01-02T03:04:05.5+05:30'],
    ['2024-01-02 03:04:05-08', '2024-01-02T03:04:05-08:00'],
    ['2024-01-02 03:04:05.000001', '2024-01-02T03:04:05.000001'],
    ['1900-01-01 00:00:00+00:19:32', '1900-01-01T00:00:00+00:19:32'],
    ['infinity', 'infinity'],
    ['0044-03-15 12:00:00+00 BC', '0044-03-15 12:00:00+00 BC'],
  ])('%s → %s', (input, output) => {
    expect(isoFromPostgresTimestamp(input)).toBe(output);
  });
});

describe('isoFromMysqlDateTime', () => {
  it.each([
    ['2024-01-02 03:04:05.123456', true, '2024-01-02T03:04:05.123456Z'],
    ['2024-01-02 03:04:05.120000', true, '2024-01-02T03:04:05.12Z'],
    ['2024-01-02 03:04:00.000000', false, '2024-01-02T03:04:00'],
    ['2024-01-02 03:04:00', false, '2024-01-02T03:04:00'],
    ['2024-01-02 03:04:10.000', true, '2024-01-02T03:04:10Z'],
    ['0000-00-00', false, '0000-00-00'],
    ['2024-01-02 03:04:05.000100', false, '2024-01-02T03:04:05.0001'],
    ['2024-01-02 03:04:05.100000', true, '2024-01-02T03:04:05.1Z'],
    ['2024-01-02 03:04:50', true, '2024-01-02T03:04:50Z'],
    ['2024-01-02 10:00:00.', false, '2024-01-02T10:00:00'],
  ])('%s (zone %s) → %s', (input, withZone, output) => {
    expect(isoFromMysqlDateTime(input, withZone)).toBe(output);
  });
});

describe('mysqlDateTimeFromIso', () => {
  it.each([
    ['2024-03-01T23:30:00.123456+02:00', true, '2024-03-01 21:30:00.123456'],
    ['2024-03-01T23:30:00.5-01:30', true, '2024-03-02 01:00:00.5'],
    ['2024-03-01T23:30:00Z', true, '2024-03-01 23:30:00'],
    ['2024-03-01T23:30:00+02:00', false, '2024-03-01 23:30:00'],
    ['2024-12-31 23:59:59+0100', true, '2024-12-31 22:59:59'],
    ['0050-01-01T00:30:00+01:00', true, '0049-12-31 23:30:00'],
    ['2024-03-01', true, '2024-03-01 00:00:00'],
    ['not a date', true, 'not a date'],
  ])('%s (utc %s) → %s', (input, toUtc, output) => {
    expect(mysqlDateTimeFromIso(input, toUtc)).toBe(output);
  });
});

describe('parseIsoTimestamp', () => {
  it('accepts the documented forms and rejects impossible fields', () => {
    expect(parseIsoTimestamp('2024-05-01')).toEqual({ date: '2024-05-01', time: '00:00:00', fraction: '' });
    expect(parseIsoTimestamp('2024-05-01T12:00Z')).toEqual({ date: '2024-05-01', time: '12:00:00', fraction: '', offsetMinutes: 0 });
    expect(parseIsoTimestamp('2024-05-01 12:00:00.25-02:30')?.offsetMinutes).toBe(-150);
    expect(parseIsoTimestamp('2024-02-29')?.date).toBe('2024-02-29');
    for (const bad of ['2024-13-01', '2024-05-32', '2024-02-30', '2023-02-29', '2024-04-31', '2024-05-01T24:00', '2024-5-1', "2024-05-01'; --", '']) {
      expect(parseIsoTimestamp(bad)).toBeUndefined();
    }
  });
});
