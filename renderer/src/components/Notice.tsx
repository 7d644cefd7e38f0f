// Errors say what happened and what to do; empty states say what to do next.
import type { ReactNode } from 'react';
import { errorCode, errorText } from '../lib/format.ts';

const HINT: Record<string, string> = {
  TRANSPORT: 'The Sweepdeck service did not answer. Check that the app (or `sweepdeck serve`) is still running, then reload.',
  FORBIDDEN: 'The page lost its token. Open the exact URL that `sweepdeck serve` printed.',
  STORE_UNAVAILABLE: 'The tracking store cannot be reached. Check the network or the store settings; local stores keep working.',
  NOT_AVAILABLE: '',
};

export function ErrorBox({ error, title = 'Something went wrong', onRetry }: { error: unknown; title?: string; onRetry?: () => void }) {
  const code = errorCode(error);
  const hint = code ? HINT[code] : undefined;
  return (
    <div className="notice notice-error" role="alert">
      <strong>{title}</strong>
      <p>{errorText(error)}</p>
      {hint ? <p className="muted">{hint}</p> : null}
      {onRetry ? (
        <button type="button" onClick={onRetry}>
          Try again
        </button>
      ) : null}
    </div>
  );
}

export function EmptyState({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <div className="empty">
      <h3>{title}</h3>
      {children}
    </div>
  );
}

export function Loading({ what }: { what: string }) {
  return (
    <div className="loading" role="status" aria-live="polite">
      <span className="spinner" aria-hidden="true" /> Loading {what}…
    </div>
  );
}
