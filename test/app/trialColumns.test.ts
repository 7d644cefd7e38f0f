// sweeps.trialColumns and sweeps.intermediateColumns through the real app services and the browser
// host, on a study written with our storage: the same trials as sweeps.trials, and never a stale
// reply. The service reuses its replies (and the host their encoded text) while a study's trials are
// unchanged, so a trial finishing, a new one and a study file replaced under the same name must all
// show on the next call.
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient, httpTransport, TOKEN_HEADER, type Client } from '../../shared/client.ts';
import { COLUMNS_MIME, decodeColumnsBody } from '../../shared/columnsWire.ts';
import { decodeWire } from '../../shared/wire.ts';
import type { TrialRow } from '../../shared/contract.ts';
import { rowsFromColumns } from '../support/trialColumns.ts';
import { createAppServices, type AppServices } from '../../electron/app/appServices.ts';
import { startHost, type Host } from '../../electron/host/server.ts';
import { openStudyStorage } from '../../electron/core/studies/optunaSqliteStorage.ts';
import type { StudyStorage } from '../../electron/core/studies/types.ts';

const X = { kind: 'float' as const, low: 0, high: 1, step: null, log: false };
const OPT = { kind: 'categorical' as const, choices: ['adam', 'sgd'] };

let dir: string;
let app: AppServices;
let host: Host;
let client: Client;
let file: string;
let writer: StudyStorage;
let studyId: number;
let id: string;

function addTrial(i: number, finish: boolean): number {
  // Every third trial has no 'opt': a column with absent rows.
  const params: Record<string, { value: number | string; distribution: typeof X | typeof OPT }> = { x: { value: i / 10, distribution: X } };
  if (i % 3 !== 0) params.opt = { value: i % 2 ? 'sgd' : 'adam', distribution: OPT };
  const { trialId } = writer.createTrial(studyId, { params });
  writer.reportIntermediate(trialId, 0, i);
  writer.reportIntermediate(trialId, 1, i === 4 ? NaN : i + 0.5);
  if (finish) writer.finishTrial(trialId, i === 2 ? 'PRUNED' : i === 5 ? 'FAIL' : 'COMPLETE', i === 2 ? 0.1 : i === 5 ? null : i * 1.5);
  return trialId;
}

/** The row channel and both column channels over HTTP; the column replies turned back into rows. */
async function both(): Promise<{ rows: TrialRow[]; fromColumns: TrialRow[]; total: number }> {
  const [t, c, inter] = await Promise.all([client.get('sweeps.trials', { id }), client.get('sweeps.trialColumns', { id }), client.get('sweeps.intermediateColumns', { id })]);
  expect(c.total).toBe(t.total);
  expect(c.direction).toBe(t.direction);
  return { rows: t.trials, fromColumns: rowsFromColumns(c, inter), total: c.total };
}

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'sweepdeck-columns-'));
  file = path.join(dir, 'study.db');
  writer = openStudyStorage(file, { create: true });
  studyId = writer.createStudy('cols', ['maximize']).studyId;
  for (let i = 0; i < 6; i++) addTrial(i, true);
  app = await createAppServices({ dataDir: path.join(dir, 'data'), host: 'browser', exampleConfigPath: null, env: { PATH: process.env.PATH, HOME: dir } });
  host = await startHost({ app, rendererDir: null });
  client = createClient(httpTransport(host.origin, host.token));
  id = (await client.get('sweeps.openStudyFile', { path: file })).sweeps[0]!.id;
});

