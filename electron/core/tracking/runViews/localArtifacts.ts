// A run's artifacts in a local folder: list one level (MLflow's artifacts/list: path, is_dir,
// file_size) and read one file for showing it. A requested path never leaves the artifact root:
// absolute paths, '..' segments and symlinks that lead outside it are refused, naming the path.
import { closeSync, lstatSync, openSync, readdirSync, readSync, realpathSync, statSync, type Stats } from 'node:fs';
import path from 'node:path';
import { MlflowError } from '../types.ts';

export interface ArtifactEntry {
  /** Relative to the artifact root, '/'-separated, as MLflow lists it. */
  path: string;
  is_dir: boolean;
  file_size?: number;
}

export type ImageMime = 'image/png' | 'image/jpeg' | 'image/gif' | 'image/webp';

export type ArtifactContent =
  | { path: string; size: number; kind: 'text'; mime: string; text: string; truncated: boolean }
  | { path: string; size: number; kind: 'image'; mime: ImageMime; base64: string }
  | { path: string; size: number; kind: 'binary' | 'too-large'; mime: string };

/** Text beyond this is cut (the rest is said to be cut); images beyond IMAGE_MAX are not sent. */
export const TEXT_MAX = 512 * 1024;
export const IMAGE_MAX = 4 * 1024 * 1024;

const TEXT_TYPES: Record<string, string> = {
  '.txt': 'text/plain', '.log': 'text/plain', '.json': 'application/json', '.jsonl': 'application/json', '.csv': 'text/csv', '.tsv': 'text/tab-separated-values',
  '.yaml': 'text/yaml', '.yml': 'text/yaml', '.md': 'text/markdown', '.py': 'text/x-python', '.toml': 'text/plain', '.ini': 'text/plain', '.cfg': 'text/plain',
  '.xml': 'text/plain', '.html': 'text/plain', '.svg': 'text/plain',
};
// SVG is shown as text: it can carry scripts, and nothing is gained by drawing it.
const IMAGE_TYPES: Record<string, ImageMime> = { '.png': 'image/png', '.jpg': 'image/jpeg', '.jpeg': 'image/jpeg', '.gif': 'image/gif', '.webp': 'image/webp' };

function refused(rel: string, why: string): MlflowError {
  return new MlflowError('INVALID_PARAMETER_VALUE', `Artifact path '${rel}' ${why}; give a path inside the run's artifacts, as listed.`);
}

/** The '/'-separated segments of a relative artifact path, or a refusal naming it. */
export function artifactSegments(rel: string): string[] {
  if (rel.includes('\0')) throw refused(rel.replace(/\0/g, '\\0'), 'holds a NUL character');
  if (rel.startsWith('/') || rel.startsWith('\\') || path.win32.isAbsolute(rel) || /^[a-z]:/i.test(rel)) throw refused(rel, 'is absolute');
  if (rel.includes('\\')) throw refused(rel, "holds a backslash (artifact paths use '/')");
  const segs = rel.split('/').filter((s) => s !== '' && s !== '.');
  if (segs.includes('..')) throw refused(rel, "climbs out with '..'");
  return segs;
}

function inside(root: string, p: string): boolean {
  return p === root || p.startsWith(root.endsWith(path.sep) ? root : root + path.sep);
}

function realRoot(root: string): string {
  try {
    return realpathSync(root);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') throw new MlflowError('RESOURCE_DOES_NOT_EXIST', `The run's artifact folder ${root} does not exist on this machine (not logged yet, moved, or on another machine).`);
    throw new MlflowError('PERMISSION_DENIED', `The run's artifact folder ${root} cannot be read: ${(e as Error).message}`);
  }
}

