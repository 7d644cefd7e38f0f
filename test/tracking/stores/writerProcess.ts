// A second process for the concurrent-writer test: logs N metric points into one run of the store.
import { openSqliteStore } from '../../../electron/core/tracking/sqliteStore/sqliteStore.ts';

const [file, runId, n] = process.argv.slice(2);
if (!file || !runId || !n) throw new Error('usage: writerProcess.ts FILE RUN_ID N');
const store = openSqliteStore(file);
for (let i = 0; i < Number(n); i++) await store.logMetric(runId, { key: 'm', value: i, timestamp: i, step: i });
await store.close();
