// New sweep: load the example or a file, edit the YAML, see schema errors at their line as you type
// (config.validate gives path + line), and Start only a valid config.
import { useEffect, useRef, useState } from 'react';
import type { ChannelOutput, ConfigIssue } from '../../../shared/contract.ts';
import { useClient } from '../api/clientContext.tsx';
import { useSweepAction } from '../api/queries.ts';
import { ErrorBox } from '../components/Notice.tsx';
import { navigate } from '../lib/router.ts';
import { clearDraft, readDraft, saveDraft } from '../lib/sweepDraft.ts';

type Validation = ChannelOutput<'config.validate'>;

function useValidation(text: string, path: string | null) {
  const client = useClient();
  const [result, setResult] = useState<Validation | null>(null);
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    if (!text.trim()) {
      setResult({ valid: false, issues: [{ path: '', line: null, column: null, message: 'The config is empty: load the example or paste an HPO YAML.' }], summary: null });
      return;
    }
    setPending(true);
    let live = true;
    const t = setTimeout(() => {
      void client.call('config.validate', path ? { text, path } : { text }).then((r) => {
        if (!live) return;
        setPending(false);
        if (r.ok) {
          setResult(r.value);
          setError(null);
        } else setError(new Error(r.error.message));
      });
    }, 200);
    return () => {
      live = false;
      clearTimeout(t);
    };
  }, [client, text, path]);
  return { result, pending, error };
}

function IssueList({ issues, onGo }: { issues: ConfigIssue[]; onGo: (line: number) => void }) {
  return (
    <ul className="issues" aria-label="Config errors">
      {issues.map((i, k) => (
        <li key={k} className="issue">
          {i.line !== null ? (
            <button type="button" className="link-btn" onClick={() => onGo(i.line!)} aria-label={`Go to line ${i.line}`}>
              line {i.line}
              {i.column !== null ? `:${i.column}` : ''}
            </button>
          ) : (
            <span className="muted">document</span>
          )}
          {i.path ? <code className="issue-path">{i.path}</code> : null}
          <span>{i.message}</span>
        </li>
      ))}
    </ul>
  );
}

