// The registry in the data folder: the example is offered once (a removed example stays removed),
// and a registry file that cannot be read is kept aside, not overwritten or fatal.
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createAppServices } from '../../electron/app/appServices.ts';
import { REPO_ROOT } from '../support/peers.ts';

const EXAMPLE = path.join(REPO_ROOT, 'resources', 'examples', 'resume-ner', 'hpo.yaml');
const env = { PATH: process.env.PATH };
const dirs: string[] = [];
const temp = () => {
  const d = mkdtempSync(path.join(os.tmpdir(), 'sweepdeck-state-'));
  dirs.push(d);
  return d;
};

afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('registry', () => {
  it('registers the example once, ready to start; a removed example is not added back', async () => {
    const dataDir = temp();
    let app = await createAppServices({ dataDir, host: 'browser', exampleConfigPath: EXAMPLE, env });
    const first = await app.dispatch('sweeps.list', {});
    const sweeps = (first as { value: { sweeps: Array<{ id: string; state: string; configPath: string | null }> } }).value.sweeps;
    expect(sweeps).toHaveLength(1);
    expect(sweeps[0]).toMatchObject({ state: 'ready', configPath: EXAMPLE });
    await app.close();

    app = await createAppServices({ dataDir, host: 'browser', exampleConfigPath: EXAMPLE, env });
    expect(((await app.dispatch('sweeps.list', {})) as { value: { sweeps: unknown[] } }).value.sweeps).toHaveLength(1);
    expect(await app.dispatch('sweeps.remove', { id: sweeps[0]!.id })).toMatchObject({ ok: true, value: { removed: true } });
    await app.close();

    app = await createAppServices({ dataDir, host: 'browser', exampleConfigPath: EXAMPLE, env });
    expect(((await app.dispatch('sweeps.list', {})) as { value: { sweeps: unknown[] } }).value.sweeps).toHaveLength(0);
    await app.close();
  });

  it('keeps an unreadable registry aside and starts fresh', async () => {
    const dataDir = temp();
    writeFileSync(path.join(dataDir, 'state.json'), '{ not json');
    const app = await createAppServices({ dataDir, host: 'browser', exampleConfigPath: null, env });
    expect(await app.dispatch('sweeps.list', {})).toMatchObject({ ok: true, value: { sweeps: [] } });
    expect(readdirSync(dataDir).some((f) => f.startsWith('state.json.unreadable-'))).toBe(true);
    await app.dispatch('folders.add', { path: dataDir });
    expect(existsSync(path.join(dataDir, 'state.json'))).toBe(true);
    await app.close();
  });
});
