// Where a run's artifacts are on this machine, from its artifact_uri: a file:// URI or an absolute
// path. Other schemes (mlflow-artifacts: proxied by a server, s3:, wasbs:, ...) are named in the
// reason instead of being fetched.
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export type ArtifactRoot = { local: true; root: string } | { local: false; reason: string };

export function localArtifactRoot(artifactUri: string): ArtifactRoot {
  const u = artifactUri.trim();
  if (u === '') return { local: false, reason: 'This run has no artifact location (its artifact_uri is empty).' };
  if (/^file:/i.test(u)) {
    try {
      return { local: true, root: path.resolve(fileURLToPath(u)) };
    } catch (e) {
      return { local: false, reason: `The artifact location ${u} is not a usable file URI (${(e as Error).message}).` };
    }
  }
  if (path.isAbsolute(u) || path.win32.isAbsolute(u)) return { local: true, root: path.resolve(u) };
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(u)?.[1];
  if (scheme?.toLowerCase() === 'mlflow-artifacts') {
    return { local: false, reason: `The artifacts (${u}) are served by an MLflow tracking server; Sweepdeck lists them only from a local store's folders.` };
  }
  if (scheme) return { local: false, reason: `The artifacts are at ${u} (${scheme}:), which Sweepdeck does not read; open them with that storage's own tools.` };
  return { local: false, reason: `The artifact location '${u}' is a relative path, whose folder depends on where the run was logged from; it is not guessed.` };
}
