// Why Azure tracking could not be used, as a code the UI/CLI can switch on plus a message a
// person can act on. Messages pass through redact() so no secret or token ever reaches a log.

export const SETUP_REASON_CODES = [
  'NOT_CONFIGURED',
  'NO_CREDENTIAL',
  'TOKEN_REFUSED',
  'WORKSPACE_NOT_FOUND',
  'NETWORK',
  'TIMEOUT',
  'ENDPOINT_FAILING',
] as const;
export type SetupReasonCode = (typeof SETUP_REASON_CODES)[number];

export class AzureSetupError extends Error {
  constructor(
    readonly reasonCode: SetupReasonCode,
    message: string,
    /** HTTP status of the failing answer, when there was one. */
    readonly httpStatus?: number,
  ) {
    super(message);
    this.name = 'AzureSetupError';
  }
}

const SECRET_PATTERNS: RegExp[] = [
  // JWTs (access tokens, client assertions).
  /eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*/g,
  /(bearer\s+)[^\s"',;]+/gi,
  /(client_secret=)[^&\s"']+/gi,
  /("?(?:client_secret|access_token|refresh_token)"?\s*[:=]\s*"?)[^"&\s,}]+/gi,
];

/** Removes the given secrets and anything shaped like a token or secret from text. */
export function redact(text: string, secrets: readonly (string | undefined)[] = []): string {
  let out = text;
  for (const s of secrets) {
    // Very short values would blank out ordinary words; real secrets are long.
    if (!s || s.length < 6) continue;
    // Also the form-encoded spelling, as it would appear in a logged request body.
    const formEncoded = new URLSearchParams({ s }).toString().slice(2);
    for (const form of new Set([s, encodeURIComponent(s), formEncoded])) out = out.split(form).join('[redacted]');
  }
  for (const re of SECRET_PATTERNS) {
    out = out.replace(re, (_m: string, keep?: string) => (typeof keep === 'string' ? `${keep}[redacted]` : '[redacted]'));
  }
  return out;
}
