// Writes committed trials, then dies (SIGKILL) in the middle of a large write transaction, leaving
// what a crashed writer leaves: a hot journal (rollback mode) or an uncheckpointed WAL (runner).
// usage: node --import tsx crashWriter.ts DB runner|plain|flush-later
// flush-later: a runner whose finishes are committed without waiting for their fsync
// (finishTrialFlushLater), killed before any of those fsyncs has reported back.
import Database from 'better-sqlite3';
import { openStudyStorage } from '../../../electron/core/studies/optunaSqliteStorage.ts';

const [db, mode] = process.argv.slice(2) as [string, string];
const s = openStudyStorage(db, { create: true, runner: mode !== 'plain' });
const { studyId } = s.createStudy('s', ['minimize']);
for (let i = 0; i < 40; i++) {
  const { trialId } = s.createTrial(studyId);
  if (mode === 'flush-later') void s.finishTrialFlushLater!(trialId, 'COMPLETE', i);
  else s.finishTrial(trialId, 'COMPLETE', i);
}
// A second connection holds the file open (so the WAL is not checkpointed away) and dies mid-write
// with a tiny page cache, so pages of the unfinished transaction reach the file or the WAL.
const raw = new Database(db);
raw.pragma('cache_size = 1');
raw.exec('BEGIN IMMEDIATE');
raw.exec("UPDATE trials SET state = 'FAIL'");
raw.exec("INSERT INTO studies (study_name) SELECT 'junk' || trial_id FROM trials");
console.log('dying');
process.kill(process.pid, 'SIGKILL');
