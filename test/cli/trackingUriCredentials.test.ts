// A password typed into a tracking URI on the command line is refused before anything prints or
// uses the URL, with what to do instead; the password never appears in the output.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../support/peers.ts';

const PASSWORD = 'pw-51d0-never-printed';
// Loopback with a closed port: even code that tried to use it would send nothing off this machine.
const URI = `http://alice:${PASSWORD}@127.0.0.1:9`;

function cli(args: string[], cwd = REPO_ROOT): { code: number | null; out: string } {
  // The timeout only keeps a server that wrongly started from hanging the suite.
  const r = spawnSync(process.execPath, [path.join(REPO_ROOT, 'bin/sweepdeck.js'), ...args], { cwd, encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, out: r.stdout + r.stderr };
}

describe('a tracking URI with a password on the command line', () => {
  it('runs ls --store refuses it', () => {
    const r = cli(['runs', 'ls', '--store', URI]);
    expect(r.code).not.toBe(0);
    expect(r.out).not.toContain(PASSWORD);
    expect(r.out).toContain('MLFLOW_TRACKING_TOKEN');
  });

  it('tracking serve --store refuses it', () => {
    const r = cli(['tracking', 'serve', '--store', URI]);
    expect(r.code).not.toBe(0);
    expect(r.out).not.toContain(PASSWORD);
    expect(r.out).toContain('MLFLOW_TRACKING_TOKEN');
  });

  it('sweep run --tracking-uri refuses it before the sweep starts', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'sweepdeck-uricreds-'));
    const config = path.join(dir, 'hpo.yaml');
    writeFileSync(config, stringify({
      experiment_name: 'e',
      backbone: 'b',
      search_space: { x: { type: 'uniform', min: 0, max: 1 } },
      sampling: { algorithm: 'random', max_trials: 1 },
      objective: { metric: 'score', goal: 'maximize' },
      trial: { command: [process.execPath, '-e', 'console.log("score=1")'] },
    }));
    const r = cli(['sweep', 'run', config, '--output-dir', path.join(dir, 'out'), '--tracking-uri', URI], dir);
    expect(r.code).toBe(2);
    expect(r.out).not.toContain(PASSWORD);
    expect(r.out).toContain('MLFLOW_TRACKING_TOKEN');
  });
});
