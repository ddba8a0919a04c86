import { expect } from 'vitest';
import type { RateCounters } from '../../src/store/rate-counters.js';

/** What every RateCounters store must do with unhit: take one back from a live window, never below zero, never start one. */
export async function expectUnhitContract(c: RateCounters): Promise<void> {
  await c.hit('k', 60_000, 'account');
  await c.hit('k', 60_000, 'account');
  await c.unhit('k');
  expect((await c.hit('k', 60_000, 'account')).count).toBe(2);
  for (let i = 0; i < 5; i++) await c.unhit('k');
  expect((await c.hit('k', 60_000, 'account')).count).toBe(1);
  await c.unhit('fresh');
  expect((await c.hit('fresh', 60_000, 'account')).count).toBe(1);
}
