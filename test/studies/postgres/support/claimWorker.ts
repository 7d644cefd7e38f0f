// A separate Sweepdeck process claiming trials of one PostgreSQL study, as a worker on another
// machine would: it takes enqueued WAITING trials first, then creates new ones, until the study has
// `total` trials. Prints one JSON line: the (trialId, number, how) it claimed, or its error.
// usage: node --import tsx claimWorker.ts URL STUDY TOTAL GO_FILE
import fs from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { openPostgresStudyStorage } from '../../../../electron/core/studies/optunaPostgresStorage.ts';

const [url, studyName, total, go] = process.argv.slice(2) as [string, string, string, string];
const claims: Array<{ trialId: number; number: number; how: 'popped' | 'created' }> = [];
try {
  const storage = await openPostgresStudyStorage(url, { poolSize: 2 });
  const study = await storage.loadStudy(studyName);
  console.log('ready');
  while (!fs.existsSync(go)) await sleep(5);
  for (;;) {
    let claim = await storage.popWaitingTrial(study.studyId);
    let how: 'popped' | 'created' = 'popped';
    if (!claim) {
      // Budget check and creation in one transaction: no worker overshoots the total.
      claim = await storage.runInWriteTransaction(
        async (tx) => {
          const c = await tx.countTrials(study.studyId);
          const n = Object.values(c).reduce((a, b) => a + b, 0);
          return n >= Number(total) ? null : tx.createTrial(study.studyId, { systemAttrs: { worker_pid: process.pid } });
        },
        { lockStudy: study.studyId },
      );
      how = 'created';
    }
    if (!claim) break;
    claims.push({ ...claim, how });
    await storage.heartbeat(claim.trialId);
    await storage.setTrialParam(claim.trialId, 'x', claim.number / 1000, { kind: 'float', low: 0, high: 10, step: null, log: false });
    await storage.finishTrial(claim.trialId, 'COMPLETE', claim.number);
  }
  await storage.close();
  console.log(JSON.stringify({ pid: process.pid, claims }));
} catch (e) {
  console.log(JSON.stringify({ pid: process.pid, error: String((e as Error).stack ?? e) }));
}
