import { describe, expect, it } from 'vitest';
import { CronError, parseGoDuration, parseSchedule, validateTimeZoneName } from './cron.js';

const at = (iso: string) => Date.parse(iso);
const iso = (t: number | undefined) => (t === undefined ? undefined : new Date(t).toISOString());

describe('cron schedules (robfig ParseStandard)', () => {
  it.each([
    { spec: '*/15 * * * *', from: '2026-01-01T00:07:00Z', next: '2026-01-01T00:15:00.000Z' },
    { spec: '0 0 * * *', from: '2026-01-01T00:00:00Z', next: '2026-01-02T00:00:00.000Z' },
    { spec: '5/20 * * * *', from: '2026-01-01T00:26:00Z', next: '2026-01-01T00:45:00.000Z' },
    { spec: '0 9 * * mon-fri', from: '2026-01-02T10:00:00Z', next: '2026-01-05T09:00:00.000Z' },
    { spec: '0 0 1 jan *', from: '2026-03-01T00:00:00Z', next: '2027-01-01T00:00:00.000Z' },
    // Both day fields restricted: either may match (the 13th, or any Friday).
    { spec: '0 0 13 * 5', from: '2026-01-01T00:00:00Z', next: '2026-01-02T00:00:00.000Z' },
    // Day-of-month restricted, day-of-week `*`: only the 13th.
    { spec: '0 0 13 * *', from: '2026-01-01T00:00:00Z', next: '2026-01-13T00:00:00.000Z' },
    { spec: '@hourly', from: '2026-01-01T00:00:01Z', next: '2026-01-01T01:00:00.000Z' },
    { spec: '@weekly', from: '2026-01-01T00:00:00Z', next: '2026-01-04T00:00:00.000Z' },
    { spec: '@every 90s', from: '2026-01-01T00:00:00.500Z', next: '2026-01-01T00:01:30.000Z' },
    { spec: '0 0 30 2 *', from: '2026-01-01T00:00:00Z', next: undefined },
  ])('$spec after $from is $next', ({ spec, from, next }) => {
    expect(iso(parseSchedule(spec, 'UTC').next(at(from)))).toBe(next);
  });

  it('reads times in the given zone, and a time skipped by daylight saving does not run', () => {
    const s = parseSchedule('30 2 * * *', 'America/New_York');
    // 2026-03-08 is the spring-forward day in New York: 02:30 does not exist.
    expect(iso(s.next(at('2026-03-07T12:00:00Z')))).toBe('2026-03-09T06:30:00.000Z');
    expect(iso(s.next(at('2026-03-07T06:00:00Z')))).toBe('2026-03-07T07:30:00.000Z');
    expect(iso(s.next(at('2026-03-07T08:00:00Z')))).toBe('2026-03-09T06:30:00.000Z');
    expect(iso(parseSchedule('0 9 * * *', 'Asia/Tokyo').next(at('2026-01-01T00:00:00Z')))).toBe('2026-01-02T00:00:00.000Z');
  });

  it.each([
    ['', 'empty spec string'],
    ['* * * *', 'expected exactly 5 fields, found 4: [* * * *]'],
    ['* * * * * *', 'expected exactly 5 fields, found 6: [* * * * * *]'],
    ['60 * * * *', 'end of range (60) above maximum (59): 60'],
    ['* * * * 7', 'end of range (7) above maximum (6): 7'],
    ['5-1 * * * *', 'beginning of range (5) beyond end of range (1): 5-1'],
    ['*/0 * * * *', 'step of range should be a positive number: */0'],
    ['a * * * *', 'failed to parse int from a: strconv.Atoi: parsing "a": invalid syntax'],
    ['@often', 'unrecognized descriptor: @often'],
    ['@every 5', 'failed to parse duration @every 5: time: missing unit in duration "5"'],
  ])('refuses %j with robfig\'s message', (spec, message) => {
    expect(() => parseSchedule(spec, 'UTC')).toThrow(CronError);
    expect(() => parseSchedule(spec, 'UTC')).toThrow(message);
  });

  it('parses Go durations', () => {
    expect(parseGoDuration('1h30m')).toBe(5_400_000);
    expect(parseGoDuration('1.5s')).toBe(1500);
    expect(() => parseGoDuration('5x')).toThrow('invalid duration');
  });

  it.each([
    ['Europe/Berlin', []],
    ['UTC', []],
    ['Mars/Olympus', ['unknown time zone Mars/Olympus']],
    ['europe/berlin', ['unknown time zone europe/berlin']],
    ['Local', ['timeZone must be an explicit time zone as defined in https://www.iana.org/time-zones']],
    ['', ['timeZone must be nil or non-empty string']],
  ])('timeZone %j', (tz, messages) => {
    expect(validateTimeZoneName(tz)).toEqual(messages);
  });
});
