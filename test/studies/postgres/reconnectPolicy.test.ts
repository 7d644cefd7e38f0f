// The backoff's arithmetic and the error classification, without a server (the outages themselves
// are tested against the real one in outages.test.ts).
import { describe, expect, it } from 'vitest';
import { isConnectionLoss } from '../../../electron/core/studies/postgresErrors.ts';
import { Backoff, backoffDelay, DEFAULT_RECONNECT, PATIENCE_ENV, reconnectPolicy } from '../../../electron/core/studies/postgresRetry.ts';
import { StudyError } from '../../../electron/core/studies/types.ts';

const withCode = (message: string, code: string): Error => Object.assign(new Error(message), { code });

describe('reconnect backoff', () => {
  it('doubles from the first delay up to the cap, the upper half random', () => {
    const p = { firstDelayMs: 250, maxDelayMs: 8_000, patienceMs: 300_000 };
    expect([0, 1, 2, 3, 4, 5, 6, 20].map((a) => backoffDelay(a, p, () => 0))).toEqual([125, 250, 500, 1_000, 2_000, 4_000, 4_000, 4_000]);
    expect([0, 1, 2, 3, 4, 5, 6, 20].map((a) => backoffDelay(a, p, () => 1))).toEqual([250, 500, 1_000, 2_000, 4_000, 8_000, 8_000, 8_000]);
  });

  it('stops offering waits once the next one would pass the patience', () => {
    let clock = 0;
    const b = new Backoff({ firstDelayMs: 100, maxDelayMs: 400, patienceMs: 1_000 }, () => 1, () => clock);
    const waits: Array<number | null> = [];
    for (let i = 0; i < 4; i++) {
      const d = b.next();
      waits.push(d);
      // Each try itself takes 10 ms (a refused connect), and counts against the patience too.
      clock += (d ?? 0) + 10;
    }
    // 100 + 200 + 400 waits and three 10 ms tries = 730 ms; a fourth wait of 400 would end at 1,130.
    expect(waits).toEqual([100, 200, 400, null]);
    expect(b.attempts).toBe(3);
  });

  it('takes the patience from SWEEPDECK_PG_PATIENCE_SECONDS, explicit options first, and names a bad value', () => {
    expect(reconnectPolicy({}, {})).toEqual(DEFAULT_RECONNECT);
    expect(reconnectPolicy({}, { [PATIENCE_ENV]: '600' }).patienceMs).toBe(600_000);
    expect(reconnectPolicy({ patienceMs: 5 }, { [PATIENCE_ENV]: '600' }).patienceMs).toBe(5);
    const e = (() => {
      try {
        reconnectPolicy({}, { [PATIENCE_ENV]: 'ten minutes' });
      } catch (err) {
        return err;
      }
      return null;
    })();
    expect(e).toBeInstanceOf(StudyError);
    expect((e as StudyError).message).toContain('SWEEPDECK_PG_PATIENCE_SECONDS="ten minutes"');
  });
});

describe('connection loss or SQL error', () => {
  it('a lost or refused connection, a shutting-down or full server: wait and reconnect', () => {
    for (const e of [
      withCode('connect ECONNREFUSED 127.0.0.1:5432', 'ECONNREFUSED'),
      withCode('read ECONNRESET', 'ECONNRESET'),
      withCode('terminating connection due to administrator command', '57P01'),
      withCode('the database system is starting up', '57P03'),
      withCode('sorry, too many clients already', '53300'),
      withCode('connection failure', '08006'),
      new Error('Connection terminated unexpectedly'),
      new Error('timeout exceeded when trying to connect'),
      new Error('Connection terminated due to connection timeout', { cause: new Error('Connection terminated unexpectedly') }),
    ]) {
      expect(isConnectionLoss(e), e.message).toBe(true);
    }
  });

  it('an SQL error, a refused password, an unknown host: not waited for', () => {
    for (const e of [
      withCode('duplicate key value violates unique constraint', '23505'),
      withCode('syntax error at or near "x"', '42601'),
      withCode('password authentication failed for user "u"', '28P01'),
      withCode('database "x" does not exist', '3D000'),
      withCode('getaddrinfo ENOTFOUND db.example', 'ENOTFOUND'),
      // Text that merely mentions a connection, with a SQLSTATE of its own, is the statement's error.
      withCode('Connection terminated unexpectedly', '22023'),
      new Error('no study named x'),
    ]) {
      expect(isConnectionLoss(e), e.message).toBe(false);
    }
  });
});
