// A runner commits a trial's finish and samples the next trial while the commit's fsync runs
// (finishTrialFlushLater): the finish must still be on disk before the next trial starts and before
// the trial's end is reported. Here the disk is slow on purpose (each flush reports back 50 ms
// late), which gives a runner that did not wait for it every chance to start a trial first.
import { describe, expect, it } from 'vitest';
import { openStudyStorage } from '../../electron/core/studies/optunaSqliteStorage.ts';
import { runSweep } from '../../electron/core/sweeps/sweepRunner.ts';
import { sqliteSweepStore } from '../../electron/core/sweeps/sweepStore.ts';
import { configInput, parseConfig, readTrials, tmpDir } from './support.ts';
import path from 'node:path';

/** Runs a sweep on a storage whose finish flushes report back late; returns the order of events. */
async function orderOf(maxTrials: number, slots: number): Promise<{ log: string[]; studyPath: string }> {
  const log: string[] = [];
  const outputDir = tmpDir('flush');
  const handle = runSweep({
    config: parseConfig(configInput({ sampling: { algorithm: 'tpe', max_trials: maxTrials, max_concurrent_trials: slots, seed: 5 } })),
    outputDir,
    heartbeatIntervalMs: 1000,
    onEvent: (e) => {
      if (e.type === 'trial-start') log.push(`start ${e.number}`);
      if (e.type === 'trial-end') log.push(`end ${e.number}`);
    },
    openStorage: async (file, opts) => {
      const s = openStudyStorage(file, opts);
      const flushLater = s.finishTrialFlushLater!.bind(s);
      s.finishTrialFlushLater = (trialId, state, value, steps) => {
        const flushed = flushLater(trialId, state, value, steps);
        const { number } = s.getTrial(trialId);
        log.push(`finished ${number}`);
        return flushed.then(() => new Promise<void>((resolve) => setTimeout(() => resolve(void log.push(`on disk ${number}`)), 50)));
      };
      return sqliteSweepStore(s);
    },
  });
  const result = await handle.done;
  expect(result.status).toBe('completed');
  return { log, studyPath: path.join(outputDir, 'tiny/study.db') };
}

/** Every trial start comes after every finish before it is on disk; every end after its own. */
function checkOrder(log: string[]): void {
  const onDisk = new Set<string>();
  const pending = new Set<string>();
  for (const entry of log) {
    const [what, n] = [entry.slice(0, entry.lastIndexOf(' ')), entry.slice(entry.lastIndexOf(' ') + 1)];
    if (what === 'finished') pending.add(n);
    if (what === 'on disk') {
      pending.delete(n);
      onDisk.add(n);
    }
    if (what === 'start') expect([...pending], `${entry} while finishes not on disk yet, in ${log.join(', ')}`).toEqual([]);
    if (what === 'end') expect(onDisk.has(n), `${entry} reported before its finish was on disk, in ${log.join(', ')}`).toBe(true);
  }
}

describe('a finished trial is on disk before the next trial starts', () => {
  it('one trial at a time', async () => {
    const { log, studyPath } = await orderOf(5, 1);
    expect(log.filter((e) => e.startsWith('on disk'))).toHaveLength(5);
    checkOrder(log);
    expect(readTrials(studyPath, 'hpo_tiny').map((t) => t.state)).toEqual(Array(5).fill('COMPLETE'));
  });

  it('two slots: a trial started while another trial\'s finish is on its way to disk waits for it', async () => {
    const { log } = await orderOf(8, 2);
    expect(log.filter((e) => e.startsWith('on disk'))).toHaveLength(8);
    checkOrder(log);
  });
});
