// Trials another process writes into an open study reach the app by themselves: real Python Optuna
// adds trials to a study a page watches (sweeps.watch), and a sweep.progress event with the new
// counts follows, the trial columns then holding them. Only watched studies are looked at, a lease
// runs out, and the poll alone (no fs.watch) still sees a change.
import { mkdirSync } from 'node:fs';
import Database from 'better-sqlite3';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { ChannelOutput, SweepSummary } from '../../shared/contract.ts';
import type { EventMessage, EventPayload } from '../../shared/events.ts';
import { StudyFileWatch } from '../../electron/app/studyFileWatch.ts';
import { UNREADABLE_STUDY } from '../../electron/app/sweepsService.ts';
import { WatchedSweeps } from '../../electron/app/watchedSweeps.ts';
import { tempApp, type TempApp } from '../contract/support.ts';
import { needOptuna, runPython } from '../support/peers.ts';
import { tmpDir } from '../sweeps/support.ts';
import { until } from '../support/until.ts';

/** Adds n trials to study 'py' of the file (made when missing), as a Python user would. */
const ADD_TRIALS = `
import sys, optuna
optuna.logging.set_verbosity(optuna.logging.WARNING)
s = optuna.create_study(study_name='py', storage='sqlite:///' + sys.argv[1], load_if_exists=True, direction='minimize')
s.optimize(lambda t: (t.suggest_float('x', -1, 1) - 0.25) ** 2, n_trials=int(sys.argv[2]))
`;

let t: TempApp | undefined;
let extra: { close(): void } | undefined;
afterEach(async () => {
  extra?.close();
  extra = undefined;
  await t?.cleanup();
  t = undefined;
});

async function openPythonStudy(trials: number): Promise<{ file: string; id: string }> {
  const dir = tmpDir('live-study');
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, 'study.db');
  runPython(ADD_TRIALS, [file, String(trials)]);
  t = await tempApp();
  const opened = await t.app.dispatch('sweeps.openStudyFile', { path: file });
  if (!opened.ok) throw new Error(opened.error.message);
  return { file, id: (opened.value as ChannelOutput<'sweeps.openStudyFile'>).sweeps[0]!.id };
}

describe('trials written by other processes', () => {
  it('Python adding 10 trials to a watched study gives a progress event with the new count', async (ctx) => {
    needOptuna(ctx);
    const { id } = await openPythonStudy(5);
    const seen: EventPayload<'sweep.progress'>[] = [];
    t!.app.bus.subscribe((m: EventMessage) => {
      if (m.event === 'sweep.progress') seen.push(m.payload as EventPayload<'sweep.progress'>);
    });
    // The page reads the study (as the detail screen does), then asks to watch it.
    const before = await t!.app.dispatch('sweeps.trialColumns', { id });
    expect(before.ok && (before.value as ChannelOutput<'sweeps.trialColumns'>).total).toBe(5);
    const w = await t!.app.dispatch('sweeps.watch', { ids: [id, 'no-such-sweep'] });
    expect(w.ok ? (w.value as ChannelOutput<'sweeps.watch'>).watching : w.error).toEqual([id]);

    runPython(ADD_TRIALS, [(await t!.app.sweeps.summary(id)).studyPath, '10']);
    const ev = await until('a progress event with 15 complete trials', async () =>
      seen.find((p) => p.id === id && p.counts.COMPLETE === 15),
    );
    expect(ev.finishedTrials).toBe(15);
    expect(ev.runsHere).toBe(false);
    const after = await t!.app.dispatch('sweeps.trialColumns', { id });
    expect(after.ok && (after.value as ChannelOutput<'sweeps.trialColumns'>).total).toBe(15);
    // A page holding trials 0-4 asks only for what it lacks (and trial 2 again, as if it had been
    // RUNNING then): the new ten and trial 2 cross, with the study's whole count.
    const delta = await t!.app.dispatch('sweeps.trialColumns', { id, since: { after: 4, numbers: [2] } });
    if (!delta.ok) throw new Error(delta.error.message);
    const d = delta.value as ChannelOutput<'sweeps.trialColumns'>;
    expect(d.number).toEqual([2, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14]);
    expect(d.total).toBe(15);
    const iv = await t!.app.dispatch('sweeps.intermediateColumns', { id, since: { after: 12, numbers: [] } });
    expect(iv.ok ? (iv.value as ChannelOutput<'sweeps.intermediateColumns'>).number : iv.error).toEqual([13, 14]);
  });

  it('only watched studies are looked at, and a lease not renewed runs out', async (ctx) => {
    needOptuna(ctx);
    const { id, file } = await openPythonStudy(1);
    const watched = new WatchedSweeps({ sweeps: t!.app.sweeps, bus: t!.app.bus, leaseMs: 300 });
    extra = watched;
    expect(watched.watchedFiles()).toEqual([]);
    watched.watch([id]);
    expect(watched.watchedFiles()).toEqual([file]);
    await until('the lease to run out', async () => watched.watchedFiles().length === 0, 10_000, 50);
  });

  it('a study still locked by its writer right after a change is read again, never shown as failed', async (ctx) => {
    needOptuna(ctx);
    const { id, file } = await openPythonStudy(2);
    const reads: SweepSummary[] = [];
    const sweeps = {
      summary: (x: string): SweepSummary => {
        const s = t!.app.sweeps.summary(x);
        reads.push(s);
        return s;
      },
    };
    const emitted: EventPayload<'sweep.progress'>[] = [];
    t!.app.bus.subscribe((m: EventMessage) => {
      if (m.event === 'sweep.progress') emitted.push(m.payload as EventPayload<'sweep.progress'>);
    });
    const watched = new WatchedSweeps({ sweeps, bus: t!.app.bus, pollMs: 100 });
    extra = watched;
    watched.watch([id]);
    runPython(ADD_TRIALS, [file, '3']);
    // The writer (here: this test) holds the file past the app's short busy timeout.
    const lock = new Database(file);
    try {
      lock.exec('BEGIN EXCLUSIVE');
      await until('a read that met the lock', async () => reads.some((s) => s.message?.startsWith(UNREADABLE_STUDY)), 20_000, 20);
      lock.exec('ROLLBACK');
    } finally {
      lock.close();
    }
    await until('the new count once the lock is gone', async () => emitted.find((p) => p.id === id && p.counts.COMPLETE === 5), 20_000, 20);
    expect(emitted.filter((p) => p.state === 'failed')).toEqual([]);
  });

  it('without change events (fs.watch unusable there), the poll still notices a commit', async (ctx) => {
    needOptuna(ctx);
    const dir = tmpDir('poll-only');
    mkdirSync(dir, { recursive: true });
    const file = path.join(dir, 'study.db');
    runPython(ADD_TRIALS, [file, '1']);
    const changed: string[] = [];
    const w = new StudyFileWatch({ onChange: (f) => changed.push(f), events: false, pollMs: 50, settleMs: 20 });
    extra = w;
    w.set([file]);
    runPython(ADD_TRIALS, [file, '2']);
    await until('the poll to report the change', async () => changed.includes(file), 10_000, 20);
  });
});
