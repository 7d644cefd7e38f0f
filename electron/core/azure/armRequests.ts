// Azure Resource Manager JSON calls for discovery (tenants, subscriptions, workspace lists,
// Resource Graph): a bearer token from the caller's credential, a deadline per request, a few
// requests in flight at most, 429 retried after Retry-After (else backoff with jitter), and
// nextLink paging that never sends the token to another host.
import type { TokenCredential } from '@azure/core-auth';
import { retryAfterMs } from '../tracking/restStore.ts';
import { redact } from './azureErrors.ts';
import { ARM_SCOPE, DEFAULT_ARM_ENDPOINT, DEFAULT_TIMEOUT_MS } from './endpoints.ts';
import { TransportError, safeUrl, sendRequest } from './httpTransport.ts';

export interface ArmClientOptions {
  /** ARM endpoint; default public cloud. */
  armEndpoint?: string;
  /** Scope asked of the credential; default https://management.azure.com/.default. */
  scope?: string;
  /** Deadline per HTTP request, ms. */
  timeoutMs?: number;
  /** Extra trusted CA (PEM). */
  ca?: string;
  /** Requests in flight at most; default 4. */
  concurrency?: number;
  /** Retries of 429 / 5xx per request; default 3. */
  maxRetries?: number;
  /** Longest wait honoured from a Retry-After, ms; default 30 s (a longer ask fails the call). */
  maxRetryWaitMs?: number;
  /** How to wait before a retry; injectable so tests can see the delay asked for. */
  wait?: (ms: number) => Promise<void>;
}

/** ARM (or the token endpoint) answered no. needsSignIn: a person must sign in again (MFA,
 * consent, a claims challenge); the UI offers "Sign in" instead of an error. */
export class ArmRequestError extends Error {
  constructor(
    message: string,
    readonly status: number | undefined,
    readonly code: string | undefined,
    readonly needsSignIn = false,
  ) {
    super(message);
    this.name = 'ArmRequestError';
  }
}

// AADSTS codes for "the user must interact": MFA required (50076, 50079), re-authentication or
// sign-in frequency (50158, 50173, 50133), consent (65001), conditional access (53003 is a block,
// not listed). Names are @azure/identity's and msal's error names/codes for the same.
const INTERACTION_PATTERNS = [/interaction_required/i, /login_required/i, /consent_required/i, /insufficient_claims/i, /AADSTS(50076|50079|50158|50173|50133|65001)\b/];
const INTERACTION_ERROR_NAMES = new Set(['AuthenticationRequiredError', 'InteractionRequiredAuthError']);

/** True when the error says a person has to sign in (again) for this tenant. */
export function needsInteraction(err: unknown): boolean {
  for (let cur: unknown = err, i = 0; cur && i < 5; cur = (cur as { cause?: unknown }).cause, i++) {
    if (!(cur instanceof Error)) continue;
    if (INTERACTION_ERROR_NAMES.has(cur.name)) return true;
    const code = (cur as { errorCode?: unknown }).errorCode;
    const text = `${typeof code === 'string' ? code : ''} ${cur.message}`;
    if (INTERACTION_PATTERNS.some((re) => re.test(text))) return true;
  }
  return false;
}

export class ArmClient {
  readonly armEndpoint: string;
  private readonly scope: string;
  private readonly timeoutMs: number;
  private readonly maxRetries: number;
  private readonly maxRetryWaitMs: number;
  private readonly wait: (ms: number) => Promise<void>;
  private readonly limit: <T>(fn: () => Promise<T>) => Promise<T>;

  constructor(private readonly o: ArmClientOptions = {}) {
    this.armEndpoint = (o.armEndpoint ?? DEFAULT_ARM_ENDPOINT).replace(/\/+$/, '');
    this.scope = o.scope ?? ARM_SCOPE;
    this.timeoutMs = o.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.maxRetries = o.maxRetries ?? 3;
    this.maxRetryWaitMs = o.maxRetryWaitMs ?? 30_000;
    this.wait = o.wait ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.limit = limiter(Math.max(1, o.concurrency ?? 4));
  }

  /** Every item of a paged ARM list (`value` + `nextLink`). */
  async listAll<T>(credential: TokenCredential, pathAndQuery: string): Promise<T[]> {
    const out: T[] = [];
    let url: string | undefined = this.url(pathAndQuery);
    // A runaway nextLink loop (same link again) would never end; ARM lists here are small.
    for (let pages = 0; url; pages++) {
      if (pages >= 1000) throw new ArmRequestError(`ARM paging at ${safeUrl(url)} did not end after 1000 pages`, undefined, undefined);
      const page: { value?: T[]; nextLink?: string | null } = await this.json(credential, 'GET', url);
      out.push(...(page.value ?? []));
      url = page.nextLink ? this.checkedNextLink(page.nextLink) : undefined;
    }
    return out;
  }

