// The runner's claim (StudyEngine.ask with a budget) under contention on PostgreSQL: 4 engine
// processes race for 150 slots of one study holding 20 enqueued WAITING trials. Together they get
// exactly 150, no number twice, and each WAITING trial goes to exactly one of them.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasOptuna, REPO_ROOT, runPython } from '../../support/peers.ts';
import { hasPostgres, startPostgres, type PgServer } from '../../support/postgresPeer.ts';
import { until } from '../../support/until.ts';
import { tmpDir } from '../support.ts';
import { readStudy } from './support.ts';

const LOOP = path.join(REPO_ROOT, 'test/sweeps/distributed/engineClaimLoop.ts');
const LIMIT = 150;
const ENQUEUED = 20;

describe.runIf(hasPostgres() && hasOptuna())('engine claims across processes on PostgreSQL', () => {
  let pg: PgServer;
  beforeAll(async () => {
    pg = await startPostgres();
  }, 120_000);
  afterAll(() => pg?.stop());

  it('4 processes racing for 150 slots get exactly 150 between them; each enqueued trial is taken once', async () => {
    const url = pg.createDatabase('engineclaims');
    // Enqueued by Python Optuna, as a user would.
    runPython(
      `import sys, optuna\noptuna.logging.set_verbosity(optuna.logging.ERROR)\ns = optuna.create_study(study_name="race", storage=sys.argv[1])\nfor i in range(${ENQUEUED}):\n    s.enqueue_trial({"x": i / 10})`,
      [url],
    );
    const go = path.join(tmpDir('pgengine'), 'go');
    const procs = [1, 2, 3, 4].map((seed) => {
      const c = spawn(process.execPath, ['--import', 'tsx', LOOP, url, 'race', String(LIMIT), String(seed), go], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      c.stdout.on('data', (d: Buffer) => (out += d.toString()));
      c.stderr.on('data', (d: Buffer) => (out += d.toString()));
      return { out: () => out, done: new Promise<void>((resolve) => c.on('close', () => resolve())) };
    });
    await until('every process to be ready', async () => procs.every((p) => /^ready$/m.test(p.out())), 60_000);
    fs.writeFileSync(go, '');
    await Promise.all(procs.map((p) => p.done));
    const results = procs.map((p) => JSON.parse(p.out().trim().split('\n').pop()!) as { claims?: Array<{ number: number; trialId: number; fromWaiting: boolean }>; error?: string });
    for (const r of results) expect(r.error).toBeUndefined();
    const claims = results.flatMap((r) => r.claims ?? []);
    expect(claims).toHaveLength(LIMIT);
    expect(new Set(claims.map((c) => c.number)).size).toBe(LIMIT);
    expect(results.every((r) => (r.claims ?? []).length > 0)).toBe(true);

    const { trials } = await readStudy(url, 'race');
    expect(trials.map((t) => t.number)).toEqual(trials.map((_, i) => i));
    expect(trials.filter((t) => t.state === 'COMPLETE')).toHaveLength(LIMIT);
    const enqueued = trials.slice(0, ENQUEUED).map((t) => t.trialId);
    for (const id of enqueued) expect(claims.filter((c) => c.trialId === id && c.fromWaiting)).toHaveLength(1);
    // The enqueued params were kept.
    expect(trials.slice(0, ENQUEUED).map((t) => t.params.x)).toEqual(Array.from({ length: ENQUEUED }, (_, i) => i / 10));
  }, 180_000);
});
