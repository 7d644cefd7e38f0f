// Builds the renderer into renderer/dist, which both the Electron protocol handler and the browser
// host (`sweepdeck serve`) serve. Relative asset URLs work under both; no inline scripts (strict CSP).
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

const here = path.dirname(fileURLToPath(import.meta.url));

export default defineConfig({
  root: here,
  base: './',
  plugins: [react()],
  build: {
    outDir: path.join(here, 'dist'),
    emptyOutDir: true,
    // The polyfill would be inlined into index.html, which the CSP forbids; Chromium has modulepreload.
    modulePreload: { polyfill: false },
    sourcemap: false,
    chunkSizeWarningLimit: 1500,
    target: 'es2022',
    // One stylesheet, linked from index.html. With split CSS, each lazily loaded screen's chunk
    // (App.tsx) would first append its own stylesheet and wait for its load event: a request
    // round-trip before the screen's script may run.
    cssCodeSplit: false,
  },
  logLevel: 'warn',
});
