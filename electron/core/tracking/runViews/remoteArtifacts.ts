// A run's artifacts on an MLflow tracking server: listed with artifacts/list and fetched with the
// server's get-artifact route. The same path rules as for local folders are applied before any
// request, and a body is read no further than what is shown (TEXT_MAX, or IMAGE_MAX for images).
import { artifactSegments, classifyArtifact, IMAGE_MAX, TEXT_MAX, type ArtifactContent, type ArtifactEntry } from './localArtifacts.ts';
import type { TrackingStore } from '../types.ts';

export interface RemoteArtifactReader {
  listArtifacts(runId: string, rel: string): Promise<ArtifactEntry[]>;
  readArtifact(runId: string, rel: string): Promise<ArtifactContent>;
}

export function canReadRemoteArtifacts(store: TrackingStore): store is TrackingStore & RemoteArtifactReader {
  const s = store as Partial<RemoteArtifactReader>;
  return typeof s.listArtifacts === 'function' && typeof s.readArtifact === 'function';
}

/** The normalized relative path ('' for the root), or a refusal naming it. */
export function remoteArtifactPath(rel: string): string {
  return artifactSegments(rel).join('/');
}

/** How many bytes of a body to read for showing an artifact of this name. */
export function bytesToShow(rel: string): number {
  return /\.(png|jpe?g|gif|webp)$/i.test(rel) ? IMAGE_MAX + 1 : TEXT_MAX;
}

/** Reads at most `limit` bytes of a response body, then lets go of the rest. */
export async function readCapped(res: Response, limit: number): Promise<{ bytes: Buffer; complete: boolean }> {
  const reader = res.body?.getReader();
  if (!reader) return { bytes: Buffer.alloc(0), complete: true };
  const parts: Buffer[] = [];
  let n = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return { bytes: Buffer.concat(parts), complete: true };
    parts.push(Buffer.from(value));
    n += value.byteLength;
    if (n >= limit) {
      await reader.cancel();
      return { bytes: Buffer.concat(parts).subarray(0, limit), complete: false };
    }
  }
}

/** The content of a fetched artifact: its size from Content-Length when given, else what was read. */
export function remoteContent(rel: string, contentLength: string | null, body: { bytes: Buffer; complete: boolean }): ArtifactContent {
  const declared = contentLength !== null && /^\d+$/.test(contentLength) ? Number(contentLength) : null;
  const size = declared ?? (body.complete ? body.bytes.length : body.bytes.length + 1);
  return classifyArtifact(rel, size, body.bytes);
}
