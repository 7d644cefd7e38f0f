// Corporate networks: an untrusted certificate is reported naming the host and what to do; an
// HTTPS proxy from HTTPS_PROXY is used through a CONNECT tunnel (NO_PROXY bypasses it); extra
// roots come from a PEM file. The proxy is a small CONNECT proxy on loopback that records tunnels.
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { sendRequest } from '../../electron/core/azure/httpTransport.ts';
import { readCaFile } from '../../electron/core/azure/tlsAdvice.ts';
import { startAzureDouble, type AzureDouble } from '../support/azureDouble.ts';
import { runCli } from '../support/sweepdeckCli.ts';

let double: AzureDouble;
let proxy: http.Server;
let proxyUrl: string;
const tunnels: string[] = [];
const proxySockets = new Set<net.Socket>();
let refuseWith: number | undefined;
let dir: string;

beforeAll(async () => {
  double = await startAzureDouble();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tls-proxy-'));
  proxy = http.createServer((_req, res) => res.writeHead(405).end());
  proxy.on('connect', (req: http.IncomingMessage, client: net.Socket) => {
    tunnels.push(req.url ?? '');
    proxySockets.add(client);
    if (refuseWith) {
      client.end(`HTTP/1.1 ${refuseWith} No\r\n\r\n`);
      return;
    }
    const [host, port] = (req.url ?? '').split(':');
    const upstream = net.connect(Number(port), host ?? '127.0.0.1', () => {
      proxySockets.add(upstream);
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      upstream.pipe(client);
      client.pipe(upstream);
    });
    upstream.on('error', () => client.destroy());
    client.on('error', () => upstream.destroy());
  });
  await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
  proxyUrl = `http://127.0.0.1:${(proxy.address() as net.AddressInfo).port}`;
});
afterAll(async () => {
  proxy.closeAllConnections();
  for (const s of proxySockets) s.destroy();
  await new Promise<void>((r) => proxy.close(() => r()));
  await double.close();
  fs.rmSync(dir, { recursive: true, force: true });
});
beforeEach(() => {
  tunnels.length = 0;
  refuseWith = undefined;
});

const openid = (): string => `${double.url}/${double.tenantId}/v2.0/.well-known/openid-configuration`;

describe('untrusted certificates', () => {
  it('names the host, the likely proxy, and NODE_EXTRA_CA_CERTS', async () => {
    const err = await sendRequest({ method: 'GET', url: openid() }, { timeoutMs: 5_000, proxyEnv: {} }).then(
      () => null,
      (e: unknown) => e as Error,
    );
    expect(err?.message).toMatch(new RegExp(`the TLS certificate of 127\\.0\\.0\\.1:${double.port} is not trusted \\((SELF_SIGNED_CERT_IN_CHAIN|DEPTH_ZERO_SELF_SIGNED_CERT)\\); a proxy or firewall is probably inspecting TLS.*NODE_EXTRA_CA_CERTS`));
  });

  it('reads extra roots from a PEM file and refuses a file that is not one, naming it', () => {
    expect(readCaFile(double.caFile)).toBe(double.caPem);
    const bad = path.join(dir, 'not-a-cert.txt');
    fs.writeFileSync(bad, 'hello');
    expect(() => readCaFile(bad)).toThrow(new RegExp(`SWEEPDECK_AZURE_CA_FILE names ${bad}, which holds no PEM certificate`));
    expect(() => readCaFile(path.join(dir, 'missing.pem'))).toThrow(/cannot be read \(ENOENT\)/);
  });
});

describe('HTTPS_PROXY', () => {
  it('tunnels through the proxy with CONNECT; TLS to the real host still checks its certificate', async () => {
    const res = await sendRequest({ method: 'GET', url: openid() }, { timeoutMs: 5_000, ca: double.caPem, proxyEnv: { HTTPS_PROXY: proxyUrl } });
    expect(res.status).toBe(200);
    expect(tunnels).toEqual([`127.0.0.1:${double.port}`]);
  });

  it('NO_PROXY bypasses it', async () => {
    const res = await sendRequest({ method: 'GET', url: openid() }, { timeoutMs: 5_000, ca: double.caPem, proxyEnv: { HTTPS_PROXY: proxyUrl, NO_PROXY: 'localhost,127.0.0.1' } });
    expect(res.status).toBe(200);
    expect(tunnels).toEqual([]);
  });

  it('a proxy asking for credentials is reported as such', async () => {
    refuseWith = 407;
    await expect(sendRequest({ method: 'GET', url: openid() }, { timeoutMs: 5_000, ca: double.caPem, proxyEnv: { HTTPS_PROXY: proxyUrl } })).rejects.toThrow(
      /refused the tunnel to 127\.0\.0\.1:\d+ \(HTTP 407: proxy authentication required/,
    );
  });

  it('tracking setup with a service principal goes through the proxy end to end, trusting a PEM from SWEEPDECK_AZURE_CA_FILE', async () => {
    const { NODE_EXTRA_CA_CERTS: _unused, ...env } = double.env();
    const r = await runCli(['tracking', 'setup', '--experiment', 'via-proxy', '--json', '--no-fallback'], { ...env, PATH: process.env.PATH, HOME: dir, HTTPS_PROXY: proxyUrl, SWEEPDECK_AZURE_CA_FILE: double.caFile, SWEEPDECK_AZURE_TIMEOUT_MS: '8000', AZURE_TOKEN_CREDENTIALS: 'EnvironmentCredential' }, dir);
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout)).toMatchObject({ mode: 'azure', credentialLink: 'environment' });
    // Sign-in, ARM and the MLflow probe all went through the tunnel.
    expect(tunnels.length).toBeGreaterThanOrEqual(3);
    expect(new Set(tunnels)).toEqual(new Set([`127.0.0.1:${double.port}`]));
  });
});
