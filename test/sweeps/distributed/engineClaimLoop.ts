// One engine process claiming trials of a shared study, as a worker on another machine would: the
// runner's own path (StudyEngine.ask with the budget, on openSweepStore), telling each trial
// COMPLETE at once, until the budget says no. Prints one JSON line: the (number, fromWaiting) it
// claimed, or its error.
// usage: node --import tsx engineClaimLoop.ts URL STUDY LIMIT SEED GO_FILE
import fs from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { NopPruner } from '../../../electron/core/search/pruners.ts';
import { RandomSampler } from '../../../electron/core/search/samplers/random.ts';
import type { Distribution } from '../../../electron/core/search/types.ts';
import { StudyEngine } from '../../../electron/core/sweeps/studyEngine.ts';
import { openSweepStore } from '../../../electron/core/sweeps/sweepStore.ts';

const [url, studyName, limit, seed, go] = process.argv.slice(2) as [string, string, string, string, string];
const claims: Array<{ number: number; trialId: number; fromWaiting: boolean }> = [];
try {
  const store = await openSweepStore(url, { create: false, runner: true });
  const study = (await store.storage.getStudy(studyName))!;
  const space = new Map<string, Distribution>([['x', { kind: 'float', low: 0, high: 10, step: null, log: false }]]);
  const engine = new StudyEngine({ store, studyId: study.studyId, space, sampler: new RandomSampler(Number(seed)), pruner: new NopPruner(), direction: 'minimize' });
  const budget = { limit: Number(limit), states: ['COMPLETE', 'PRUNED', 'RUNNING'] as const };
  console.log('ready');
  while (!fs.existsSync(go)) await sleep(5);
  for (;;) {
    const t = await engine.ask(budget, { 'sweepdeck:pid': process.pid });
    if (!t) break;
    claims.push({ number: t.number, trialId: t.trialId, fromWaiting: t.fromWaiting });
    await engine.tell(t, 'COMPLETE', Number(t.params.x));
  }
  await store.storage.close();
  console.log(JSON.stringify({ claims }));
} catch (e) {
  console.log(JSON.stringify({ error: String((e as Error).stack ?? e) }));
}
