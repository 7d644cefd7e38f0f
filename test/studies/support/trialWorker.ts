// A separate process writing trials into one study, for the two-writer test. Prints one JSON line:
// the trial numbers it got, or the error it hit.
// usage: node --import tsx trialWorker.ts DB STUDY N GO_FILE [PAUSE_MS]
// (waits for GO_FILE so writers start together; PAUSE_MS between trials stretches the run)
import fs from 'node:fs';
import { openStudyStorage } from '../../../electron/core/studies/optunaSqliteStorage.ts';

const [db, studyName, n, go, pauseMs] = process.argv.slice(2);
const storage = openStudyStorage(db as string, { runner: true });
console.log('ready');
const pause = new Int32Array(new SharedArrayBuffer(4));
while (!fs.existsSync(go as string)) Atomics.wait(pause, 0, 0, 2);
const numbers: number[] = [];
try {
  const study = storage.getStudy(studyName as string);
  if (!study) throw new Error(`no study ${studyName}`);
  for (let i = 0; i < Number(n); i++) {
    const { trialId, number } = storage.createTrial(study.studyId, {
      params: { x: { value: (i % 97) / 10, distribution: { kind: 'float', low: 0, high: 10, step: null, log: false } } },
      userAttrs: { pid: process.pid },
    });
    numbers.push(number);
    storage.heartbeat(trialId);
    storage.reportIntermediate(trialId, 0, i);
    storage.finishTrial(trialId, 'COMPLETE', i / 3);
    if (i % 25 === 0) storage.getTrials(study.studyId); // readers interleave with the other writer
    if (pauseMs) Atomics.wait(pause, 0, 0, Number(pauseMs));
  }
  console.log(JSON.stringify({ pid: process.pid, numbers }));
} catch (e) {
  console.log(JSON.stringify({ pid: process.pid, numbers, error: String((e as Error).message), code: (e as { code?: string }).code }));
  process.exitCode = 1;
} finally {
  storage.close();
}
