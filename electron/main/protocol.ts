// Serves the built renderer from sweepdeck://app/ (not file://, which has extra privileges), with
// the same strict CSP the browser host sends.
import { protocol } from 'electron';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { CONTENT_SECURITY_POLICY, SECURITY_HEADERS } from '../host/security.ts';
import { APP_SCHEME } from './senderCheck.ts';

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.map': 'application/json',
};

const NOT_BUILT = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Sweepdeck</title></head>
<body><main><h1>Sweepdeck</h1><p>The renderer is not built. Run <code>npm run build</code>, then start the app again.</p></main></body></html>`;

/** Must run before app 'ready'. */
export function registerAppScheme(): void {
  protocol.registerSchemesAsPrivileged([{ scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true } }]);
}

export function serveRenderer(rendererDir: string): void {
  const root = path.resolve(rendererDir);
  protocol.handle(APP_SCHEME, async (request) => {
    const url = new URL(request.url);
    const headers = { ...SECURITY_HEADERS, 'content-security-policy': CONTENT_SECURITY_POLICY };
    if (url.host !== 'app') return new Response('not found', { status: 404, headers });
    let rel: string;
    try {
      rel = decodeURIComponent(url.pathname);
    } catch {
      return new Response('bad path', { status: 400, headers });
    }
    let file = path.resolve(root, `.${path.posix.normalize(rel)}`);
    if (file !== root && !file.startsWith(root + path.sep)) return new Response('not found', { status: 404, headers });
    // Client-side routes (no extension) get the app.
    if (!path.extname(file)) file = path.join(root, 'index.html');
    try {
      const body = await readFile(file);
      return new Response(body, { status: 200, headers: { ...headers, 'content-type': MIME[path.extname(file).toLowerCase()] ?? 'application/octet-stream' } });
    } catch {
      if (file.endsWith('index.html')) return new Response(NOT_BUILT, { status: 200, headers: { ...headers, 'content-type': MIME['.html'] ?? 'text/html' } });
      return new Response('not found', { status: 404, headers });
    }
  });
}
