// A live tail of one trial's output: the file's tail first, then the lines the runner streams as
// events (appended to the same React Query cache entry by useLiveEvents).
import { useEffect, useRef, useState } from 'react';
import { keys, useChannel } from '../api/queries.ts';
import { useFirstViewDrawn } from '../lib/firstView.ts';
import { ErrorBox } from './Notice.tsx';

export function LogTail({ sweepId, trialNumber, live }: { sweepId: string; trialNumber: number; live: boolean }) {
  const [stream, setStream] = useState<'stdout' | 'stderr'>('stdout');
  const log = useChannel(keys.trialLog(sweepId, trialNumber, stream), 'sweeps.trialLog', { id: sweepId, trialNumber, stream, maxBytes: 64_000 }, { staleTime: live ? Infinity : 0, enabled: useFirstViewDrawn() });
  const pre = useRef<HTMLPreElement>(null);
  const [follow, setFollow] = useState(true);

  useEffect(() => {
    const el = pre.current;
    if (el && follow) el.scrollTop = el.scrollHeight;
  }, [log.data?.text, follow]);

  return (
    <div className="logtail">
      <div className="logtail-bar">
        <div role="group" aria-label="Log stream" className="seg">
          {(['stdout', 'stderr'] as const).map((s) => (
            <button key={s} type="button" aria-pressed={stream === s} onClick={() => setStream(s)}>
              {s}
            </button>
          ))}
        </div>
        <label className="check">
          <input type="checkbox" checked={follow} onChange={(e) => setFollow(e.target.checked)} /> Follow
        </label>
        {log.data?.path ? (
          <code className="muted small path" title={log.data.path}>
            {log.data.path}
          </code>
        ) : null}
      </div>
      {log.isError ? (
        <ErrorBox error={log.error} title={`The log of trial ${trialNumber} could not be read`} onRetry={() => void log.refetch()} />
      ) : (
        <pre ref={pre} className="log" role="log" aria-label={`Log of trial ${trialNumber} (${stream})`} aria-live="off" tabIndex={0}>
          {log.data?.truncated ? '… (earlier output cut)\n' : ''}
          {log.data ? log.data.text || (live ? 'Waiting for output…' : 'This trial printed nothing here.') : 'Loading…'}
        </pre>
      )}
    </div>
  );
}
