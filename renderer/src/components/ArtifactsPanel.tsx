// A run's artifacts: folders opened in place, a file shown beside the list. Text, JSON
// (indented), CSV/TSV (as a table) and images are shown inline; an image goes through a blob URL
// made here from the bytes the app sent (the page loads nothing remote). Other files: size only.
import { useEffect, useMemo, useState } from 'react';
import type { ChannelOutput } from '../../../shared/contract.ts';
import { runViewKeys } from '../api/runViews.ts';
import { useChannel } from '../api/queries.ts';
import { parseDelimited } from '../lib/delimited.ts';
import { ErrorBox, Loading } from './Notice.tsx';

type Content = ChannelOutput<'runs.artifact'>;

export function fmtBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}

const baseName = (p: string): string => p.slice(p.lastIndexOf('/') + 1);

function Folder({ storeId, runId, path, open, onOpen }: { storeId: string; runId: string; path: string; open: string | null; onOpen: (p: string) => void }) {
  const q = useChannel(runViewKeys.artifacts(storeId, runId, path), 'runs.artifacts', path ? { storeId, runId, path } : { storeId, runId });
  const [expanded, setExpanded] = useState<ReadonlySet<string>>(new Set());
  if (q.isPending) return <Loading what="artifacts" />;
  if (q.isError) return <ErrorBox error={q.error} title={path ? `The folder ${path} could not be listed` : 'The artifacts could not be listed'} onRetry={() => void q.refetch()} />;
  if (!q.data.available) return <p className="muted small">{q.data.reason}</p>;
  if (q.data.files.length === 0) return <p className="muted small">{path ? 'Empty folder.' : `No artifacts in ${q.data.root}.`}</p>;
  return (
    <ul className="artifact-list">
      {q.data.files.map((f) =>
        f.is_dir ? (
          <li key={f.path}>
            <button
              type="button"
              className="link-btn"
              aria-expanded={expanded.has(f.path)}
              onClick={() =>
                setExpanded((s) => {
                  const n = new Set(s);
                  if (n.has(f.path)) n.delete(f.path);
                  else n.add(f.path);
                  return n;
                })
              }
            >
              <span aria-hidden="true">{expanded.has(f.path) ? '▾' : '▸'}</span> {baseName(f.path)}/
            </button>
            {expanded.has(f.path) ? <Folder storeId={storeId} runId={runId} path={f.path} open={open} onOpen={onOpen} /> : null}
          </li>
        ) : (
          <li key={f.path}>
            <button type="button" className="link-btn" aria-pressed={open === f.path} onClick={() => onOpen(f.path)}>
              {baseName(f.path)}
            </button>{' '}
            <span className="muted small">{f.file_size !== undefined ? fmtBytes(f.file_size) : ''}</span>
          </li>
        ),
      )}
    </ul>
  );
}

function ImageView({ content }: { content: Extract<Content, { kind: 'image' }> }) {
  const [url, setUrl] = useState<string | null>(null);
  // Made and revoked in one effect, so a re-run of the effect (StrictMode) never leaves a revoked URL.
  useEffect(() => {
    const bin = atob(content.base64);
    const bytes = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
    const u = URL.createObjectURL(new Blob([bytes], { type: content.mime }));
    setUrl(u);
    return () => URL.revokeObjectURL(u);
  }, [content]);
  return url ? <img className="artifact-image" src={url} alt={content.path} /> : null;
}

function TextView({ content }: { content: Extract<Content, { kind: 'text' }> }) {
  const sep = content.mime === 'text/csv' ? ',' : content.mime === 'text/tab-separated-values' ? '\t' : null;
  const table = useMemo(() => (sep ? parseDelimited(content.text, sep, 500) : null), [content, sep]);
  const pretty = useMemo(() => {
    if (content.mime !== 'application/json' || content.truncated) return null;
    try {
      return JSON.stringify(JSON.parse(content.text), null, 2);
    } catch {
      // JSON Lines, or not JSON after all: shown as it is.
      return null;
    }
  }, [content]);
  return (
    <>
      {content.truncated ? <p className="muted small">The first {fmtBytes(content.text.length)} of {fmtBytes(content.size)}.</p> : null}
      {table && table.rows.length > 0 ? (
        <div className="table-wrap artifact-table">
          <table className="grid" aria-label={`Contents of ${content.path}`}>
            <thead>
              <tr>
                {(table.rows[0] ?? []).map((h, i) => (
                  <th scope="col" key={i}>
                    {h}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {table.rows.slice(1).map((r, i) => (
                <tr key={i}>
                  {r.map((c, j) => (
                    <td key={j}>{c}</td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
          {table.more ? <p className="muted small">The first 500 rows.</p> : null}
        </div>
      ) : (
        <pre className="artifact-text" aria-label={`Contents of ${content.path}`}>
          {pretty ?? content.text}
        </pre>
      )}
    </>
  );
}

function ArtifactView({ storeId, runId, path }: { storeId: string; runId: string; path: string }) {
  const q = useChannel(runViewKeys.artifact(storeId, runId, path), 'runs.artifact', { storeId, runId, path });
  if (q.isPending) return <Loading what={path} />;
  if (q.isError) return <ErrorBox error={q.error} title={`${path} could not be opened`} onRetry={() => void q.refetch()} />;
  const c = q.data;
  return (
    <div className="artifact-view">
      <h3 className="small">
        {c.path} <span className="muted">{fmtBytes(c.size)}</span>
      </h3>
      {c.kind === 'text' ? <TextView content={c} /> : null}
      {c.kind === 'image' ? <ImageView content={c} /> : null}
      {c.kind === 'binary' ? <p className="muted">A binary file ({c.mime}); it is not shown here.</p> : null}
      {c.kind === 'too-large' ? <p className="muted">An image of {fmtBytes(c.size)}: too large to show here.</p> : null}
    </div>
  );
}

export function ArtifactsPanel({ storeId, runId }: { storeId: string; runId: string }) {
  const [open, setOpen] = useState<string | null>(null);
  return (
    <section className="card" aria-label="Artifacts">
      <h2 className="card-h">Artifacts</h2>
      <div className="artifacts">
        <nav aria-label="Artifact files">
          <Folder storeId={storeId} runId={runId} path="" open={open} onOpen={setOpen} />
        </nav>
        {open ? <ArtifactView storeId={storeId} runId={runId} path={open} /> : null}
      </div>
    </section>
  );
}