afterAll(async () => {
  client.close();
  writer.close();
  await host.close();
  await app.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('sweeps.trialColumns', () => {
  it('holds the same trials as sweeps.trials, asked twice', async () => {
    for (let k = 0; k < 2; k++) {
      const r = await both();
      expect(r.total).toBe(6);
      expect(r.fromColumns).toEqual(r.rows);
      expect(r.fromColumns.map((t) => t.state)).toEqual(['COMPLETE', 'COMPLETE', 'PRUNED', 'COMPLETE', 'COMPLETE', 'FAIL']);
      expect(Number.isNaN(r.fromColumns[4]!.intermediate[1]![1])).toBe(true);
      expect(Object.keys(r.fromColumns[0]!.params)).toEqual(['x']);
    }
  });

  it('shows a new running trial, then the same trial finished', async () => {
    const trialId = addTrial(6, false);
    let r = await both();
    expect(r.total).toBe(7);
    expect(r.fromColumns).toEqual(r.rows);
    expect(r.fromColumns[6]!.state).toBe('RUNNING');
    writer.finishTrial(trialId, 'COMPLETE', 42);
    r = await both();
    expect(r.fromColumns).toEqual(r.rows);
    expect(r.fromColumns[6]).toMatchObject({ state: 'COMPLETE', value: 42 });
    // Unchanged since: the reused reply is still right.
    expect((await both()).fromColumns).toEqual(r.rows);
  });

  it('sends the columns as a binary body only to a request that accepts one, with the token, holding what the JSON holds', async () => {
    // Enough trials for every column to travel as a typed section.
    for (let i = 7; i < 40; i++) addTrial(i, true);
    const ask = (channel: string, headers: Record<string, string>) =>
      fetch(`${host.origin}/api/${channel}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ id }) });
    for (const channel of ['sweeps.trialColumns', 'sweeps.intermediateColumns']) {
      const asJson = await ask(channel, { [TOKEN_HEADER]: host.token });
      expect(asJson.headers.get('content-type')).toMatch(/^application\/json/);
      const json = decodeWire(await asJson.text());
      const asBinary = await ask(channel, { [TOKEN_HEADER]: host.token, accept: `${COLUMNS_MIME}, application/json` });
      expect(asBinary.headers.get('content-type')).toBe(COLUMNS_MIME);
      const bytes = await asBinary.arrayBuffer();
      expect(decodeColumnsBody(bytes)).toEqual(json);
      // No token, no columns; a bad input is a typed JSON error either way.
      const refused = await ask(channel, { accept: COLUMNS_MIME });
      expect(refused.status).toBe(401);
      expect(refused.headers.get('content-type')).toMatch(/^application\/json/);
      const bad = await fetch(`${host.origin}/api/${channel}`, { method: 'POST', headers: { 'content-type': 'application/json', [TOKEN_HEADER]: host.token, accept: COLUMNS_MIME }, body: JSON.stringify({ id, extra: 1 }) });
      expect(bad.headers.get('content-type')).toMatch(/^application\/json/);
      expect(decodeWire(await bad.text())).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT' } });
    }
    const r = await both();
    expect(r.total).toBe(40);
    expect(r.fromColumns).toEqual(r.rows);
  });

  it('follows a study file replaced under the same path', async () => {
    const before = (await both()).fromColumns;
    const other = path.join(dir, 'other.db');
    const s = openStudyStorage(other, { create: true });
    const sid = s.createStudy('cols', ['maximize']).studyId;
    // As many trials as before, all finished: only their content differs.
    for (let i = 0; i < before.length; i++) {
      const { trialId } = s.createTrial(sid, { params: { x: { value: 0.99, distribution: X } } });
      s.finishTrial(trialId, 'COMPLETE', -1 - i);
    }
    s.close();
    writer.close();
    copyFileSync(other, path.join(dir, 'swap.db'));
    rmSync(file);
    copyFileSync(path.join(dir, 'swap.db'), file);
    writer = openStudyStorage(file);
    const r = await both();
    expect(r.total).toBe(before.length);
    expect(r.fromColumns).toEqual(r.rows);
    expect(r.fromColumns[0]).toMatchObject({ value: -1, params: { x: 0.99 } });
    expect(r.fromColumns).not.toEqual(before);
  });
});
