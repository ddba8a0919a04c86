import { describe, expect, it } from 'vitest';
import { createEventIds } from '../../src/core/event-id.js';

describe('audit event ids', () => {
  it('are UUIDv7 and increase within a millisecond and when the clock steps back', () => {
    const next = createEventIds();
    const ids = [next(1_700_000_000_000), next(1_700_000_000_000), next(1_700_000_000_000), next(1_699_999_999_000), next(1_700_000_000_001)];
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
    expect(parseInt(ids[0]!.replace(/-/g, '').slice(0, 12), 16)).toBe(1_700_000_000_000);
  });
});
