/**
 * Standard cron schedules as the CronJob controller reads them (robfig/cron's
 * standard parser): five fields, names for months and weekdays, ranges, steps,
 * lists, `?`, and the `@yearly` ... `@hourly` shorthands, evaluated in UTC or an
 * IANA time zone.
 */
export interface CronSchedule {
  minutes: Set<number>;
  hours: Set<number>;
  days: Set<number>;
  months: Set<number>;
  weekdays: Set<number>;
  /** `*` (or `?`) in day-of-month / day-of-week: then only the other one restricts. */
  anyDay: boolean;
  anyWeekday: boolean;
}

const MACROS: Record<string, string> = {
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@hourly': '0 * * * *',
};
const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const DAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];

function field(
  text: string,
  min: number,
  max: number,
  names: string[] | undefined,
  nameBase: number,
  what: string,
): Set<number> {
  const out = new Set<number>();
  const value = (s: string): number => {
    const i = names ? names.indexOf(s.toLowerCase()) : -1;
    if (i >= 0) return i + nameBase;
    if (!/^\d+$/.test(s))
      throw new Error(`failed to parse int from ${s}: strconv.Atoi: parsing "${s}": invalid syntax`);
    return Number(s);
  };
  for (const part of text.split(',')) {
    const [range = '', stepText] = part.split('/');
    let lo: number;
    let hi: number;
    if (range === '*' || range === '?') {
      lo = min;
      hi = max;
    } else if (range.includes('-')) {
      const [a = '', b = ''] = range.split('-');
      lo = value(a);
      hi = value(b);
    } else {
      lo = value(range);
      hi = stepText !== undefined ? max : lo;
    }
    const step = stepText === undefined ? 1 : Number(stepText);
    if (!Number.isInteger(step) || step <= 0) throw new Error(`invalid step in ${what}: ${part}`);
    if (lo < min || hi > max || lo > hi) throw new Error(`end of range (${hi}) above maximum (${max}): ${part}`);
    for (let v = lo; v <= hi; v += step) out.add(v === 7 && what === 'dow' ? 0 : v);
  }
  return out;
}

/** Parses a schedule; throws an Error whose message says what is wrong. */
export function parseCron(spec: string): CronSchedule {
  const text = MACROS[spec.trim().toLowerCase()] ?? spec.trim();
  const fields = text.split(/\s+/);
  if (fields.length !== 5) throw new Error(`expected exactly 5 fields, found ${fields.length}: [${fields.join(' ')}]`);
  const [mi = '', h = '', dom = '', mon = '', dow = ''] = fields;
  return {
    minutes: field(mi, 0, 59, undefined, 0, 'minute'),
    hours: field(h, 0, 23, undefined, 0, 'hour'),
    days: field(dom, 1, 31, undefined, 0, 'dom'),
    months: field(mon, 1, 12, MONTHS, 1, 'month'),
    weekdays: field(dow, 0, 7, DAYS, 0, 'dow'),
    anyDay: dom.startsWith('*') || dom === '?',
    anyWeekday: dow.startsWith('*') || dow === '?',
  };
}

interface Parts {
  month: number;
  day: number;
  weekday: number;
  hour: number;
  minute: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

/** Wall-clock parts of an instant in a time zone (UTC when none). */
function partsIn(ms: number, timeZone: string | undefined): Parts {
  if (!timeZone || timeZone === 'UTC' || timeZone === 'Etc/UTC') {
    const d = new Date(ms);
    return {
      month: d.getUTCMonth() + 1,
      day: d.getUTCDate(),
      weekday: d.getUTCDay(),
      hour: d.getUTCHours(),
      minute: d.getUTCMinutes(),
    };
  }
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      month: 'numeric',
      day: 'numeric',
      weekday: 'short',
      hour: 'numeric',
      minute: 'numeric',
    });
    formatters.set(timeZone, f);
  }
  const got: Record<string, string> = {};
  for (const p of f.formatToParts(new Date(ms))) got[p.type] = p.value;
  return {
    month: Number(got.month),
    day: Number(got.day),
    weekday: DAYS.indexOf((got.weekday ?? '').toLowerCase().slice(0, 3)),
    hour: Number(got.hour) % 24,
    minute: Number(got.minute),
  };
}

/** Whether a time zone name is one the runtime knows. */
export function validTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

function matches(s: CronSchedule, p: Parts): boolean {
  if (!s.minutes.has(p.minute) || !s.hours.has(p.hour) || !s.months.has(p.month)) return false;
  const dom = s.days.has(p.day);
  const dow = s.weekdays.has(p.weekday);
  if (s.anyDay || s.anyWeekday) return dom && dow;
  return dom || dow;
}

const MINUTE = 60_000;
/** Search horizon: five years of minutes is more than any valid schedule needs (Feb 29 on a Monday). */
const HORIZON = 5 * 366 * 24 * 60;

/** The first schedule time strictly after `after` (ms), or undefined if none within five years. */
export function nextTime(s: CronSchedule, after: number, timeZone?: string): number | undefined {
  let t = Math.floor(after / MINUTE) * MINUTE + MINUTE;
  for (let i = 0; i < HORIZON; ) {
    const p = partsIn(t, timeZone);
    if (!s.months.has(p.month) || !(s.anyDay && s.anyWeekday ? true : s.days.has(p.day) || s.weekdays.has(p.weekday))) {
      // Skip to the next local midnight-ish: advance by the minutes left in this day.
      const skip = (24 - p.hour) * 60 - p.minute;
      t += skip * MINUTE;
      i += skip;
      continue;
    }
    if (!s.hours.has(p.hour)) {
      const skip = 60 - p.minute;
      t += skip * MINUTE;
      i += skip;
      continue;
    }
    if (matches(s, p)) return t;
    t += MINUTE;
    i++;
  }
  return undefined;
}
