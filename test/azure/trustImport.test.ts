// Extra root certificates imported in Settings, through the app's channels: an app that does not
// trust the Azure double fails with the TLS advice; after the double's CA PEM is imported the
// workspace picker works in the same app (no restart); bad files are refused with messages naming them.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAppServices, type AppServices } from '../../electron/app/appServices.ts';
import type { Channel, ChannelOutput } from '../../shared/contract.ts';
import { addDiscovery } from '../support/azureDiscoveryDouble.ts';
import { startAzureDouble, type AzureDouble } from '../support/azureDouble.ts';

let double: AzureDouble;
const dirs: string[] = [];

beforeAll(async () => {
  double = await startAzureDouble();
  addDiscovery(double);
});
afterAll(async () => {
  await double.close();
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

function tmp(prefix: string): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  dirs.push(d);
  return d;
}

/** The double's hosts and service principal, with none of its CA (no NODE_EXTRA_CA_CERTS, no ca option). */
function env(): NodeJS.ProcessEnv {
  const { NODE_EXTRA_CA_CERTS: _ca, AZURE_SUBSCRIPTION_ID: _s, AZURE_RESOURCE_GROUP: _g, AZURE_WORKSPACE_NAME: _w, ...rest } = double.env();
  return { PATH: process.env.PATH, ...rest, SWEEPDECK_AZURE_TIMEOUT_MS: '5000' };
}

async function app(): Promise<AppServices> {
  return await createAppServices({ dataDir: tmp('trust-app-'), host: 'browser', exampleConfigPath: null, env: env(), azure: { timeoutMs: 5_000 } });
}

async function call<C extends Channel>(a: AppServices, ch: C, input: unknown): Promise<ChannelOutput<C>> {
  const r = await a.dispatch(ch, input);
  if (!r.ok) throw new Error(`${ch}: ${r.error.code}: ${r.error.message}`);
  return r.value as ChannelOutput<C>;
}

describe('roots imported in Settings', () => {
  it('an untrusted double fails with the TLS advice; after importing its CA the picker works without a restart; removing it forgets it', async () => {
    const a = await app();
    try {
      expect(await call(a, 'azure.trust.get', {})).toEqual({ file: null, certificates: [] });
      await expect(call(a, 'workspaces.tenants', {})).rejects.toThrow(/the TLS certificate of 127\.0\.0\.1:\d+ is not trusted.*import the PEM in Settings/);

      const info = await call(a, 'azure.trust.import', { path: double.caFile });
      expect(info.file).toBe(path.join(a.dataDir, 'azure', 'imported-roots.pem'));
      expect(fs.readFileSync(info.file!, 'utf8')).toBe(fs.readFileSync(double.caFile, 'utf8'));
      expect(fs.statSync(info.file!).mode & 0o777).toBe(0o600);
      expect(info.certificates).toHaveLength(1);
      expect(info.certificates[0]!.subject).not.toBe('');
      expect(Number.isNaN(Date.parse(info.certificates[0]!.validTo))).toBe(false);

      const { tenants } = await call(a, 'workspaces.tenants', {});
      expect(tenants.map((t) => t.displayName)).toContain('Contoso');

      expect(await call(a, 'azure.trust.remove', {})).toEqual({ file: null, certificates: [] });
      expect(fs.existsSync(info.file!)).toBe(false);
      await expect(call(a, 'workspaces.tenants', { refresh: true })).rejects.toThrow(/is not trusted/);
    } finally {
      await a.close();
    }
  });

  it('refuses a relative path, a missing file, a file with no PEM certificate and a broken certificate, naming the file; an earlier import stays', async () => {
    const a = await app();
    const d = tmp('trust-files-');
    try {
      await call(a, 'azure.trust.import', { path: double.caFile });
      const before = fs.readFileSync(path.join(a.dataDir, 'azure', 'imported-roots.pem'), 'utf8');

      await expect(call(a, 'azure.trust.import', { path: 'root.pem' })).rejects.toThrow(/INVALID_INPUT: .*'root\.pem' is a relative path; give an absolute path/);
      const missing = path.join(d, 'nope.pem');
      await expect(call(a, 'azure.trust.import', { path: missing })).rejects.toThrow(new RegExp(`NOT_FOUND: .*${missing} does not exist`));
      const notPem = path.join(d, 'root.der');
      fs.writeFileSync(notPem, Buffer.from([0x30, 0x82, 0x01, 0x0a]));
      await expect(call(a, 'azure.trust.import', { path: notPem })).rejects.toThrow(new RegExp(`INVALID_INPUT: ${notPem} holds no PEM certificate.*Base-64 PEM`));
      const broken = path.join(d, 'broken.pem');
      fs.writeFileSync(broken, `${fs.readFileSync(double.caFile, 'utf8')}\n-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydGlmaWNhdGU=\n-----END CERTIFICATE-----\n`);
      await expect(call(a, 'azure.trust.import', { path: broken })).rejects.toThrow(new RegExp(`INVALID_INPUT: ${broken}: certificate 2 of 2 cannot be parsed`));

      expect(fs.readFileSync(path.join(a.dataDir, 'azure', 'imported-roots.pem'), 'utf8')).toBe(before);
      expect((await call(a, 'azure.trust.get', {})).certificates).toHaveLength(1);
    } finally {
      await a.close();
    }
  });
});
