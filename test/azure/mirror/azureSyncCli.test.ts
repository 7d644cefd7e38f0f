// `sweepdeck azure sync` and `sweepdeck runs ls --store azure [--offline]` as a user runs them: a
// separate process against the double (service principal from the environment, the double's CA
// through NODE_EXTRA_CA_CERTS). The kill test SIGKILLs a sync once pages are committed and checks
// the next sync ends with exactly the workspace's runs.
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MirrorDb, mirrorPathFor } from '../../../electron/core/azure/mirror/mirrorDb.ts';
import { startCli, type CliRun } from '../../support/sweepdeckCli.ts';
import { until } from '../../support/until.ts';
import { restartAzureMlflowDouble, seedSweep, startAzureMlflowDouble, type AzureMlflowDouble } from '../../support/azureMlflowDouble.ts';
import { refOf, tempDir } from './support.ts';

let d: AzureMlflowDouble;
let dataDir: string;
let runIds: string[];

beforeAll(async () => {
  d = await startAzureMlflowDouble();
  dataDir = tempDir('azure-sync-cli-');
  ({ runIds } = await seedSweep(d.store, { experiment: 'cli-sweep', parents: 4, childrenPerParent: 9 }));
});
afterAll(async () => {
  await d.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

function start(args: string[], extraEnv: Record<string, string> = {}): CliRun {
  const env = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', SWEEPDECK_DATA_DIR: dataDir, SWEEPDECK_AZURE_TIMEOUT_MS: '5000', ...d.double.env(), ...extraEnv };
  return startCli(args, env, dataDir);
}

const cli = (args: string[], extraEnv?: Record<string, string>): CliRun['done'] => start(args, extraEnv).done;

function mirrorRunIds(): string[] {
  const m = MirrorDb.open(mirrorPathFor(dataDir, refOf(d)), { readOnly: true });
  try {
    return m.runsOf(m.experiments().map((e) => e.experiment.experiment_id)).map((r) => r.run.info.run_id);
  } finally {
    m.close();
  }
}

function mirrorRunCount(): number {
  const file = mirrorPathFor(dataDir, refOf(d));
  if (!fs.existsSync(file)) return 0;
  try {
    const m = MirrorDb.open(file, { readOnly: true });
    try {
      return m.counts().runs;
    } finally {
      m.close();
    }
  } catch {
    return 0; // created but not yet initialised by the child
  }
}

describe('sweepdeck azure sync', () => {
  it('killed mid-sync (SIGKILL once pages are committed), then run again: exactly the workspace runs', async () => {
    d.latencyMs = 150;
    const { child, done } = start(['azure', 'sync', '--page-size', '4']);
    await until('a page committed to the mirror', async () => mirrorRunCount() > 0);
    child.kill('SIGKILL');
    const killed = await done;
    expect(killed.signal).toBe('SIGKILL');
    const partial = mirrorRunCount();
    expect(partial).toBeGreaterThan(0);
    expect(partial).toBeLessThan(runIds.length);

    d.latencyMs = 0;
    const r = await cli(['azure', 'sync', '--page-size', '4']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/cli-sweep: page 1 \(resumed\)/);
    expect(r.stdout).toContain(`The mirror holds ${runIds.length} run(s) in 2 experiment(s)`);
    const ids = mirrorRunIds();
    expect(ids.length).toBe(runIds.length);
    expect([...ids].sort()).toEqual([...runIds].sort());
  });

  it('prints progress and counts; nothing new on a second run', async () => {
    const r = await cli(['azure', 'sync', '--experiment', 'cli-sweep', '--histories']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/1 experiment\(s\) to sync/);
    expect(r.stdout).toMatch(/cli-sweep: \d+ run\(s\) read, 0 new, 1 request\(s\)/);
    expect(r.stdout).toMatch(new RegExp(`histories ${runIds.length * 3}/${runIds.length * 3}`));
  });

  it('exit 2 naming the missing variable without a workspace; exit 1 for an unknown experiment', async () => {
    const noWs = await cli(['azure', 'sync'], { AZURE_WORKSPACE_NAME: '' });
    expect(noWs.code).toBe(2);
    expect(noWs.stderr).toContain('AZURE_WORKSPACE_NAME');
    const unknown = await cli(['azure', 'sync', '--experiment', 'nope']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain("no experiment named 'nope'");
  });
});

describe('sweepdeck runs ls --store azure', () => {
  it('online, then --offline, then with the workspace down: the same tree, with the as-of time when offline', async () => {
    const online = await cli(['runs', 'ls', '--store', 'azure']);
    expect(online.code).toBe(0);
    expect(online.stdout).toMatch(/Experiment cli-sweep \(id \d+\): 4 parent run\(s\), 36 child run\(s\)/);

    const offline = await cli(['runs', 'ls', '--store', 'azure', '--offline']);
    expect(offline.code).toBe(0);
    expect(offline.stdout).toMatch(/^Offline: offline mode was asked for\. Showing the offline mirror \(last sync 20\d\d-/m);
    expect(offline.stdout).toMatch(/Experiment cli-sweep \(id \d+, as of 20\d\d-\d\d-\d\dT[\d:.]+Z\): 4 parent run\(s\), 36 child run\(s\)/);
    const tree = (s: string): string[] => s.split('\n').filter((l) => /^\s+(├─|└─|sweep-)/.test(l));
    expect(tree(offline.stdout)).toEqual(tree(online.stdout));

    await d.stop();
    try {
      const down = await cli(['runs', 'ls', '--store', 'azure', '--json']);
      expect(down.code).toBe(0);
      const j = JSON.parse(down.stdout) as { offline: boolean; offlineReason: string; experiments: { asOf: number | null; runs: unknown[] }[] };
      expect(j.offline).toBe(true);
      expect(j.offlineReason).toMatch(/could not reach the Azure sign-in endpoint: connection refused/);
      for (const out of [online, offline, down]) {
        expect(out.stdout + out.stderr).not.toContain(d.double.clientSecret);
        for (const t of d.double.issuedTokens) expect(out.stdout + out.stderr).not.toContain(t);
      }
      const exp = j.experiments.find((e) => e.runs.length === 4);
      expect(exp?.asOf).toBeGreaterThan(0);
    } finally {
      d = await restartAzureMlflowDouble(d);
    }
  });
});