  /** One JSON request (GET, or POST with a JSON body), with the retries described above. */
  async json<T>(credential: TokenCredential, method: 'GET' | 'POST', urlOrPath: string, body?: unknown): Promise<T> {
    const url = urlOrPath.startsWith('/') ? this.url(urlOrPath) : urlOrPath;
    for (let attempt = 0; ; attempt++) {
      const res = await this.limit(async () => {
        const token = await this.token(credential);
        try {
          return await sendRequest(
            {
              method,
              url,
              headers: {
                accept: 'application/json',
                authorization: `Bearer ${token}`,
                ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
              },
              ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
            },
            { timeoutMs: this.timeoutMs, ca: this.o.ca },
          );
        } catch (err) {
          if (err instanceof TransportError) throw new ArmRequestError(`could not reach Azure Resource Manager: ${err.message}`, undefined, err.kind);
          throw err;
        }
      });
      if (res.status >= 200 && res.status < 300) {
        try {
          return JSON.parse(res.body || '{}') as T;
        } catch {
          throw new ArmRequestError(`${safeUrl(url)} answered HTTP ${res.status} with a body that is not JSON`, res.status, undefined);
        }
      }
      const retryable = res.status === 429 || res.status >= 500;
      if (retryable && attempt < this.maxRetries) {
        const asked = retryAfterMs(res.headers['retry-after'] ?? null);
        if (asked !== undefined && asked > this.maxRetryWaitMs) {
          throw new ArmRequestError(`${safeUrl(url)} is throttling (HTTP ${res.status}) and asks to wait ${Math.round(asked / 1000)} s; try again later`, res.status, 'TooManyRequests');
        }
        await this.wait(asked ?? backoffMs(attempt));
        continue;
      }
      throw armError(url, res.status, res.headers['www-authenticate'], res.body);
    }
  }

  private async token(credential: TokenCredential): Promise<string> {
    let t;
    try {
      t = await credential.getToken(this.scope);
    } catch (err) {
      const msg = redact(err instanceof Error ? err.message : String(err));
      throw new ArmRequestError(`getting a token for Azure Resource Manager failed: ${msg}`, undefined, 'TOKEN', needsInteraction(err));
    }
    if (!t?.token) throw new ArmRequestError('the credential returned no token for Azure Resource Manager', undefined, 'TOKEN');
    return t.token;
  }

  private url(pathAndQuery: string): string {
    return `${this.armEndpoint}${pathAndQuery}`;
  }

  /** nextLink must stay on the ARM host: the bearer token goes with it. */
  private checkedNextLink(link: string): string {
    let u: URL;
    try {
      u = new URL(link, `${this.armEndpoint}/`);
    } catch {
      throw new ArmRequestError(`ARM returned a nextLink that is not a URL: '${link.slice(0, 200)}'`, undefined, undefined);
    }
    if (u.origin !== new URL(this.armEndpoint).origin) {
      throw new ArmRequestError(`ARM returned a nextLink on another host (${u.host}); not following it with the token`, undefined, undefined);
    }
    return u.href;
  }
}

function armError(url: string, status: number, wwwAuthenticate: string | undefined, body: string): ArmRequestError {
  let code: string | undefined;
  let message: string | undefined;
  try {
    const parsed = JSON.parse(body) as { error?: { code?: unknown; message?: unknown } };
    if (typeof parsed.error?.code === 'string') code = parsed.error.code;
    if (typeof parsed.error?.message === 'string') message = parsed.error.message;
  } catch {
    // A proxy's HTML page: the status says enough.
  }
  const claims = status === 401 && /insufficient_claims/i.test(wwwAuthenticate ?? '');
  const detail = redact(`${safeUrl(url)} answered HTTP ${status}${code ? ` ${code}` : ''}${message ? `: ${message.slice(0, 300)}` : ''}`);
  return new ArmRequestError(detail, status, code, claims);
}

/** 0.5 s, 1 s, 2 s ... with up to 50% jitter, capped at 8 s. */
function backoffMs(attempt: number): number {
  const base = Math.min(8000, 500 * 2 ** attempt);
  return Math.round(base * (0.5 + Math.random() * 0.5));
}

/** At most n of the given functions run at once; the rest wait in order. */
export function limiter(n: number): <T>(fn: () => Promise<T>) => Promise<T> {
  let active = 0;
  const queue: (() => void)[] = [];
  const next = (): void => {
    if (active >= n) return;
    const go = queue.shift();
    if (go) {
      active++;
      go();
    }
  };
  return <T>(fn: () => Promise<T>): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      queue.push(() => {
        fn()
          .then(resolve, reject)
          .finally(() => {
            active--;
            next();
          });
      });
      next();
    });
}
