// A build's stamp: when it was built and from which files of the repository. A build is fresh while
// every one of those files is older than the build; an edit, a checkout or a removal makes it stale.
// Used by bin/sweepdeck.js (run dist/cli or the TypeScript) and scripts/start.mjs (rebuild or not),
// so it is plain JavaScript with no imports beyond node:fs.
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** Writes the stamp. builtAt: the time the build started (a file saved during it counts as newer). */
export function writeBuiltFrom(stampFile, root, builtAt, inputs) {
  const rel = [...new Set(inputs.map((f) => path.relative(root, path.resolve(root, f)).split(path.sep).join('/')))]
    .filter((f) => f && !f.startsWith('..') && !f.split('/').includes('node_modules'))
    .sort();
  writeFileSync(stampFile, `${JSON.stringify({ builtAt, inputs: rel }, null, 1)}\n`);
}

/** True when the stamp exists and no file it lists has changed (or gone) since the build. */
export function builtFromIsFresh(stampFile, root) {
  let stamp;
  try {
    stamp = JSON.parse(readFileSync(stampFile, 'utf8'));
  } catch {
    return false; // Never built here.
  }
  if (!Number.isFinite(stamp?.builtAt) || !Array.isArray(stamp.inputs) || stamp.inputs.length === 0) return false;
  for (const file of stamp.inputs) {
    try {
      if (statSync(path.join(root, file)).mtimeMs > stamp.builtAt) return false;
    } catch {
      return false; // Removed since the build.
    }
  }
  return true;
}
