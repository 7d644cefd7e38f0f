// Open a study in a PostgreSQL database by its URL, beside "Open study file". A password typed into
// the URL is sent once, kept by the app (encrypted by the OS, or in memory only, as the notice
// says), and the field is emptied; the list and every page show the URL without it.
import { useState } from 'react';
import { useSweepAction } from '../api/queries.ts';
import { navigate } from '../lib/router.ts';
import { ErrorBox } from './Notice.tsx';

export function OpenStudyUrl() {
  const open = useSweepAction('sweeps.openStudyUrl');
  const [url, setUrl] = useState('');
  const [studyName, setStudyName] = useState('');
  const [notice, setNotice] = useState<string | null>(null);
  return (
    <form
      className="inline-form row"
      aria-label="Open a study by URL"
      onSubmit={(e) => {
        e.preventDefault();
        if (!url.trim()) return;
        setNotice(null);
        open.mutate(studyName.trim() ? { url: url.trim(), studyName: studyName.trim() } : { url: url.trim() }, {
          onSuccess: (r) => {
            setUrl('');
            setStudyName('');
            setNotice(r.notice);
            const first = r.sweeps[0];
            if (r.sweeps.length === 1 && first && !r.notice) navigate({ name: 'sweep', id: first.id });
          },
        });
      }}
    >
      <label className="grow">
        PostgreSQL study URL
        <input
          type="text"
          value={url}
          onChange={(e) => setUrl(e.target.value)}
          placeholder="postgresql://user@host:5432/database"
          autoComplete="off"
          spellCheck={false}
        />
      </label>
      <label>
        Study name (optional)
        <input type="text" value={studyName} onChange={(e) => setStudyName(e.target.value)} placeholder="all studies" />
      </label>
      <button type="submit" disabled={!url.trim() || open.isPending}>
        {open.isPending ? 'Opening…' : 'Open study URL'}
      </button>
      <p className="muted small" style={{ flexBasis: '100%', margin: 0 }}>
        A password can be in the URL (kept encrypted by the OS), or come from PGPASSWORD or ~/.pgpass.
      </p>
      {notice ? (
        <p className="notice notice-warn" role="status">
          {notice}
        </p>
      ) : null}
      {open.error ? <ErrorBox error={open.error} title="The study could not be opened" /> : null}
    </form>
  );
}
