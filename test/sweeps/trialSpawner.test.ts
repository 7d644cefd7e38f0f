// Trials are started by the trial spawner (a small helper process), not by the runner itself, so the
// runner's main thread never forks its own big heap (see trialSpawner.ts). What the runner sees of a
// trial must not change, and the helper must neither keep the runner alive nor lose a trial quietly.
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { TrialProcess } from '../../electron/core/sweeps/trialProcess.ts';
import { REPO_ROOT } from '../support/peers.ts';
import { until } from '../support/until.ts';

const tmp = () => mkdtempSync(path.join(os.tmpdir(), 'sweepdeck-spawner-'));
const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};
const posix = process.platform !== 'win32';

describe.runIf(posix)('trial spawner', () => {
  it('starts the trial from a helper process, in its own process group, with the given environment only', async () => {
    const lines: string[] = [];
    const p = new TrialProcess({
      argv: [process.execPath, '-e', 'console.log(JSON.stringify({ ppid: process.ppid, pid: process.pid, env: process.env }))'],
      cwd: os.tmpdir(),
      trialDir: path.join(tmp(), 'trial_0'),
      env: { SWEEPDECK_X: 'x' },
      onStdoutLine: (l) => lines.push(l),
    });
    const exit = await p.done;
    expect(exit).toMatchObject({ kind: 'exited', code: 0 });
    const seen = JSON.parse(lines[0]!) as { ppid: number; pid: number; env: Record<string, string> };
    expect(seen.pid).toBe(p.pid);
    expect(seen.ppid).not.toBe(process.pid);
    expect(seen.env.SWEEPDECK_X).toBe('x');
    expect(seen.env.ELECTRON_RUN_AS_NODE).toBeUndefined();
    const pgid = spawnSync('ps', ['-o', 'pgid=', '-p', String(seen.ppid)], { encoding: 'utf8' }).stdout.trim();
    if (pgid) expect(Number(pgid)).not.toBe(seen.pid);
  });

  it('a trial folder that cannot be made fails the start with a message naming it', async () => {
    const blocker = path.join(tmp(), 'a-file');
    writeFileSync(blocker, 'not a folder');
    const trialDir = path.join(blocker, 'trial_0');
    const exit = await new TrialProcess({ argv: ['/bin/echo', 'x'], cwd: os.tmpdir(), trialDir, env: {} }).done;
    expect(exit.kind).toBe('spawn-error');
    expect(exit.error).toContain(`the trial folder ${trialDir} could not be made (ENOTDIR`);
    expect(readFileSync(blocker, 'utf8')).toBe('not a folder');
  });

  it('applies a stop asked for before the trial has started', async () => {
    const p = new TrialProcess({ argv: [process.execPath, '-e', 'setTimeout(() => {}, 60000)'], cwd: os.tmpdir(), trialDir: path.join(tmp(), 't'), env: {}, killGraceMs: 1000 });
    p.stop('stopped');
    const exit = await p.done;
    expect(exit).toMatchObject({ kind: 'exited', stopReason: 'stopped', signal: 'SIGTERM' });
  });

  it('a helper that dies takes its trials with it, says so, and the next trial gets a new helper', async () => {
    const dir = tmp();
    let ready!: (ppid: number) => void;
    const readyP = new Promise<number>((r) => (ready = r));
    const p = new TrialProcess({
      argv: [process.execPath, '-e', 'console.log(String(process.ppid)); setInterval(() => {}, 1000)'],
      cwd: os.tmpdir(),
      trialDir: path.join(dir, 't0'),
      env: {},
      onStdoutLine: (l) => ready(Number(l)),
    });
    const helper = await readyP;
    const trial = p.pid!;
    process.kill(helper, 'SIGKILL');
    const exit = await p.done;
    expect(exit).toMatchObject({ kind: 'exited', signal: 'SIGKILL' });
    expect(exit.stderrTail).toMatch(/trial spawner process ended unexpectedly \(it was killed by SIGKILL\)/);
    await until('the orphaned trial to be killed', async () => !alive(trial), 10_000, 20);

    const next = new TrialProcess({ argv: [process.execPath, '-e', 'console.log("ok")'], cwd: os.tmpdir(), trialDir: path.join(dir, 't1'), env: {} });
    expect(await next.done).toMatchObject({ kind: 'exited', code: 0 });
    expect(readFileSync(path.join(dir, 't1', 'stdout.log'), 'utf8')).toBe('ok\n');
  });

  it('does not keep the runner alive once its trials are done', async () => {
    const dir = tmp();
    // Inside the repository, so that tsx resolves from its node_modules.
    mkdirSync(path.join(REPO_ROOT, '.tmp'), { recursive: true });
    const scriptDir = mkdtempSync(path.join(REPO_ROOT, '.tmp', 'spawner-runner-'));
    const script = path.join(scriptDir, 'runner.mjs');
    writeFileSync(
      script,
      `import { register } from 'tsx/esm/api';
register();
const { TrialProcess } = await import(${JSON.stringify(path.join(REPO_ROOT, 'electron/core/sweeps/trialProcess.ts'))});
for (let i = 0; i < 3; i++) {
  const p = new TrialProcess({ argv: ['/bin/echo', 'score=' + i], cwd: ${JSON.stringify(dir)}, trialDir: ${JSON.stringify(dir)} + '/t' + i, env: {} });
  const exit = await p.done;
  console.log(exit.kind + ' ' + exit.code);
}
`,
    );
    const runner = spawn(process.execPath, [script], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    runner.stdout.on('data', (d: Buffer) => (out += d.toString()));
    runner.stderr.on('data', (d: Buffer) => (err += d.toString()));
    try {
      await until('the runner to finish its trials', async () => out.split('\n').length > 3);
      // Nothing is left to do: it must exit by itself.
      await until(`the runner to exit by itself (stderr: ${err})`, async () => runner.exitCode !== null);
      expect(runner.exitCode, err).toBe(0);
      expect(out).toBe('exited 0\nexited 0\nexited 0\n');
    } finally {
      runner.kill('SIGKILL');
      rmSync(scriptDir, { recursive: true, force: true });
    }
  });
});
