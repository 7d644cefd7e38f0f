// Conformance: replays every request the real MLflow 2.12.2 client sent to the real MLflow 2.12.2
// server (fixture rest-transcript.jsonl) against our endpoint on a fresh SQLite store, and checks
// that each answer has the real server's status, error_code and fields. Ids the real server made
// are mapped to ours by position (the n-th created experiment/run here is the n-th there).
// Server-made values that cannot match (artifact paths under another root, creation times, page
// token encodings, a database driver's error dump) are checked for type only; everything the client sent
// (names, params, tags, metric values, steps, timestamps, statuses) must come back as it did.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FIXTURES } from '../../support/peers.ts';
import { rawRequest, startLocalServer, type LocalServer } from './support.ts';

interface Exchange {
  method: 'GET' | 'POST';
  path: string;
  query: string;
  request: unknown;
  status: number;
  response: unknown;
}

const TRANSCRIPT = path.join(FIXTURES, 'mlflow-2.12.2', 'rest-transcript.jsonl');
const exchanges: Exchange[] = readFileSync(TRANSCRIPT, 'utf8')
  .split('\n')
  .filter((l) => l.trim() !== '')
  .map((l) => JSON.parse(l) as Exchange);

/** Values the server makes up itself: only their type is compared. */
const SERVER_MADE: Record<string, 'string' | 'number'> = {
  artifact_uri: 'string',
  artifact_location: 'string',
  creation_time: 'number',
  last_update_time: 'number',
  next_page_token: 'string',
};
/** Lists whose order MLflow does not define: compared as sets. */
const UNORDERED = new Set(['params', 'tags', 'metrics']);

class IdMap {
  // real server's id -> ours, and back
  readonly fwd = new Map<string, string>();
  readonly back = new Map<string, string>();
  private readonly runIds = new Set<string>();
  add(theirs: string, ours: string, kind: 'run' | 'experiment'): void {
    this.fwd.set(theirs, ours);
    this.back.set(ours, theirs);
    if (kind === 'run') this.runIds.add(theirs).add(ours);
  }
  /** Run ids are 32 hex digits and also appear inside strings (filters, messages, paths);
   * experiment ids are small integers, so only whole strings are mapped. */
  private mapString(s: string, m: Map<string, string>): string {
    const whole = m.get(s);
    if (whole !== undefined) return whole;
    let out = s;
    for (const [a, b] of m) if (this.runIds.has(a) && out.includes(a)) out = out.split(a).join(b);
    return out;
  }
  deep(v: unknown, dir: 'fwd' | 'back'): unknown {
    const m = dir === 'fwd' ? this.fwd : this.back;
    if (typeof v === 'string') return this.mapString(v, m);
    if (Array.isArray(v)) return v.map((x) => this.deep(x, dir));
    if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, this.deep(x, dir)]));
    return v;
  }
  query(q: string): string {
    const p = new URLSearchParams(q);
    const out = new URLSearchParams();
    for (const [k, v] of p) out.append(k, this.mapString(v, this.fwd));
    return out.toString();
  }
}

const canon = (v: unknown) => JSON.stringify(v);

/** Collects every difference between the real server's answer and ours (mapped back). */
function diff(expected: unknown, actual: unknown, at: string, out: string[], key = ''): void {
  if (key in SERVER_MADE) {
    if (typeof actual !== SERVER_MADE[key]) out.push(`${at}: expected a ${SERVER_MADE[key]}, got ${canon(actual)}`);
    return;
  }
  if (Array.isArray(expected)) {
    if (!Array.isArray(actual)) return void out.push(`${at}: expected an array, got ${canon(actual)}`);
    if (actual.length !== expected.length) return void out.push(`${at}: expected ${expected.length} items, got ${actual.length}: ${canon(actual)}`);
    if (UNORDERED.has(key)) {
      const a = expected.map(canon).sort();
      const b = actual.map(canon).sort();
      if (canon(a) !== canon(b)) out.push(`${at}: expected the set ${a.join(', ')}, got ${b.join(', ')}`);
      return;
    }
    expected.forEach((e, i) => diff(e, actual[i], `${at}[${i}]`, out, ''));
    return;
  }
  if (expected && typeof expected === 'object') {
    if (!actual || typeof actual !== 'object' || Array.isArray(actual)) return void out.push(`${at}: expected an object, got ${canon(actual)}`);
    const ek = Object.keys(expected).sort();
    const ak = Object.keys(actual).sort();
    if (canon(ek) !== canon(ak)) out.push(`${at}: expected keys ${ek.join(',')}, got ${ak.join(',')}`);
    for (const k of ek) if (k in actual) diff((expected as Record<string, unknown>)[k], (actual as Record<string, unknown>)[k], `${at}.${k}`, out, k);
    return;
  }
  if (expected !== actual) out.push(`${at}: expected ${canon(expected)}, got ${canon(actual)}`);
}

describe('embedded MLflow endpoint vs the real MLflow 2.12.2 server (rest-transcript.jsonl)', () => {
  let server: LocalServer;
  const ids = new IdMap();

  beforeAll(async () => {
    server = await startLocalServer('transcript');
  });
  afterAll(async () => {
    await server?.close();
  });

  it('has the whole scenario to replay', () => {
    expect(exchanges.length).toBeGreaterThanOrEqual(50);
    expect(exchanges.some((e) => e.status >= 400)).toBe(true);
  });

  // One test per exchange, in order: each depends on the state the previous ones left.
  exchanges.forEach((ex, i) => {
    const route = ex.path.replace('/api/2.0/mlflow/', '');
    it(`#${i} ${ex.method} ${route} -> ${ex.status}${ex.status >= 400 ? ` ${(ex.response as { error_code?: string }).error_code}` : ''}`, async () => {
      const headers: Record<string, string> = { Authorization: `Bearer ${server.endpoint.token}`, Host: `127.0.0.1:${server.endpoint.port}` };
      let body: string | undefined;
      if (ex.method === 'POST') {
        headers['Content-Type'] = 'application/json';
        body = JSON.stringify(ids.deep(ex.request, 'fwd'));
      }
      const q = ex.query ? `?${ids.query(ex.query)}` : '';
      const res = await rawRequest(server.endpoint.port, { method: ex.method, path: `${ex.path}${q}`, headers, body });
      const ours = res.json() as Record<string, unknown>;

      expect(res.status, res.text).toBe(ex.status);
      const theirs = ex.response as Record<string, unknown>;
      if (ex.status >= 400) {
        expect(ours.error_code, res.text).toBe(theirs.error_code);
        expect(Object.keys(ours).sort()).toEqual(Object.keys(theirs).sort());
        // Same wording, except the database driver's dump MLflow appends after " Error: " when
        // SQLAlchemy raised (it names sqlite3 internals and the SQL statement).
        const want = String(theirs.message);
        const core = want.includes('[SQL:') ? want.split(' Error: ')[0]! : want;
        expect(ids.deep(ours.message, 'back')).toBe(core);
        return;
      }

      // Learn the id mapping from creations, by position.
      if (route === 'experiments/create') ids.add(String(theirs.experiment_id), String(ours.experiment_id), 'experiment');
      if (route === 'runs/create') {
        const t = (theirs.run as { info: { run_id: string } }).info.run_id;
        const o = (ours.run as { info: { run_id: string } } | undefined)?.info.run_id;
        expect(typeof o).toBe('string');
        ids.add(t, o!, 'run');
      }
      const problems: string[] = [];
      diff(theirs, ids.deep(ours, 'back'), 'response', problems);
      expect(problems, `${ex.method} ${ex.path}\nours: ${res.text}`).toEqual([]);
    });
  });
});
