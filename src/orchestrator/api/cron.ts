import { CronExpressionParser } from 'cron-parser';

/**
 * CronJob schedules as Kubernetes reads them. Kubernetes parses `spec.schedule` with
 * robfig/cron v3's `ParseStandard`: five fields (minute hour day-of-month month day-of-week),
 * `*` and `?`, lists, ranges, steps (`N/step` meaning `N-max/step`), month and weekday names,
 * day-of-week 0-6 only, and the descriptors `@yearly`/`@annually`, `@monthly`, `@weekly`,
 * `@daily`/`@midnight`, `@hourly` and `@every <duration>`. Anything else is refused with robfig's
 * own message (which the API shows as the reason), so a schedule valid here is valid on Kubernetes
 * and the other way round.
 *
 * The fields are parsed here into bit sets exactly as robfig does; the calendar arithmetic (time
 * zones, daylight saving) is cron-parser's, fed with explicit lists built from those bit sets so
 * both agree on every field. robfig's day rule is kept: when day-of-month or day-of-week is `*`
 * the other decides alone, otherwise either may match. A wall-clock time that does not exist
 * (skipped by a daylight-saving jump) does not run, as with robfig.
 */

export class CronError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CronError';
  }
}

/** A parsed schedule. Times are milliseconds since the epoch. */
export interface CronSchedule {
  /** The first activation strictly after `after` (robfig's Next: from the next whole second), or undefined if none within 5 years. */
  next(after: number): number | undefined;
}

interface Bounds {
  min: number;
  max: number;
  names?: Record<string, number>;
}

const MONTH_NAMES: Record<string, number> = { jan: 1, feb: 2, mar: 3, apr: 4, may: 5, jun: 6, jul: 7, aug: 8, sep: 9, oct: 10, nov: 11, dec: 12 };
const DOW_NAMES: Record<string, number> = { sun: 0, mon: 1, tue: 2, wed: 3, thu: 4, fri: 5, sat: 6 };
const FIELDS: Bounds[] = [
  { min: 0, max: 59 },
  { min: 0, max: 23 },
  { min: 1, max: 31 },
  { min: 1, max: 12, names: MONTH_NAMES },
  { min: 0, max: 6, names: DOW_NAMES },
];

const DESCRIPTORS: Record<string, string> = {
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@hourly': '0 * * * *',
};

/** One field: the values it allows, and whether it was written as `*`/`?` (robfig's star bit). */
interface Field {
  values: Set<number>;
  star: boolean;
}

/** Go's strconv.Atoi followed by robfig's checks. */
function mustParseInt(expr: string): number {
  if (!/^[+-]?\d+$/.test(expr)) throw new CronError(`failed to parse int from ${expr}: strconv.Atoi: parsing ${JSON.stringify(expr)}: invalid syntax`);
  const n = Number(expr);
  if (n < 0) throw new CronError(`negative number (${n}) not allowed: ${expr}`);
  return n;
}

function parseIntOrName(expr: string, names: Record<string, number> | undefined): number {
  const named = names?.[expr.toLowerCase()];
  return named ?? mustParseInt(expr);
}

