// The CLI's prebuilt bundle (dist/cli, built by `npm ci`'s prepare script) must behave as the
// TypeScript sources do, and bin/sweepdeck.js must run it only while none of its sources changed.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openStudyStorage } from '../../electron/core/studies/optunaSqliteStorage.ts';
import { builtFromIsFresh, writeBuiltFrom } from '../../scripts/builtFrom.mjs';
import { REPO_ROOT } from '../support/peers.ts';
import { until } from '../support/until.ts';

const scratch = mkdtempSync(path.join(os.tmpdir(), 'sweepdeck-prebuilt-'));
// Two levels below the repository, as dist/cli is: the bundle finds package.json, the example and
// renderer/dist relative to itself.
const bundleParent = path.join(REPO_ROOT, '.tmp');
mkdirSync(bundleParent, { recursive: true });
const bundleDir = mkdtempSync(path.join(bundleParent, 'cli-'));
afterAll(() => {
  rmSync(scratch, { recursive: true, force: true });
  rmSync(bundleDir, { recursive: true, force: true });
});

describe('a build stamp', () => {
  const root = path.join(scratch, 'root');
  const stamp = path.join(root, 'stamp.json');
  const at = (file: string, ms: number) => utimesSync(path.join(root, file), ms / 1000, ms / 1000);
  mkdirSync(path.join(root, 'src'), { recursive: true });
  const builtAt = Date.UTC(2026, 0, 1);

  function setUp(): void {
    for (const f of ['src/a.ts', 'src/b.ts']) {
      writeFileSync(path.join(root, f), f);
      at(f, builtAt - 1000);
    }
    writeBuiltFrom(stamp, root, builtAt, [path.join(root, 'src/a.ts'), 'src/b.ts', path.join(root, 'node_modules/x/index.js')]);
  }

  it('lists the sources relative to the root, without node_modules', () => {
    setUp();
    expect(JSON.parse(readFileSync(stamp, 'utf8'))).toEqual({ builtAt, inputs: ['src/a.ts', 'src/b.ts'] });
  });

  it('is fresh while every source is older than the build', () => {
    setUp();
    expect(builtFromIsFresh(stamp, root)).toBe(true);
  });

  it('is stale once a source changed after the build', () => {
    setUp();
    at('src/b.ts', builtAt + 1);
    expect(builtFromIsFresh(stamp, root)).toBe(false);
  });

  it('is stale once a source is gone', () => {
    setUp();
    rmSync(path.join(root, 'src/a.ts'));
    expect(builtFromIsFresh(stamp, root)).toBe(false);
  });

  it('is stale when there is no stamp, or it is not one', () => {
    setUp();
    expect(builtFromIsFresh(path.join(root, 'missing.json'), root)).toBe(false);
    writeFileSync(stamp, '{"builtAt": "soon", "inputs": []}');
    expect(builtFromIsFresh(stamp, root)).toBe(false);
  });
});

describe('the CLI bundle', () => {
  const built = spawnSync(process.execPath, [path.join(REPO_ROOT, 'scripts', 'build.mjs'), '--cli', '--outdir', bundleDir], { cwd: REPO_ROOT, encoding: 'utf8' });

  /** `sweepdeck ARGS` through the bundle's main, as bin/sweepdeck.js calls it. */
  function viaBundle(args: string[]): { code: number | null; out: string; err: string } {
    const main = new URL(`file://${path.join(bundleDir, 'main.js')}`).href;
    const script = `const { main } = await import(${JSON.stringify(main)}); process.exitCode = await main(${JSON.stringify(args)});`;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: scratch, encoding: 'utf8' });
    return { code: r.status, out: r.stdout, err: r.stderr };
  }
  /** The same through the TypeScript sources (tsx). */
  function viaSource(args: string[]): { code: number | null; out: string; err: string } {
    const script = `import { register } from 'tsx/esm/api'; register(); const { main } = await import(${JSON.stringify(new URL(`file://${path.join(REPO_ROOT, 'electron/cli/main.ts')}`).href)}); process.exitCode = await main(${JSON.stringify(args)});`;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: REPO_ROOT, encoding: 'utf8' });
    return { code: r.status, out: r.stdout, err: r.stderr };
  }

  it('builds, with a stamp naming the CLI sources it was built from', () => {
    expect(built.status, built.stderr).toBe(0);
    const stamp = JSON.parse(readFileSync(path.join(bundleDir, 'built-from.json'), 'utf8')) as { builtAt: number; inputs: string[] };
    expect(stamp.inputs).toContain('electron/cli/main.ts');
    expect(stamp.inputs).toContain('electron/cli/commands/sweepStatus.ts');
    expect(stamp.inputs).toContain('electron/app/configWorker.ts');
    expect(stamp.inputs.some((f) => f.includes('node_modules'))).toBe(false);
  });

  it('answers --help, a study\'s status and a bad command as the sources do', () => {
    const db = path.join(scratch, 'study.db');
    const s = openStudyStorage(db, { create: true });
    const id = s.createStudy('bundled', ['minimize']).studyId;
    for (let i = 0; i < 3; i++) s.finishTrial(s.createTrial(id).trialId, 'COMPLETE', 3 - i);
    s.close();
    for (const args of [['--help'], ['sweep', 'status', db, '--json'], ['sweep', 'status', db], ['nonsense']]) {
      const a = viaBundle(args);
      const b = viaSource(args);
      expect(a, args.join(' ')).toEqual(b);
    }
    expect(JSON.parse(viaBundle(['sweep', 'status', db, '--json']).out)).toMatchObject({ study: 'bundled', total: 3, best: { number: 2, value: 1 } });
  });

  it('serves the app from the repository\'s renderer/dist, found relative to the bundle', async () => {
    const main = new URL(`file://${path.join(bundleDir, 'main.js')}`).href;
    const script = `const { main } = await import(${JSON.stringify(main)}); process.exitCode = await main(${JSON.stringify(['serve', '--no-example', '--data-dir', path.join(scratch, 'data')])});`;
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], { cwd: scratch, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    try {
      const url = await until(`the serve URL (stderr: ${err})`, async () => /http:\/\/127\.0\.0\.1:\d+\/\?token=[\w-]+/.exec(out)?.[0]);
      const page = await fetch(url);
      expect(page.status).toBe(200);
      const built = path.join(REPO_ROOT, 'renderer', 'dist', 'index.html');
      if (existsSync(built)) expect(await page.text()).toBe(readFileSync(built, 'utf8'));
    } finally {
      child.kill('SIGTERM');
    }
  });
});
