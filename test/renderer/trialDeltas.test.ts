// Live updates of a sweep's trials as deltas (issue 12 §4): the page asks only for the trials above
// the last it holds and those it holds unfinished, merges them by number, keeps the row objects of
// the others, keeps the very same data when nothing changed, and fetches everything again when the
// counts do not add up or after a reconnect.
import { describe, expect, it } from 'vitest';
import type { Client } from '../../shared/client.ts';
import type { ChannelInput, TrialScalars } from '../../shared/contract.ts';
import { toIntermediateColumns, toTrialColumns } from '../../shared/trialColumns.ts';
import { mergeIntermediate, refreshIntermediate } from '../../renderer/src/api/intermediateData.ts';
import { fetchTrials, forgetTrialDeltas, mergeTrials, refreshTrials, type TrialsData } from '../../renderer/src/api/trialsData.ts';

const row = (number: number, state: TrialScalars['state'], value: number | null = null): TrialScalars => ({
  trialId: number + 1,
  number,
  state,
  value,
  startedAt: 1_700_000_000_000,
  completedAt: state === 'RUNNING' ? null : 1_700_000_001_000,
  durationMs: null,
  childRunId: null,
  reason: null,
  params: { x: number / 10 },
});

/** A client whose sweeps.trialColumns answers from `study` as the host does, recording each input. */
function fakeClient(study: () => TrialScalars[]): { client: Client; asked: Array<ChannelInput<'sweeps.trialColumns'>> } {
  const asked: Array<ChannelInput<'sweeps.trialColumns'>> = [];
  const client = {
    get: async (channel: string, input: ChannelInput<'sweeps.trialColumns'>) => {
      if (channel !== 'sweeps.trialColumns') throw new Error(`unexpected ${channel}`);
      asked.push(input);
      const all = study();
      const rows = input.since ? all.filter((t) => t.number > input.since!.after || input.since!.numbers.includes(t.number)) : all;
      return toTrialColumns(rows, all.length, 'minimize');
    },
  } as unknown as Client;
  return { client, asked };
}

type Curve = { number: number; intermediate: Array<[number, number]> };

/** A client answering sweeps.trialColumns and sweeps.intermediateColumns from `study` (with each
 * trial's curve from `curves`), as the host does, recording the intermediate inputs. */
function fakeStudyClient(study: () => TrialScalars[], curves: () => Curve[]): { client: Client; asked: Array<ChannelInput<'sweeps.intermediateColumns'>> } {
  const asked: Array<ChannelInput<'sweeps.intermediateColumns'>> = [];
  const pick = <T extends { number: number }>(all: T[], since: { after: number; numbers: number[] } | undefined): T[] =>
    since ? all.filter((t) => t.number > since.after || since.numbers.includes(t.number)) : all;
  const client = {
    get: async (channel: string, input: { id: string; since?: { after: number; numbers: number[] } }) => {
      if (channel === 'sweeps.trialColumns') return toTrialColumns(pick(study(), input.since), study().length, 'minimize');
      if (channel !== 'sweeps.intermediateColumns') throw new Error(`unexpected ${channel}`);
      asked.push(input);
      return toIntermediateColumns(pick(curves(), input.since));
    },
  } as unknown as Client;
  return { client, asked };
}

