import { describe, expect, it } from 'vitest';
import { nextTime, parseCron } from './cron-schedule.ts';

const at = (iso: string) => Date.parse(iso);
const next = (spec: string, after: string, tz?: string) =>
  new Date(nextTime(parseCron(spec), at(after), tz)!).toISOString();

describe('cron schedules', () => {
  it('steps, ranges and lists', () => {
    expect(next('*/5 * * * *', '2026-01-01T12:03:00Z')).toBe('2026-01-01T12:05:00.000Z');
    expect(next('*/5 * * * *', '2026-01-01T12:05:00Z')).toBe('2026-01-01T12:10:00.000Z');
    expect(next('0 9-17/4 * * *', '2026-01-01T12:00:00Z')).toBe('2026-01-01T13:00:00.000Z');
    expect(next('15,45 * * * *', '2026-01-01T12:20:00Z')).toBe('2026-01-01T12:45:00.000Z');
  });

  it('shorthands and names', () => {
    expect(next('@hourly', '2026-01-01T12:00:00Z')).toBe('2026-01-01T13:00:00.000Z');
    expect(next('@daily', '2026-01-01T12:00:00Z')).toBe('2026-01-02T00:00:00.000Z');
    expect(next('@weekly', '2026-01-01T12:00:00Z')).toBe('2026-01-04T00:00:00.000Z');
    expect(next('0 0 1 JAN *', '2026-01-01T12:00:00Z')).toBe('2027-01-01T00:00:00.000Z');
    expect(next('30 8 * * MON-FRI', '2026-01-02T09:00:00Z')).toBe('2026-01-05T08:30:00.000Z');
  });

  it('ORs day-of-month and day-of-week when both are restricted', () => {
    // 2026-01-01 is a Thursday: the 15th or any Friday.
    expect(next('0 0 15 * 5', '2026-01-01T12:00:00Z')).toBe('2026-01-02T00:00:00.000Z');
  });

  it('evaluates in a time zone', () => {
    expect(next('0 9 * * *', '2026-01-01T12:00:00Z', 'America/New_York')).toBe('2026-01-01T14:00:00.000Z');
  });

  it('rejects malformed schedules', () => {
    expect(() => parseCron('* * * *')).toThrow(/expected exactly 5 fields/);
    expect(() => parseCron('61 * * * *')).toThrow();
  });
});
