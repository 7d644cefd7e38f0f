// The browser host keeps its token across restarts (an open tab or a bookmark keeps working), stored
// owner-only in the data folder, and `--rotate-token` replaces it so old URLs stop working. The real
// CLI, as a child process.
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServe, type ServedHost } from '../../e2e/browser/support.ts';

let work: string;
let dataDir: string;
const hosts: ServedHost[] = [];

async function serve(extra: string[] = []): Promise<ServedHost> {
  const h = await startServe(dataDir, work, ['--no-example', ...extra]);
  hosts.push(h);
  return h;
}

const listStatus = async (h: ServedHost, token: string): Promise<number> =>
  (await fetch(`${h.origin}/api/sweeps.list`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-sweepdeck-token': token }, body: '{}' })).status;

beforeAll(() => {
  work = mkdtempSync(path.join(os.tmpdir(), 'sweepdeck-serve-token-'));
  dataDir = path.join(work, 'data');
});

afterAll(async () => {
  for (const h of hosts) await h.stop();
  rmSync(work, { recursive: true, force: true });
});

describe('sweepdeck serve token', { timeout: 90_000 }, () => {
  it('is the same after a restart, kept with mode 0600, and --rotate-token replaces it', async () => {
    const first = await serve();
    expect(first.token).toMatch(/^[A-Za-z0-9_-]{16,}$/);
    const file = path.join(dataDir, 'host-token');
    expect(readFileSync(file, 'utf8').trim()).toBe(first.token);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    await first.stop();

    const second = await serve();
    expect(second.token).toBe(first.token);
    expect(await listStatus(second, first.token)).toBe(200);
    // The token is never printed beyond the URL line.
    expect(second.output().split('\n').slice(1).join('\n')).not.toContain(first.token);
    await second.stop();

    const rotated = await serve(['--rotate-token']);
    expect(rotated.token).not.toBe(first.token);
    expect(await listStatus(rotated, first.token)).toBe(401);
    expect(await listStatus(rotated, rotated.token)).toBe(200);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    await rotated.stop();

    const after = await serve();
    expect(after.token).toBe(rotated.token);
  });
});
