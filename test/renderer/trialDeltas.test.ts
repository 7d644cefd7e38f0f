// Live updates of a sweep's trials as deltas (issue 12 §4): the page asks only for the trials above
// the last it holds and those it holds unfinished, merges them by number, keeps the row objects of
// the others, keeps the very same data when nothing changed, and fetches everything again when the
// counts do not add up or after a reconnect.
import { describe, expect, it } from 'vitest';
import type { Client } from '../../shared/client.ts';
import type { ChannelInput, TrialScalars } from '../../shared/contract.ts';
import { toTrialColumns } from '../../shared/trialColumns.ts';
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
});
