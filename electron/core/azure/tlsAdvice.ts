// TLS failures a person can act on: which host's certificate was not trusted, the likely cause
// (a TLS-inspecting proxy or firewall), and what to do (add the organisation's root certificate).
import fs from 'node:fs';
import { AzureSetupError } from './azureErrors.ts';

const UNTRUSTED = new Set([
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
]);

/** A sentence for a TLS error code, or undefined when the code is not about certificates. */
export function tlsAdvice(code: string | undefined, host: string): string | undefined {
  if (!code) return undefined;
  if (UNTRUSTED.has(code)) {
    return `the TLS certificate of ${host} is not trusted (${code}); a proxy or firewall is probably inspecting TLS. Add your organisation's root certificate: set NODE_EXTRA_CA_CERTS=/path/to/root.pem (or SWEEPDECK_AZURE_CA_FILE, or import the PEM in Settings), then try again`;
  }
  if (code === 'CERT_HAS_EXPIRED' || code === 'CERT_NOT_YET_VALID') {
    return `the TLS certificate of ${host} is not valid now (${code}); check this machine's clock, or ask whoever runs the proxy in between`;
  }
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID' || code === 'HOSTNAME_MISMATCH') {
    return `the TLS certificate presented for ${host} is for another name (${code}); a proxy or a wrong endpoint override (SWEEPDECK_AZURE_*) is in between`;
  }
  return undefined;
}

/**
 * The extra root certificate(s) from a PEM file (Settings' imported PEM, SWEEPDECK_AZURE_CA_FILE),
 * or undefined when no file is named. A missing or non-PEM file is an error naming it.
 */
export function readCaFile(file: string | undefined, what = 'SWEEPDECK_AZURE_CA_FILE'): string | undefined {
  if (!file?.trim()) return undefined;
  let pem: string;
  try {
    pem = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new AzureSetupError('NOT_CONFIGURED', `${what} names ${file}, which cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'}); give the path of a PEM root certificate`);
  }
  if (!/-----BEGIN CERTIFICATE-----/.test(pem)) {
    throw new AzureSetupError('NOT_CONFIGURED', `${what} names ${file}, which holds no PEM certificate (no -----BEGIN CERTIFICATE----- line); export the root certificate as Base-64 PEM`);
  }
  return pem;
}