export function NewSweepScreen() {
  const client = useClient();
  // Unsaved edits from before (another screen, a reload) come back instead of the example.
  const [restored] = useState(readDraft);
  const [text, setText] = useState(restored?.text ?? '');
  const [basedOn, setBasedOn] = useState<string | null>(restored?.basedOn ?? null);
  /** The text as last loaded: edits are what differs from it. */
  const [original, setOriginal] = useState(restored?.original ?? '');
  const [showRestored, setShowRestored] = useState(restored !== null);
  const dirty = text !== original;
  const [loadPath, setLoadPath] = useState('');
  const [loadError, setLoadError] = useState<unknown>(null);
  const [loading, setLoading] = useState(false);
  const area = useRef<HTMLTextAreaElement>(null);
  const gutter = useRef<HTMLDivElement>(null);
  const { result, pending, error } = useValidation(text, basedOn);
  const start = useSweepAction('sweeps.start');

  useEffect(() => saveDraft({ text, basedOn, original }), [text, basedOn, original]);

  // Closing the tab loses the draft (it is kept per tab): ask first.
  useEffect(() => {
    if (!dirty) return;
    const ask = (e: BeforeUnloadEvent): void => e.preventDefault();
    window.addEventListener('beforeunload', ask);
    return () => window.removeEventListener('beforeunload', ask);
  }, [dirty]);

  const mayDiscard = (what: string): boolean => !dirty || window.confirm(`${what} replaces your unsaved edits to the config. Discard them?`);

  const load = async (what: 'example' | 'file', quiet = false): Promise<void> => {
    if (!quiet && !mayDiscard(what === 'example' ? 'Loading the example' : 'Loading this file')) return;
    setLoading(true);
    const r = what === 'example' ? await client.call('config.readExample', {}) : await client.call('config.read', { path: loadPath.trim() });
    setLoading(false);
    if (!r.ok) {
      if (!quiet) setLoadError(new Error(r.error.message));
      return;
    }
    setLoadError(null);
    setText(r.value.text);
    setOriginal(r.value.text);
    setBasedOn(r.value.path);
    setShowRestored(false);
  };

  const discard = (): void => {
    if (!mayDiscard('Discarding')) return;
    clearDraft();
    setText(original);
    setShowRestored(false);
  };

  // The example is there to start from: load it once when the screen opens (quietly: a build
  // without an example just starts empty).
  const autoLoaded = useRef(false);
  useEffect(() => {
    if (autoLoaded.current) return;
    autoLoaded.current = true;
    if (restored) return;
    void load('example', true);
  });

  const issues = result?.issues ?? [];
  const errorLines = new Set(issues.map((i) => i.line).filter((l): l is number => l !== null));
  const lineCount = Math.max(1, text.split('\n').length);
  const valid = !pending && result?.valid === true;

  const goToLine = (line: number): void => {
    const el = area.current;
    if (!el) return;
    const lines = text.split('\n');
    const start = lines.slice(0, line - 1).reduce((s, l) => s + l.length + 1, 0);
    el.focus();
    el.setSelectionRange(start, start + (lines[line - 1]?.length ?? 0));
    // 20 px per line (see .editor textarea): bring the line into view with some context above.
    el.scrollTop = Math.max(0, (line - 4) * 20);
    if (gutter.current) gutter.current.scrollTop = el.scrollTop;
  };

  return (
    <section className="screen" aria-labelledby="new-h">
      <header className="screen-head">
        <h1 id="new-h">New sweep</h1>
      </header>
      <div className="toolbar">
        <button type="button" onClick={() => void load('example')} disabled={loading}>
          Load example
        </button>
        <form
          className="row grow"
          onSubmit={(e) => {
            e.preventDefault();
            if (loadPath.trim()) void load('file');
          }}
        >
          <input type="text" aria-label="Config file path" placeholder="/path/to/hpo.yaml" value={loadPath} onChange={(e) => setLoadPath(e.target.value)} className="grow" />
          <button type="submit" disabled={!loadPath.trim() || loading}>
            Load file
          </button>
        </form>
      </div>
      {showRestored && dirty ? (
        <div className="notice" role="status">
          Your unsaved edits were kept and are shown below.
        </div>
      ) : null}
      {loadError ? <ErrorBox error={loadError} title="The config could not be loaded" /> : null}
      {basedOn ? (
        <p className="muted small">
          Based on <code>{basedOn}</code>; relative paths in it (the trial command) resolve from its folder. Edits are saved with the sweep, not to this file.
        </p>
      ) : null}
      <div className={`editor${issues.length ? ' editor-invalid' : ''}`}>
        <div className="gutter" ref={gutter} aria-hidden="true">
          {Array.from({ length: lineCount }, (_, i) => (
            <div key={i} className={errorLines.has(i + 1) ? 'gutter-err' : undefined}>
              {i + 1}
            </div>
          ))}
        </div>
        <textarea
          ref={area}
          aria-label="HPO config (YAML)"
          aria-invalid={issues.length > 0}
          aria-describedby="config-status"
          spellCheck={false}
          value={text}
          onChange={(e) => setText(e.target.value)}
          onScroll={(e) => {
            if (gutter.current) gutter.current.scrollTop = e.currentTarget.scrollTop;
          }}
        />
      </div>
      <div id="config-status" className="config-status" role="status" aria-live="polite">
        {pending ? (
          <span className="muted">Checking…</span>
        ) : error ? (
          <span className="error-text">The config could not be checked: {String((error as Error).message)}</span>
        ) : result?.valid && result.summary ? (
          <span className="ok-text">
            ✓ Valid: {result.summary.experimentName} · study {result.summary.studyName} · {result.summary.maxTrials} trials · {result.summary.goal} {result.summary.metric}
          </span>
        ) : issues.length ? (
          <span className="error-text">
            {issues.length} {issues.length === 1 ? 'error' : 'errors'}: fix {issues.length === 1 ? 'it' : 'them'} to start.
          </span>
        ) : null}
      </div>
      {!pending && issues.length ? <IssueList issues={issues} onGo={goToLine} /> : null}
      <div className="actions">
        <button
          type="button"
          className="primary"
          disabled={!valid || start.isPending}
          onClick={() =>
            start.mutate(basedOn ? { configText: text, basedOn } : { configText: text }, {
              onSuccess: (s) => {
                // Saved with the sweep now: nothing left unsaved.
                clearDraft();
                setOriginal(text);
                navigate({ name: 'sweep', id: s.id });
              },
            })
          }
        >
          {start.isPending ? 'Starting…' : 'Start sweep'}
        </button>
        {dirty ? (
          <>
            <span className="muted small" aria-live="polite">
              Unsaved edits (kept while this tab is open)
            </span>
            <button type="button" onClick={discard}>
              Discard edits
            </button>
          </>
        ) : null}
      </div>
      {start.error ? <ErrorBox error={start.error} title="The sweep did not start" /> : null}
    </section>
  );
}
