// Which PostgreSQL failures mean "the connection or the server went away, try again later" and
// which mean "this statement is wrong". Decided by SQLSTATE (the server's code) and by Node's errno
// (the socket's), never by matching a statement's own error text, except for node-postgres's few
// connection errors that carry no code at all.

/** Socket-level errno codes of a lost or refused connection. */
const LOST_ERRNO = new Set(['ECONNREFUSED', 'ECONNRESET', 'ECONNABORTED', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENETDOWN', 'EAI_AGAIN']);

/**
 * SQLSTATEs of a server that is going away, restarting or full. Class 08 is "connection exception";
 * 57P01..57P03 are admin shutdown, crash shutdown and "cannot connect now" (starting up or shutting
 * down); 53300 is too_many_connections, which passes when other clients leave.
 */
const LOST_SQLSTATE = new Set(['57P01', '57P02', '57P03', '53300']);

/** Deadlock and serialization failure: the server rolled the transaction back, so it can run again. */
export const ROLLED_BACK_SQLSTATE = new Set(['40P01', '40001']);

/** node-postgres's own connection errors, which have no code (pg/lib/client.js, pg-pool/index.js). */
const PG_CONNECTION_MESSAGES = /^(Connection terminated( unexpectedly| due to connection timeout)?|timeout exceeded when trying to connect|Client has encountered a connection error and is not queryable)$/;

function codeOf(e: unknown): string {
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : '';
}

/** The errno codes that mean nothing answers at the host and port (used for the open's message). */
export const UNREACHABLE_ERRNO = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'ETIMEDOUT', 'EAI_AGAIN', 'ECONNRESET', 'EPIPE']);

/**
 * True when the error says the connection was lost or the server cannot take it right now (a
 * restart, a pause that outlasted the connect timeout, a failover): worth waiting and reconnecting.
 * False for SQL errors (a constraint, a syntax error, a refused password), which would fail again.
 */
export function isConnectionLoss(e: unknown): boolean {
  if (!(e instanceof Error)) return false;
  const code = codeOf(e);
  if (code) return LOST_ERRNO.has(code) || LOST_SQLSTATE.has(code) || code.startsWith('08');
  if (PG_CONNECTION_MESSAGES.test(e.message)) return true;
  // pg-pool wraps the socket error of a timed-out connect as the cause.
  return e.cause !== undefined && e.cause !== e && isConnectionLoss(e.cause);
}

/** True when the server refused TLS (sslmode=prefer then falls back to plain text, as libpq does). */
export function isServerWithoutTls(e: unknown): boolean {
  return e instanceof Error && !codeOf(e) && e.message === 'The server does not support SSL connections';
}

/** Node's TLS verification codes (a certificate the CA did not sign, a name that does not match). */
export function isTlsVerificationError(e: unknown): boolean {
  const code = codeOf(e);
  return (
    code === 'ERR_TLS_CERT_ALTNAME_INVALID' ||
    /^(SELF_SIGNED_CERT_IN_CHAIN|DEPTH_ZERO_SELF_SIGNED_CERT|UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER_CERT(_LOCALLY)?|CERT_(HAS_EXPIRED|NOT_YET_VALID|UNTRUSTED|REJECTED|SIGNATURE_FAILURE)|HOSTNAME_MISMATCH)$/.test(code)
  );
}