/** robfig's getRange: `*`, `a`, `a-b`, each optionally `/step`. */
function getRange(expr: string, r: Bounds, into: Field): void {
  const rangeAndStep = expr.split('/');
  const lowAndHigh = (rangeAndStep[0] ?? '').split('-');
  const single = lowAndHigh.length === 1;
  let start: number;
  let end: number;
  let star = false;
  if (lowAndHigh[0] === '*' || lowAndHigh[0] === '?') {
    start = r.min;
    end = r.max;
    star = true;
  } else {
    start = parseIntOrName(lowAndHigh[0] ?? '', r.names);
    if (lowAndHigh.length === 1) end = start;
    else if (lowAndHigh.length === 2) end = parseIntOrName(lowAndHigh[1] ?? '', r.names);
    else throw new CronError(`too many hyphens: ${expr}`);
  }
  let step = 1;
  if (rangeAndStep.length === 2) {
    step = mustParseInt(rangeAndStep[1] ?? '');
    if (single) end = r.max;
    if (step > 1) star = false;
  } else if (rangeAndStep.length > 2) {
    throw new CronError(`too many slashes: ${expr}`);
  }
  if (start < r.min) throw new CronError(`beginning of range (${start}) below minimum (${r.min}): ${expr}`);
  if (end > r.max) throw new CronError(`end of range (${end}) above maximum (${r.max}): ${expr}`);
  if (start > end) throw new CronError(`beginning of range (${start}) beyond end of range (${end}): ${expr}`);
  if (step === 0) throw new CronError(`step of range should be a positive number: ${expr}`);
  for (let v = start; v <= end; v += step) into.values.add(v);
  if (star) into.star = true;
}

function getField(text: string, r: Bounds): Field {
  const f: Field = { values: new Set(), star: false };
  for (const part of text.split(',').filter((p) => p !== '')) getRange(part, r, f);
  return f;
}

/** Go's time.ParseDuration, for `@every`. Returns nanoseconds as a number of milliseconds. */
export function parseGoDuration(s: string): number {
  const units: Record<string, number> = { ns: 1e-6, us: 1e-3, 'µs': 1e-3, 'μs': 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  let rest = s;
  let sign = 1;
  if (rest.startsWith('-') || rest.startsWith('+')) {
    sign = rest.startsWith('-') ? -1 : 1;
    rest = rest.slice(1);
  }
  if (rest === '0') return 0;
  if (rest === '') throw new CronError(`time: invalid duration ${JSON.stringify(s)}`);
  let total = 0;
  while (rest !== '') {
    const m = /^(\d*\.?\d*)(ns|us|µs|μs|ms|s|m|h)/.exec(rest);
    if (!m || m[1] === '' || m[1] === '.') {
      const unitless = /^(\d*\.?\d*)$/.test(rest);
      throw new CronError(unitless ? `time: missing unit in duration ${JSON.stringify(s)}` : `time: invalid duration ${JSON.stringify(s)}`);
    }
    total += Number(m[1]) * (units[m[2] ?? ''] ?? 0);
    rest = rest.slice(m[0].length);
  }
  return sign * total;
}

const MAX_YEARS_MS = 5 * 366 * 24 * 3_600_000;

/** Local wall-clock minute and hour of `t` in `timeZone` (for the daylight-saving check). */
function wallClock(t: number, timeZone: string): { minute: number; hour: number } {
  const parts = new Intl.DateTimeFormat('en-US', { timeZone, hour: 'numeric', minute: 'numeric', hourCycle: 'h23' }).formatToParts(new Date(t));
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value ?? NaN);
  return { minute: get('minute'), hour: get('hour') };
}

function listOf(f: Field, all: boolean): string {
  return all ? '*' : [...f.values].sort((a, b) => a - b).join(',');
}

function specSchedule(fields: Field[], timeZone: string): CronSchedule {
  const [minute, hour, dom, month, dow] = fields as [Field, Field, Field, Field, Field];
  // Day rule (robfig's dayMatches): a `*` in either day field makes the other decide alone.
  const domAll = dom.star;
  const dowAll = dow.star;
  const expr = [listOf(minute, false), listOf(hour, false), domAll && !dowAll ? '*' : listOf(dom, domAll && dowAll), listOf(month, false), dowAll ? '*' : listOf(dow, false)].join(' ');
  return {
    next(after) {
      const from = Math.floor(after / 1000) * 1000;
      let it;
      try {
        it = CronExpressionParser.parse(expr, { currentDate: new Date(from), tz: timeZone });
      } catch {
        return undefined; // a day that never comes (Feb 30): no activation, as robfig's zero time
      }
      for (let i = 0; i < 10_000; i++) {
        let t: number;
        try {
          t = it.next().getTime();
        } catch {
          return undefined;
        }
        if (t - from > MAX_YEARS_MS) return undefined;
        if (t <= after) continue;
        const wc = wallClock(t, timeZone);
        // cron-parser moves a time skipped by a daylight-saving jump to the next hour; robfig skips it.
        if (!minute.values.has(wc.minute) || !hour.values.has(wc.hour)) continue;
        return t;
      }
      return undefined;
    },
  };
}

