// The worker thread behind ConfigValidator: parses and validates HPO YAML off the thread that serves
// requests. One message in ({ id, text, fileName }), one out ({ id, issues, config }).
import { parentPort } from 'node:worker_threads';
import { validateConfigText, parseConfigText } from '../core/config/loadConfig.ts';
import type { ConfigWorkerReply, ConfigWorkerRequest } from './configValidator.ts';

const port = parentPort;
if (!port) throw new Error('configWorker.ts runs as a worker thread only');
port.on('message', (req: ConfigWorkerRequest) => {
  let reply: ConfigWorkerReply;
  try {
    const issues = validateConfigText(req.text);
    reply = issues.length > 0 ? { id: req.id, issues, config: null } : { id: req.id, issues: [], config: parseConfigText(req.text, req.fileName) };
  } catch (e) {
    reply = { id: req.id, issues: [], config: null, failure: (e as Error).message };
  }
  port.postMessage(reply);
});