/** The real path of `rel` under `root`, refused when it (or a symlink on the way) leads outside. */
export function resolveArtifact(root: string, rel: string): { real: string; stat: Stats } {
  const segs = artifactSegments(rel);
  const base = realRoot(root);
  let real: string;
  try {
    real = realpathSync(path.join(base, ...segs));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') throw new MlflowError('RESOURCE_DOES_NOT_EXIST', `No artifact '${rel}' in ${root}; list the artifacts again.`);
    throw new MlflowError('PERMISSION_DENIED', `Artifact '${rel}' in ${root} cannot be read: ${(e as Error).message}`);
  }
  if (!inside(base, real)) throw refused(rel, 'leads outside the artifact folder (through a symlink)');
  return { real, stat: statSync(real) };
}

/** One level of the artifact tree, as MLflow's artifacts/list: folders and files, by path. */
export function listLocalArtifacts(root: string, rel = ''): ArtifactEntry[] {
  const { real, stat } = resolveArtifact(root, rel);
  if (!stat.isDirectory()) throw new MlflowError('INVALID_PARAMETER_VALUE', `Artifact '${rel}' in ${root} is a file, not a folder; open it instead of listing it.`);
  const base = realRoot(root);
  const prefix = artifactSegments(rel).join('/');
  const out: ArtifactEntry[] = [];
  for (const name of readdirSync(real).sort()) {
    const full = path.join(real, name);
    let st: Stats;
    try {
      st = lstatSync(full);
      if (st.isSymbolicLink()) {
        // A symlink that leads outside is not listed at all: its size would already tell about the outside.
        if (!inside(base, realpathSync(full))) continue;
        st = statSync(full);
      }
    } catch (e) {
      // A dangling symlink or a file removed meanwhile: nothing to show for it.
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw e;
    }
    const p = prefix ? `${prefix}/${name}` : name;
    out.push(st.isDirectory() ? { path: p, is_dir: true } : { path: p, is_dir: false, file_size: st.size });
  }
  return out;
}

function readHead(file: string, n: number): Buffer {
  const fd = openSync(file, 'r');
  try {
    const buf = Buffer.alloc(n);
    const got = readSync(fd, buf, 0, n, 0);
    return buf.subarray(0, got);
  } finally {
    closeSync(fd);
  }
}

/** How an artifact is shown, from its name, size and first bytes (at least min(size, TEXT_MAX) of
 * them; all of them for an image up to IMAGE_MAX). Shared by local folders and tracking servers. */
export function classifyArtifact(p: string, size: number, head: Buffer): ArtifactContent {
  const ext = path.extname(p).toLowerCase();
  const image = IMAGE_TYPES[ext];
  if (image) return size > IMAGE_MAX ? { path: p, size, kind: 'too-large', mime: image } : { path: p, size, kind: 'image', mime: image, base64: head.toString('base64') };
  const text = head.subarray(0, TEXT_MAX);
  const mime = TEXT_TYPES[ext] ?? (text.subarray(0, 8192).includes(0) ? null : 'text/plain');
  if (!mime) return { path: p, size, kind: 'binary', mime: 'application/octet-stream' };
  return { path: p, size, kind: 'text', mime, text: text.toString('utf8'), truncated: size > text.length };
}

/** One artifact for showing it: text (cut at TEXT_MAX), an image (base64, up to IMAGE_MAX), or
 * only its size and type (other binaries, larger images). */
export function readLocalArtifact(root: string, rel: string): ArtifactContent {
  const { real, stat } = resolveArtifact(root, rel);
  const p = artifactSegments(rel).join('/');
  if (stat.isDirectory()) throw new MlflowError('INVALID_PARAMETER_VALUE', `Artifact '${rel}' in ${root} is a folder; list it instead of opening it.`);
  const size = stat.size;
  const image = IMAGE_TYPES[path.extname(p).toLowerCase()] !== undefined;
  const want = image ? (size > IMAGE_MAX ? 0 : size) : Math.min(size, TEXT_MAX);
  return classifyArtifact(p, size, want > 0 ? readHead(real, want) : Buffer.alloc(0));
}
