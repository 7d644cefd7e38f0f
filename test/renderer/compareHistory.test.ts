// The Compare view's data: several studies' best-so-far lines on the union of their trial numbers,
// on small inputs whose results are worked out by hand here.
import { describe, expect, it } from 'vitest';
import type { TrialScalars } from '../../shared/contract.ts';
import { compareHistory, mixture } from '../../renderer/src/lib/views/compareHistory.ts';
import { uniqueLabels } from '../../renderer/src/lib/sweepLabels.ts';

function trial(number: number, value: number | null, state: TrialScalars['state'] = 'COMPLETE'): TrialScalars {
  return { trialId: number + 1, number, state, params: {}, value, startedAt: null, completedAt: null, durationMs: null, childRunId: null, reason: null };
}

describe('compareHistory', () => {
  // A minimizes: 5 at trial 0, a failure at 1, 3 at 2, 4 at 4 (no better).
  const a = { direction: 'minimize' as const, trials: [trial(0, 5), trial(1, null, 'FAIL'), trial(2, 3), trial(4, 4)] };
  // B maximizes, listed out of order: 1 at trial 1, 2 at 3, 0.5 at 5 (no better), one running.
  const b = { direction: 'maximize' as const, trials: [trial(3, 2), trial(1, 1), trial(5, 0.5), trial(6, null, 'RUNNING')] };

  it('puts each best-so-far line on every trial number, carried forward, empty before its first result', () => {
    const h = compareHistory([a, b]);
    expect(Array.from(h.data[0] as ArrayLike<number>)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(h.data[1]).toEqual([5, 5, 3, 3, 3, 3]);
    expect(h.data[2]).toEqual([null, 1, 1, 2, 2, 2]);
    expect(h.finished).toEqual([3, 3]);
    expect(h.best).toEqual([3, 2]);
    expect(h.positive).toBe(true);
  });

  it('says when a log axis cannot show every best value, and when a study has none yet', () => {
    const c = { direction: 'minimize' as const, trials: [trial(0, -1)] };
    const empty = { direction: 'maximize' as const, trials: [trial(0, null, 'RUNNING')] };
    const h = compareHistory([a, c, empty]);
    expect(h.positive).toBe(false);
    expect(h.finished).toEqual([3, 1, 0]);
    expect(h.best).toEqual([3, -1, null]);
    expect(Array.from(h.data[0] as ArrayLike<number>)).toEqual([0, 2, 4]);
    expect(h.data[2]).toEqual([-1, -1, -1]);
    expect(h.data[3]).toEqual([null, null, null]);
  });

  it('names mixed directions and objectives', () => {
    expect(mixture([{ direction: 'minimize', metric: 'loss' }, { direction: 'minimize', metric: 'loss' }])).toEqual({ directions: false, metrics: false });
    expect(mixture([{ direction: 'minimize', metric: 'loss' }, { direction: 'maximize', metric: 'f1' }])).toEqual({ directions: true, metrics: true });
    expect(mixture([{ direction: 'minimize', metric: null }, { direction: null, metric: null }])).toEqual({ directions: true, metrics: false });
  });

  it('labels studies of the same name by their file or URL', () => {
    const labels = uniqueLabels([
      { id: '1', studyName: 'a', studyPath: '/x/study.db' },
      { id: '2', studyName: 'a', studyPath: 'postgresql://u@h/db' },
      { id: '3', studyName: 'b', studyPath: '/y/study.db' },
    ]);
    expect([...labels.values()]).toEqual(['a in /x/study.db', 'a in postgresql://u@h/db', 'b']);
  });
});
