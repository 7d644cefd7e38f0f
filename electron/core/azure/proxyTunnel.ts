// HTTPS_PROXY / HTTP_PROXY / NO_PROXY for our own HTTP client (sign-in, ARM, the probe, MLflow REST), as curl
// and the Azure SDK read them. HTTPS goes through a CONNECT tunnel, so the proxy sees only the host
// name (TLS stays end to end, our trusted roots still apply).
import http from 'node:http';
import type net from 'node:net';

type EnvLike = Record<string, string | undefined>;

export interface ProxySettings {
  url: URL;
}

/** The proxy for this URL by the environment, or undefined (none set, or NO_PROXY matches). */
export function proxyFor(target: URL, env: EnvLike = process.env): ProxySettings | undefined {
  const isHttps = target.protocol === 'https:';
  const raw = isHttps ? (env.HTTPS_PROXY ?? env.https_proxy) : (env.HTTP_PROXY ?? env.http_proxy);
  if (!raw?.trim()) return undefined;
  if (bypassed(target, env.NO_PROXY ?? env.no_proxy ?? '')) return undefined;
  let url: URL;
  try {
    url = new URL(raw.includes('://') ? raw : `http://${raw}`);
  } catch {
    throw new Error(`${isHttps ? 'HTTPS_PROXY' : 'HTTP_PROXY'}='${raw}' is not a URL; use e.g. http://proxy.example.com:3128`);
  }
  return { url };
}

/** NO_PROXY entries: `*`, host names (a leading dot or not: the domain and its subdomains), host:port. */
function bypassed(target: URL, noProxy: string): boolean {
  const host = target.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  const port = target.port || (target.protocol === 'https:' ? '443' : '80');
  for (const entry of noProxy.split(/[,\s]+/).filter(Boolean)) {
    if (entry === '*') return true;
    const [h, p] = entry.toLowerCase().split(/:(?=\d+$)/);
    if (p && p !== port) continue;
    const name = (h ?? '').replace(/^\*?\./, '');
    if (host === name || host.endsWith(`.${name}`)) return true;
  }
  return false;
}

/** The Proxy-Authorization value for the user:password in the proxy URL. */
export function proxyAuthorization(proxy: ProxySettings): string {
  return `Basic ${Buffer.from(`${decodeURIComponent(proxy.url.username)}:${decodeURIComponent(proxy.url.password)}`).toString('base64')}`;
}

/** Opens a CONNECT tunnel through the proxy to host:port; the caller runs TLS over the socket. */
export function openTunnel(proxy: ProxySettings, host: string, port: string, timeoutMs: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const auth = proxy.url.username ? proxyAuthorization(proxy) : undefined;
    const req = http.request({
      host: proxy.url.hostname,
      port: proxy.url.port || 80,
      method: 'CONNECT',
      path: `${host}:${port}`,
      headers: { host: `${host}:${port}`, ...(auth ? { 'proxy-authorization': auth } : {}) },
      timeout: timeoutMs,
    });
    req.on('connect', (res, socket) => {
      if (res.statusCode === 200) return resolve(socket);
      socket.destroy();
      reject(Object.assign(new Error(`the proxy ${proxy.url.host} refused the tunnel to ${host}:${port} (HTTP ${res.statusCode}${res.statusCode === 407 ? ': proxy authentication required, put user:password in HTTPS_PROXY' : ''})`), { code: 'EPROXY' }));
    });
    req.on('timeout', () => {
      req.destroy(Object.assign(new Error(`the proxy ${proxy.url.host} did not answer within ${timeoutMs} ms`), { code: 'ETIMEDOUT' }));
    });
    req.on('error', (e: NodeJS.ErrnoException) => reject(Object.assign(new Error(`proxy ${proxy.url.host}: ${e.message}`), { code: e.code })));
    req.end();
  });
}
