// The app's query client asks a query again when its failure passes by itself: a study file locked by
// its writer (a live update refused with STUDY_LOCKED used to leave the page behind for good once the
// sweep had ended), or the host unreachable; never a refusal that would only come again.
import { QueryObserver } from '@tanstack/react-query';
import { afterEach, describe, expect, it } from 'vitest';
import { AppCallError, type ErrorCode } from '../../shared/resultCore.ts';
import { newQueryClient } from '../../renderer/src/api/queryClient.ts';
import { until } from '../support/until.ts';

const clients: Array<ReturnType<typeof newQueryClient>> = [];
afterEach(() => {
  for (const c of clients.splice(0)) c.clear();
});

/** Observes a query whose first `failures` calls fail with `code`; the result and the calls made. */
function observe(code: ErrorCode, failures: number) {
  const qc = newQueryClient();
  clients.push(qc);
  let calls = 0;
  const observer = new QueryObserver(qc, {
    queryKey: ['sweeps.trialColumns', code],
    queryFn: async () => {
      calls++;
      if (calls <= failures) throw new AppCallError('sweeps.trialColumns', { code, message: `refused: ${code}` });
      return 'the trials';
    },
  });
  let last = observer.getCurrentResult();
  const unsubscribe = observer.subscribe((r) => (last = r));
  return { result: () => last, calls: () => calls, unsubscribe };
}

describe('query retries', () => {
  it('a query refused because the study file is locked is asked again until the lock is gone', async () => {
    const q = observe('STUDY_LOCKED', 3);
    await until('the query to settle', async () => q.result().status !== 'pending', 15_000);
    q.unsubscribe();
    expect(q.result().data).toBe('the trials');
    expect(q.calls()).toBe(4);
  });

  it('a refusal that would only come again is not asked again', async () => {
    const q = observe('NOT_FOUND', 1);
    await until('the query to settle', async () => q.result().status !== 'pending', 15_000);
    q.unsubscribe();
    expect(q.result().status).toBe('error');
    expect((q.result().error as AppCallError).code).toBe('NOT_FOUND');
    expect(q.calls()).toBe(1);
  });
});
