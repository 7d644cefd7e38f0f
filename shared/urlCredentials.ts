// A user name or password inside a URL (https://user:pass@host/): Sweepdeck refuses to keep one,
// since it would sit in plain text in the app's files and come back in replies and logs.

/** True when `text` parses as a URL with a user name or password in it. */
export function hasUrlCredentials(text: string): boolean {
  try {
    const u = new URL(text);
    return u.username !== '' || u.password !== '';
  } catch {
    return false;
  }
}

/** The URL without its user name and password (unchanged when it has none or does not parse). */
export function withoutUrlCredentials(text: string): string {
  if (!hasUrlCredentials(text)) return text;
  const u = new URL(text);
  u.username = '';
  u.password = '';
  return u.toString();
}

/** What to do instead, for messages about a refused URL. */
export const URL_CREDENTIALS_ADVICE =
  'a user name or password inside the URL is not accepted (it would be kept in plain text in settings and shown in replies and logs): remove the "user:password@" part, and for a server that needs sign-in start Sweepdeck with MLFLOW_TRACKING_TOKEN set (sent as a bearer token)';
