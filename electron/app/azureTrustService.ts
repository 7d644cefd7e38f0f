// Extra root certificates imported in Settings (a corporate TLS-inspecting proxy's root). The PEM is
// copied into the data folder (azure/imported-roots.pem, mode 0600) rather than remembered as a path:
// the import keeps working when the original in Downloads is moved or deleted, and what is trusted
// is exactly what was checked at import time. Certificates are public, so nothing here is secret.
// The imported roots add to SWEEPDECK_AZURE_CA_FILE and the CA the app was given; they never replace them.
import { X509Certificate } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { ChannelOutput } from '../../shared/contract.ts';
import { readCaFile } from '../core/azure/tlsAdvice.ts';
import { AppFault } from './appError.ts';
import { existingFile } from './pathInput.ts';

type TrustInfo = ChannelOutput<'azure.trust.get'>;

/** A PEM bundle far larger than this is not a set of root certificates. */
const MAX_PEM_BYTES = 1024 * 1024;
const BLOCK = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g;

export interface AzureTrustOptions {
  dataDir: string;
  env: NodeJS.ProcessEnv;
  /** The CA the app was started with (tests, embedders); kept beside the imported one. */
  baseCa?: string;
  /** Called after an import or removal so cached connections are rebuilt with the new roots. */
  onChanged?: () => void;
}

/** Each CERTIFICATE block of `pem`, parsed; a fault naming `file` when there is none or one is bad. */
export function parseCertificates(pem: string, file: string): X509Certificate[] {
  const blocks = pem.match(BLOCK) ?? [];
  if (blocks.length === 0) {
    throw new AppFault('INVALID_INPUT', `${file} holds no PEM certificate (no -----BEGIN CERTIFICATE----- ... -----END CERTIFICATE----- block); export your organisation's root certificate as Base-64 PEM and import that file.`);
  }
  return blocks.map((block, i) => {
    try {
      return new X509Certificate(block);
    } catch (err) {
      throw new AppFault('INVALID_INPUT', `${file}: certificate ${i + 1} of ${blocks.length} cannot be parsed (${(err as Error).message}); export the root certificate again as Base-64 PEM.`);
    }
  });
}

export class AzureTrustService {
  constructor(private readonly o: AzureTrustOptions) {}

  private get file(): string {
    return path.join(this.o.dataDir, 'azure', 'imported-roots.pem');
  }

  private imported(): string | undefined {
    try {
      return readFileSync(this.file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
  }

  /** Every extra root for Azure calls: the app's own CA, SWEEPDECK_AZURE_CA_FILE, then the import.
   * Read at each call, so an import takes effect without a restart. */
  ca(): string | undefined {
    const parts = [this.o.baseCa, readCaFile(this.o.env.SWEEPDECK_AZURE_CA_FILE), this.imported()].filter((p): p is string => !!p?.trim());
    return parts.length > 0 ? parts.join('\n') : undefined;
  }

  get(): TrustInfo {
    const pem = this.imported();
    if (pem === undefined) return { file: null, certificates: [] };
    const certs = parseCertificates(pem, this.file);
    return {
      file: this.file,
      certificates: certs.map((c) => ({ subject: c.subject.replace(/\n/g, ', '), issuer: c.issuer.replace(/\n/g, ', '), validTo: new Date(c.validTo).toISOString(), fingerprint256: c.fingerprint256 })),
    };
  }

  /** Checks `source` and copies it into the data folder, replacing an earlier import. */
  import(source: string): TrustInfo {
    const abs = existingFile(source, 'The root certificate file', 'e.g. corporate-root.pem');
    const size = statSync(abs).size;
    if (size > MAX_PEM_BYTES) throw new AppFault('INVALID_INPUT', `${abs} is ${size} bytes, far more than a PEM of root certificates; check that this is the right file.`);
    const pem = readFileSync(abs, 'utf8');
    parseCertificates(pem, abs);
    mkdirSync(path.dirname(this.file), { recursive: true });
    // Written beside and renamed, so a crash leaves the old import or the new one, never half.
    const tmp = `${this.file}.tmp`;
    // A leftover from a crash is removed first: the mode below applies only to a new file.
    rmSync(tmp, { force: true });
    writeFileSync(tmp, pem, { mode: 0o600 });
    renameSync(tmp, this.file);
    this.o.onChanged?.();
    return this.get();
  }

  remove(): TrustInfo {
    rmSync(this.file, { force: true });
    this.o.onChanged?.();
    return this.get();
  }
}
