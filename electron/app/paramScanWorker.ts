// The worker thread behind ParamScanThread: scans a study's trial_params on its own read-only
// connection (one per request, closed after it, so no connection of ours outlives a read) while the
// host's main thread reads the study's other columns. One request in on the port it is given, one
// reply out on it, then the shared counter is set to the request's id and notified: the main
// thread waits on that counter (it is inside a synchronous read transaction of its own).
import Database from 'better-sqlite3';
import { workerData, type MessagePort } from 'node:worker_threads';
import { RowDecoder } from '../core/studies/rowCodec.ts';
import { StudyColumnsReader } from '../core/studies/studyColumnsSql.ts';
import type { ParamScanReply, ParamScanRequest } from './paramScanThread.ts';

const { port, signal } = workerData as { port: MessagePort; signal: Int32Array };
if (!port || !signal) throw new Error('paramScanWorker.ts runs as ParamScanThread\'s worker thread only');

function scan(req: ParamScanRequest): ParamScanReply {
  const db = new Database(req.file, { readonly: true, fileMustExist: true, timeout: req.busyTimeoutMs });
  try {
    const got = new StudyColumnsReader(db, new RowDecoder(req.file)).paramScan(req.studyId, req.share, req.maxTrials, req.minTrials);
    return { id: req.id, scan: got };
  } finally {
    db.close();
  }
}

port.on('message', (req: ParamScanRequest) => {
  let reply: ParamScanReply;
  try {
    reply = scan(req);
  } catch (e) {
    reply = { id: req.id, scan: null, failure: `${req.file}: ${(e as Error).message}` };
  }
  port.postMessage(reply, reply.scan ? [...reply.scan.keys, ...reply.scan.vals].map((a) => a.buffer) : []);
  Atomics.store(signal, 0, req.id);
  Atomics.notify(signal, 0);
});
Atomics.store(signal, 1, 1);
Atomics.notify(signal, 1);
