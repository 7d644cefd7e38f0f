// Request checks of the browser host, kept apart so each rule is easy to read and test: only
// loopback Host names (defeats DNS rebinding), only our own Origin (defeats cross-site requests from
// other pages in the same browser), and the token on every request.
import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

export const TOKEN_HEADER = 'x-sweepdeck-token';

/** Everything comes from this server; no inline script, no remote content, no framing. React and
 * uPlot set styles through the CSSOM, which style-src does not restrict, so no 'unsafe-inline'. */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data: blob:",
  "font-src 'self'",
  "connect-src 'self'",
  "worker-src 'self' blob:",
  "manifest-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
  "object-src 'none'",
].join('; ');

export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
  'permissions-policy': 'camera=(), microphone=(), geolocation=(), usb=(), serial=()',
};

const LOOPBACK_NAMES = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** The Host header names this machine's loopback (any port: an SSH tunnel may forward another one). */
export function isLoopbackHost(host: string | undefined): boolean {
  if (!host) return false;
  const m = /^(\[[0-9a-f:.]+\]|[^:]+)(?::(\d{1,5}))?$/i.exec(host.trim());
  if (!m || !m[1]) return false;
  return LOOPBACK_NAMES.has(m[1].toLowerCase());
}

/** No Origin (same-origin GET, curl, Node fetch) is fine; otherwise it must be this very origin. */
export function isOwnOrigin(origin: string | undefined, host: string | undefined): boolean {
  if (origin === undefined) return true;
  if (!host) return false;
  return origin.toLowerCase() === `http://${host.toLowerCase()}`;
}

export function tokensEqual(given: string | undefined | null, token: string): boolean {
  if (typeof given !== 'string' || given.length === 0) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

export function cookieName(port: number): string {
  // Cookies ignore ports: name it per port so two hosts on one machine keep their own token.
  return `sweepdeck_token_${port}`;
}

export function readCookie(req: IncomingMessage, name: string): string | undefined {
  const header = req.headers.cookie;
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() !== name) continue;
    try {
      return decodeURIComponent(part.slice(eq + 1).trim());
    } catch {
      // Not valid percent-encoding (e.g. `%E0%A4%A`): no token, so the caller answers 401.
      return undefined;
    }
  }
  return undefined;
}

/** The token of an API request: our header, or `Authorization: Bearer`. Never a cookie (so another
 * page cannot ride on it) and never the query (so it stays out of logs). */
export function apiToken(req: IncomingMessage): string | undefined {
  const h = req.headers[TOKEN_HEADER];
  if (typeof h === 'string') return h;
  const auth = req.headers.authorization;
  if (auth?.startsWith('Bearer ')) return auth.slice(7).trim();
  return undefined;
}
