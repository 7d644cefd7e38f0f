// Said at once when the page loses its host (stopped, restarted, the tunnel dropped): what it shows
// may be out of date until the banner goes. The page keeps trying, with a growing pause, and asks
// everything again once the host answers.
import { useEffect, useState } from 'react';
import { useHostConnection } from '../api/hostConnection.ts';

function secondsUntil(at: number | null, now: number): number | null {
  return at === null ? null : Math.max(0, Math.ceil((at - now) / 1000));
}

export function ConnectionBanner() {
  const { info, retryNow } = useHostConnection();
  const [now, setNow] = useState(() => Date.now());
  const waiting = info.state === 'disconnected' && info.nextRetryAt !== null;
  useEffect(() => {
    if (!waiting) return;
    const t = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(t);
  }, [waiting]);
  if (info.state !== 'disconnected') return null;
  const secs = secondsUntil(info.nextRetryAt, now);
  return (
    <div className="notice notice-error connection-banner" role="alert" data-testid="connection-banner">
      <strong>Disconnected from Sweepdeck — retrying…</strong>{' '}
      <span className="muted small">
        {info.reason ? `${info.reason}. ` : ''}
        {secs !== null && secs > 0 ? `Next try in ${secs} s. ` : ''}
        States shown may be out of date until it reconnects.
      </span>{' '}
      <button type="button" onClick={retryNow}>
        Retry now
      </button>
    </div>
  );
}
