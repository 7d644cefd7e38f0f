// Where the browser host finds the built renderer and the example when run from a checkout.
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const RENDERER_DIST = path.join(REPO_ROOT, 'renderer', 'dist');
export const EXAMPLE_CONFIG = path.join(REPO_ROOT, 'resources', 'examples', 'resume-ner', 'hpo.yaml');
