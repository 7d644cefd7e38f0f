// Builds the renderer into renderer/dist, which both the Electron protocol handler and the browser
// host (`sweepdeck serve`) serve. Relative asset URLs work under both; no inline scripts (strict CSP).
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig, type Plugin } from 'vite';

const here = path.dirname(fileURLToPath(import.meta.url));

/** The entry (main.tsx) is tiny and loads the app (boot.tsx) with a dynamic import; the entry runs
 * only once the stylesheet is in. Preloading the app's chunks from index.html starts their download
 * and compile with the page instead. (The opened sweep's requests are already out by then: they
 * come from public/early.js, which runs before any of this.) */
function preloadAppChunks(): Plugin {
  return {
    name: 'sweepdeck-preload-app-chunks',
    apply: 'build',
    transformIndexHtml: {
      order: 'post',
      handler(html, ctx) {
        const bundle = ctx.bundle ?? {};
        const boot = Object.values(bundle).find((c) => c.type === 'chunk' && (c.facadeModuleId ?? '').replace(/\\/g, '/').endsWith('/src/boot.tsx'));
        if (!boot || boot.type !== 'chunk') return html;
        // The entry itself is already a script tag.
        const files = [boot.fileName, ...boot.imports].filter((f) => {
          const c = bundle[f];
          return !(c && c.type === 'chunk' && c.isEntry);
        });
        return { html, tags: files.map((f) => ({ tag: 'link', attrs: { rel: 'modulepreload', crossorigin: true, href: `./${f}` }, injectTo: 'head' as const })) };
      },
    },
  };
}

export default defineConfig({
  root: here,
  base: './',
  plugins: [react(), preloadAppChunks()],
  build: {
    outDir: path.join(here, 'dist'),
    emptyOutDir: true,
    // The polyfill would be inlined into index.html, which the CSP forbids; Chromium has modulepreload.
    modulePreload: { polyfill: false },
    sourcemap: false,
    chunkSizeWarningLimit: 1500,
    target: 'es2022',
    // One stylesheet, linked from index.html. Split CSS would make the dynamic import of the app
    // (boot.tsx) first append the app chunk's stylesheet and wait for its load event: a request
    // round-trip before the app's script may run, on the way to the first draw.
    cssCodeSplit: false,
  },
  logLevel: 'warn',
});
