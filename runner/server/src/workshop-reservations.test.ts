import { describe, expect, it } from 'vitest';
import type { WorkshopRecord } from './progress-store.ts';
import { RESERVE_LEAD_MS, reservationTargets, WorkshopReservations } from './workshop-reservations.ts';

const HOUR = 3_600_000;
const NOW = Date.UTC(2026, 11, 6, 14);

const workshop = (id: string, over: Partial<WorkshopRecord> = {}): WorkshopRecord => ({
  id,
  joinCode: 'ABCD-EFGH',
  title: id,
  trackId: null,
  scenarioIds: ['missing-networkpolicy', 'exposed-dashboard'],
  seats: 30,
  startsAt: NOW,
  endsAt: NOW + 3 * HOUR,
  sessionMinutes: 60,
  solutionsAllowed: true,
  stuckMinutes: 10,
  createdAt: NOW - HOUR,
  endedAt: null,
  broadcast: null,
  broadcastAt: null,
  ...over,
});

describe('clusters reserved for workshops', () => {
  it('reserve the first scenario for every seat not yet started, up to the cap, from shortly before the start', () => {
    const started = (id: string) => (id === 'a' ? 25 : 0);
    expect(reservationTargets([workshop('a'), workshop('b', { seats: 8 })], started, NOW, 20)).toEqual(
      new Map([['missing-networkpolicy', 5 + 8]]),
    );
    const later = workshop('c', { startsAt: NOW + RESERVE_LEAD_MS + 1, scenarioIds: ['exposed-dashboard'] });
    expect(reservationTargets([later], () => 0, NOW, 20)).toEqual(new Map());
    expect(reservationTargets([later], () => 0, NOW + 2, 20)).toEqual(new Map([['exposed-dashboard', 20]]));
  });

  it('reserve nothing for a workshop that ended, by its instructor or its window', () => {
    const ended = workshop('a', { endedAt: NOW - 1 });
    const over = workshop('b', { endsAt: NOW });
    expect(reservationTargets([ended, over], () => 0, NOW, 20)).toEqual(new Map());
  });

  it('tell the provider each change once, and send a scenario nobody needs back to its default', async () => {
    const calls: [string, number][] = [];
    let list = [workshop('a', { seats: 4 })];
    const reservations = new WorkshopReservations({
      provider: {
        info: () => ({ name: 'sim', realNetwork: false, warnings: [] }),
        create: () => Promise.reject(new Error('not in this test')),
        delete: async () => {},
        list: async () => [],
        reserve: (id, count) => calls.push([id, count]),
      },
      workshops: async () => list,
      started: () => 0,
      perWorkshop: 20,
      now: () => NOW,
    });
    reservations.refresh();
    await reservations.settled();
    reservations.refresh();
    await reservations.settled();
    list = [workshop('a', { seats: 4, endedAt: NOW })];
    reservations.refresh();
    await reservations.settled();
    expect(calls).toEqual([
      ['missing-networkpolicy', 4],
      ['missing-networkpolicy', 0],
    ]);
  });
});