/** The zone this process runs in (robfig's time.Local for schedules without a time zone). */
export function localTimeZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
}

/**
 * Parses a schedule as `cron.ParseStandard` does. `TZ=`/`CRON_TZ=` prefixes are read (robfig
 * supports them; whether they are allowed is the API's decision, see validateTimeZone callers).
 * `timeZone` is where times without a prefix are read (default: this process's zone).
 */
export function parseSchedule(spec: string, timeZone: string = localTimeZone()): CronSchedule {
  if (spec.length === 0) throw new CronError('empty spec string');
  let zone = timeZone;
  let s = spec;
  if (s.startsWith('TZ=') || s.startsWith('CRON_TZ=')) {
    const i = s.indexOf(' ');
    const eq = s.indexOf('=');
    const name = i < 0 ? s.slice(eq + 1) : s.slice(eq + 1, i);
    const err = timeZoneError(name);
    if (err) throw new CronError(`provided bad location ${name}: ${err}`);
    zone = name;
    s = i < 0 ? '' : s.slice(i).trim();
  }
  if (s.startsWith('@')) {
    const d = DESCRIPTORS[s];
    if (d) s = d;
    else if (s.startsWith('@every ')) {
      let ms: number;
      try {
        ms = parseGoDuration(s.slice('@every '.length));
      } catch (e) {
        throw new CronError(`failed to parse duration ${s}: ${(e as Error).message}`);
      }
      const delay = Math.max(1000, Math.floor(ms / 1000) * 1000);
      return { next: (after) => Math.floor(after / 1000) * 1000 + delay };
    } else throw new CronError(`unrecognized descriptor: ${s}`);
  }
  const parts = s.split(/\s+/).filter((p) => p !== '');
  if (parts.length !== 5) throw new CronError(`expected exactly 5 fields, found ${parts.length}: [${parts.join(' ')}]`);
  return specSchedule(parts.map((p, i) => getField(p, FIELDS[i] as Bounds)), zone);
}

const TZ_PART = /^[A-Za-z.\-_0-9+]{1,14}$/;

/** Go's time.LoadLocation error for `name`, or undefined when it names a zone (IANA names, case as written). */
export function timeZoneError(name: string): string | undefined {
  if (name === '' || name === 'UTC') return undefined;
  if (name === 'Local') return undefined;
  try {
    const resolved = new Intl.DateTimeFormat('en-US', { timeZone: name }).resolvedOptions().timeZone;
    // ICU matches names regardless of case; the zoneinfo files Go reads do not.
    if (resolved !== name && resolved.toLowerCase() === name.toLowerCase()) return `unknown time zone ${name}`;
    return undefined;
  } catch {
    return `unknown time zone ${name}`;
  }
}

/** The API's check of `spec.timeZone` (validateTimeZone upstream): messages for an Invalid cause, empty when valid. */
export function validateTimeZoneName(tz: string): string[] {
  if (tz.length === 0) return ['timeZone must be nil or non-empty string'];
  for (const part of tz.split('/')) {
    if (part === '.' || part === '..' || part.startsWith('-') || !TZ_PART.test(part)) return [`unknown time zone ${tz}`];
  }
  if (tz.toLowerCase() === 'local') return ['timeZone must be an explicit time zone as defined in https://www.iana.org/time-zones'];
  const err = timeZoneError(tz);
  return err ? [err] : [];
}
