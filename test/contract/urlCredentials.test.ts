// A password typed into a tracking server URL is refused (never stored, never echoed), and every
// file of the app's state is readable by its owner only.
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createAppServices } from '../../electron/app/appServices.ts';
import { REPO_ROOT } from '../support/peers.ts';

const PASSWORD = 'pw-8c1f-never-stored';
// Loopback with a closed port: even code that tried to use it would send nothing off this machine.
const URI_WITH_PASSWORD = `http://alice:${PASSWORD}@127.0.0.1:9/`;
const env = { PATH: process.env.PATH };
const EXAMPLE = path.join(REPO_ROOT, 'resources', 'examples', 'resume-ner', 'hpo.yaml');
const dirs: string[] = [];
const temp = (): string => {
  const d = mkdtempSync(path.join(os.tmpdir(), 'sweepdeck-secrets-'));
  dirs.push(d);
  return d;
};
const mode = (file: string): number => statSync(file).mode & 0o777;
const posix = process.platform !== 'win32';

afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('a user name or password in a tracking server URL', () => {
  it('is refused by Settings with a message naming the field and the way to give a token, and is not stored', async () => {
    const dataDir = temp();
    const app = await createAppServices({ dataDir, host: 'browser', env });
    try {
      const r = await app.dispatch('tracking.configure', { remoteUri: URI_WITH_PASSWORD });
      expect(r.ok).toBe(false);
      const reply = JSON.stringify(r);
      expect(reply).not.toContain(PASSWORD);
      expect(reply).not.toContain('alice');
      if (r.ok) return;
      expect(r.error.code).toBe('INVALID_INPUT');
      expect(r.error.message).toMatch(/remoteUri: /);
      expect(r.error.message).toContain('MLFLOW_TRACKING_TOKEN');

      const added = await app.dispatch('stores.add', { kind: 'remote', uri: URI_WITH_PASSWORD });
      expect(added.ok).toBe(false);
      expect(JSON.stringify(added)).not.toContain(PASSWORD);
      if (!added.ok) expect(added.error.message).toMatch(/uri: .*MLFLOW_TRACKING_TOKEN/);

      for (const f of readdirSync(dataDir, { recursive: true, encoding: 'utf8' })) {
        const file = path.join(dataDir, f);
        if (statSync(file).isFile()) expect(readFileSync(file, 'latin1'), f).not.toContain(PASSWORD);
      }
    } finally {
      await app.close();
    }
  });

  it('is removed from a registry written before it was refused', async () => {
    const dataDir = temp();
    const file = path.join(dataDir, 'state.json');
    writeFileSync(file, JSON.stringify({
      version: 1,
      tracking: { azure: null, remoteUri: URI_WITH_PASSWORD, fallbackToLocal: true, localStorePath: null },
      stores: [{ id: 'st_1', kind: 'remote', label: '127.0.0.1:9', uri: URI_WITH_PASSWORD, workspace: null }],
    }));
    const app = await createAppServices({ dataDir, host: 'browser', env });
    try {
      expect(readFileSync(file, 'utf8')).not.toContain(PASSWORD);
      const stores = await app.dispatch('stores.list', {});
      expect(JSON.stringify(stores)).not.toContain(PASSWORD);
      expect(JSON.stringify(stores)).toContain('http://127.0.0.1:9');
    } finally {
      await app.close();
    }
  });

  it('in MLFLOW_TRACKING_URI is not used and not shown in the tracking status', async () => {
    const dataDir = temp();
    const app = await createAppServices({ dataDir, host: 'browser', env: { ...env, MLFLOW_TRACKING_URI: URI_WITH_PASSWORD } });
    try {
      const status = await app.dispatch('tracking.status', {});
      expect(JSON.stringify(status)).not.toContain(PASSWORD);
      expect(status).toMatchObject({ ok: true, value: { mode: 'local' } });
      // Refused before any request, with what to do instead.
      if (status.ok) expect((status.value as { fallbackReason: string | null }).fallbackReason).toMatch(/MLFLOW_TRACKING_URI: .*MLFLOW_TRACKING_TOKEN/);
    } finally {
      await app.close();
    }
  });
});

describe.runIf(posix)('files of the app state', () => {
  it('are written with mode 0600, and an existing registry readable by others is tightened', async () => {
    const dataDir = temp();
    const file = path.join(dataDir, 'state.json');
    writeFileSync(file, JSON.stringify({ version: 1 }));
    chmodSync(file, 0o644);
    const app = await createAppServices({ dataDir, host: 'browser', env });
    try {
      expect(mode(file)).toBe(0o600);
      const reg = await app.dispatch('sweeps.register', { configText: readFileSync(EXAMPLE, 'utf8'), basedOn: EXAMPLE });
      expect(reg.ok, JSON.stringify(reg)).toBe(true);
      expect(mode(file)).toBe(0o600);
      const configs = path.join(dataDir, 'configs');
      const saved = readdirSync(configs);
      expect(saved).toHaveLength(1);
      expect(mode(path.join(configs, saved[0]!))).toBe(0o600);
      expect(mode(configs)).toBe(0o700);
    } finally {
      await app.close();
    }
  });

  it('live in a data folder only its owner can enter, when the app creates it', async () => {
    const dataDir = path.join(temp(), 'fresh');
    const app = await createAppServices({ dataDir, host: 'browser', env });
    try {
      expect(mode(dataDir)).toBe(0o700);
    } finally {
      await app.close();
    }
  });
});
