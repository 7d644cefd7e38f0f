// dispatch checks replies against the contract too: a handler bug becomes a typed INTERNAL error
// instead of a malformed value in the renderer. Large row arrays are checked at both ends.
import { describe, expect, it } from 'vitest';
import type { TrialRow } from '../../shared/contract.ts';
import { createDispatch } from '../../electron/app/dispatch.ts';

const row = (n: number): TrialRow => ({
  trialId: n + 1,
  number: n,
  state: 'COMPLETE',
  params: { x: 0.5 },
  value: n === 3 ? NaN : 0.5,
  intermediate: [[0, Infinity]],
  startedAt: 1,
  completedAt: 2,
  durationMs: 1,
  childRunId: null,
  reason: null,
});

const quiet = { onInternalError: () => {} };

describe('output check', () => {
  it('passes a valid reply, keeping NaN and Infinity', async () => {
    const d = createDispatch({ 'sweeps.trials': async () => ({ total: 5, offset: 0, direction: 'maximize', trials: [0, 1, 2, 3, 4].map(row) }) }, quiet);
    const r = await d('sweeps.trials', { id: 's' });
    expect(r.ok).toBe(true);
    const v = (r as { value: { trials: TrialRow[] } }).value;
    expect(Number.isNaN(v.trials[3]?.value)).toBe(true);
    expect(v.trials[0]?.intermediate[0]?.[1]).toBe(Infinity);
  });

  it('turns a malformed reply into INTERNAL, naming the field', async () => {
    // A handler bug the type system did not catch (e.g. a state string from an unchecked source).
    const bad = { ...row(0), state: 'DONE' } as unknown as TrialRow;
    const d = createDispatch({ 'sweeps.trials': async () => ({ total: 1, offset: 0, direction: 'maximize', trials: [bad] }) }, quiet);
    const r = await d('sweeps.trials', { id: 's' });
    expect(r).toMatchObject({ ok: false, error: { code: 'INTERNAL' } });
    expect(!r.ok && r.error.message).toContain('trials.0.state');
  });

  it('checks the first and last rows of a 10,000-row reply', async () => {
    const rows = Array.from({ length: 10_000 }, (_, i) => row(i));
    const atEnd = rows.map((r, i) => (i === rows.length - 1 ? { ...r, number: -1 } : r));
    const d = createDispatch({ 'sweeps.trials': async () => ({ total: atEnd.length, offset: 0, direction: 'maximize', trials: atEnd }) }, quiet);
    expect(await d('sweeps.trials', { id: 's' })).toMatchObject({ ok: false, error: { code: 'INTERNAL' } });
    const fine = createDispatch({ 'sweeps.trials': async () => ({ total: rows.length, offset: 0, direction: 'maximize', trials: rows }) }, quiet);
    const r = await fine('sweeps.trials', { id: 's' });
    expect(r.ok && (r.value as { trials: unknown[] }).trials).toHaveLength(10_000);
  });

  it('a handler that throws gives a typed error; a missing one NOT_AVAILABLE', async () => {
    const d = createDispatch({ 'sweeps.list': async () => { throw Object.assign(new Error('gone'), { code: 'ENOENT' }); } }, quiet);
    expect(await d('sweeps.list', {})).toMatchObject({ ok: false, error: { code: 'NOT_FOUND', message: 'gone' } });
    expect(await d('app.info', {})).toMatchObject({ ok: false, error: { code: 'NOT_AVAILABLE' } });
  });
});
