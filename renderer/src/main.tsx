// Renderer entry. earlyRequests.ts comes first: it sends the opened sweep's requests (or takes over
// public/early.js's) before the app's script (boot.tsx: React, the screens, uPlot) is evaluated.
// The app is a static import, not a dynamic one: the browser then fetches, compiles and evaluates
// it with the entry, while the trials are still on their way; a dynamic import's module was only
// ready once the main thread had finished decoding the trials, which put ~100 ms of script
// evaluation on the way to the first draw.
import { client, early } from './earlyRequests.ts';
import { boot } from './boot.tsx';
import './styles.css';

try {
  boot(client, early);
} catch (e) {
  const root = document.getElementById('root');
  if (root) root.textContent = `Sweepdeck could not start its screens (${e instanceof Error ? e.message : String(e)}). Reload the page.`;
  throw e;
}
