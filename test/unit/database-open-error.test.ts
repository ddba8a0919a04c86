import { describe, expect, it } from 'vitest';
import { DatabaseOpenError } from '../../src/store/create-db.js';
import { StoreUnavailable } from '../../src/store/store-unavailable.js';

describe('DatabaseOpenError', () => {
  it("says the driver's reason, and an unavailable store's underlying one", () => {
    expect(new DatabaseOpenError(new Error('database "x" does not exist'), 'postgres://h/x').message)
      .toBe('cannot use the database: database "x" does not exist');
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' });
    expect(new DatabaseOpenError(new StoreUnavailable(refused), 'postgres://h/x').message)
      .toBe('cannot use the database: connect ECONNREFUSED 127.0.0.1:1');
  });

  it('falls back to the error code when the message is empty (an AggregateError of several addresses)', () => {
    const e = Object.assign(new AggregateError([], ''), { code: 'ECONNREFUSED' });
    expect(new DatabaseOpenError(e, 'postgres://localhost/x').message).toBe('cannot use the database: ECONNREFUSED');
  });

  it("never repeats the URL's password, even if a driver put it in its message", () => {
    const err = new DatabaseOpenError(new Error('bad login u:p@ss/w0rd! at h'), 'postgres://u:p%40ss%2Fw0rd!@h/x');
    expect(err.message).toBe('cannot use the database: bad login u:*** at h');
  });
});