describe('trial deltas', () => {
  it('merges changed and new trials by number, keeping the other rows and the data when nothing changed', () => {
    const old: TrialsData = { total: 3, direction: 'minimize', trials: [row(0, 'COMPLETE', 1), row(1, 'RUNNING'), row(2, 'COMPLETE', 2)] };
    expect(mergeTrials(old, [], 3, 'minimize')).toBe(old);
    const merged = mergeTrials(old, [row(1, 'COMPLETE', 0.5), row(3, 'RUNNING')], 4, 'minimize');
    expect(merged?.trials.map((t) => [t.number, t.state])).toEqual([[0, 'COMPLETE'], [1, 'COMPLETE'], [2, 'COMPLETE'], [3, 'RUNNING']]);
    expect(merged?.trials[0]).toBe(old.trials[0]);
    expect(merged?.trials[2]).toBe(old.trials[2]);
    // Counts that do not add up (trials gone, the file replaced): no merge.
    expect(mergeTrials(old, [row(5, 'COMPLETE', 1)], 9, 'minimize')).toBeNull();
  });

  it('asks only for what changed once it holds the trials, and for everything after a reconnect', async () => {
    let study = [row(0, 'COMPLETE', 1), row(1, 'RUNNING'), row(2, 'COMPLETE', 2)];
    const { client, asked } = fakeClient(() => study);
    const first = await fetchTrials(client, 'sw');
    expect(asked.at(-1)).toEqual({ id: 'sw' });

    study = [row(0, 'COMPLETE', 1), row(1, 'COMPLETE', 0.5), row(2, 'COMPLETE', 2), row(3, 'COMPLETE', 3), row(4, 'RUNNING')];
    const second = await refreshTrials(client, 'sw', first);
    expect(asked.at(-1)).toEqual({ id: 'sw', since: { after: 2, numbers: [1] } });
    expect(second.trials.map((t) => `${t.number}:${t.state}`)).toEqual(['0:COMPLETE', '1:COMPLETE', '2:COMPLETE', '3:COMPLETE', '4:RUNNING']);
    expect(second.total).toBe(5);

    // Nothing new: the same data (nothing redraws).
    expect(await refreshTrials(client, 'sw', second)).toBe(second);
    expect(asked.at(-1)).toEqual({ id: 'sw', since: { after: 4, numbers: [4] } });

    forgetTrialDeltas();
    await refreshTrials(client, 'sw', second);
    expect(asked.at(-1)).toEqual({ id: 'sw' });
  });

  it('fetches everything when the delta does not add up (the study was replaced by a smaller one)', async () => {
    let study = [row(0, 'COMPLETE', 1), row(1, 'COMPLETE', 2)];
    const { client, asked } = fakeClient(() => study);
    const first = await fetchTrials(client, 'sw');
    study = [row(0, 'COMPLETE', 7)];
    const again = await refreshTrials(client, 'sw', first);
    expect(asked.map((a) => ('since' in a ? 'delta' : 'full'))).toEqual(['full', 'delta', 'full']);
    expect(again.total).toBe(1);
    expect(again.trials[0]?.value).toBe(7);
  });

  it('intermediate values: merged by trial number; only trials unfinished or new in the trials held are asked again', async () => {
    let study = [row(0, 'COMPLETE', 1), row(1, 'RUNNING')];
    let curves: Curve[] = [{ number: 0, intermediate: [[0, 3], [1, 1]] }, { number: 1, intermediate: [[0, 5]] }];
    const { client, asked } = fakeStudyClient(() => study, () => curves);
    const trials1 = await fetchTrials(client, 'sw');
    const first = await refreshIntermediate(client, 'sw', undefined, trials1);
    expect(asked.at(-1)).toEqual({ id: 'sw' });

    study = [row(0, 'COMPLETE', 1), row(1, 'COMPLETE', 2), row(2, 'RUNNING')];
    curves = [{ number: 0, intermediate: [[0, 3], [1, 1]] }, { number: 1, intermediate: [[0, 5], [1, 2]] }, { number: 2, intermediate: [[0, 9]] }];
    const trials2 = await refreshTrials(client, 'sw', trials1);
    const second = await refreshIntermediate(client, 'sw', first, trials2);
    // Built on the trials held when `first` was asked for: trial 1 was running, nothing above 1 was held.
    expect(asked.at(-1)).toEqual({ id: 'sw', since: { after: 1, numbers: [1] } });
    expect(second).toEqual(toIntermediateColumns(curves));

    // Nothing new: the same data; the next ask builds on the trials held now.
    expect(await refreshIntermediate(client, 'sw', second, trials2)).toBe(second);
    expect(asked.at(-1)).toEqual({ id: 'sw', since: { after: 2, numbers: [2] } });
    forgetTrialDeltas();
    await refreshIntermediate(client, 'sw', second, trials2);
    expect(asked.at(-1)).toEqual({ id: 'sw' });
  });

  it('mergeIntermediate keeps the data when the trials sent again are as they were', () => {
    const old = toIntermediateColumns([{ number: 0, intermediate: [[0, 1]] }, { number: 1, intermediate: [] }]);
    expect(mergeIntermediate(old, toIntermediateColumns([{ number: 1, intermediate: [] }]))).toBe(old);
    expect(mergeIntermediate(old, toIntermediateColumns([{ number: 1, intermediate: [[0, 2]] }]))).toEqual(
      toIntermediateColumns([{ number: 0, intermediate: [[0, 1]] }, { number: 1, intermediate: [[0, 2]] }]),
    );
  });
});
