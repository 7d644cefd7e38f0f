// Settings' "Trusted root certificates": import (or replace) a PEM of extra roots for Azure, e.g. the
// root of a proxy that inspects TLS, see the certificates with their expiry, remove them. The main
// process checks the file and keeps its own copy; this panel only sends the path.
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import type { ChannelOutput } from '../../../shared/contract.ts';
import { useClient } from '../api/clientContext.tsx';
import { useChannel } from '../api/queries.ts';
import { ErrorBox, Loading } from './Notice.tsx';

export const trustKey = ['azure.trust.get'] as const;

type TrustInfo = ChannelOutput<'azure.trust.get'>;

function Certificates({ info }: { info: TrustInfo }) {
  if (!info.file) return <p className="muted">None imported. Azure calls trust the system&apos;s roots, NODE_EXTRA_CA_CERTS and SWEEPDECK_AZURE_CA_FILE.</p>;
  const now = Date.now();
  return (
    <>
      <p className="muted small path" title={info.file}>
        Kept in {info.file}
      </p>
      <ul className="store-list" aria-label="Imported root certificates">
        {info.certificates.map((c) => {
          const expired = Date.parse(c.validTo) < now;
          return (
            <li key={c.fingerprint256} data-testid="trusted-root">
              <div className="grow">
                <strong>{c.subject}</strong>
                <div className={expired ? 'warn-text small' : 'muted small'}>
                  {expired ? 'Expired' : 'Valid until'} {c.validTo.slice(0, 10)} · issued by {c.issuer}
                </div>
              </div>
            </li>
          );
        })}
      </ul>
    </>
  );
}

export function TrustedRootsPanel() {
  const client = useClient();
  const qc = useQueryClient();
  const info = useChannel(trustKey, 'azure.trust.get', {});
  const [file, setFile] = useState('');
  const after = (next: TrustInfo) => {
    qc.setQueryData(trustKey, next);
    // New roots change what every Azure answer can be: ask again.
    void qc.invalidateQueries({ predicate: (q) => q.queryKey[0] !== trustKey[0] });
  };
  const importPem = useMutation({ mutationFn: (p: string) => client.get('azure.trust.import', { path: p }), onSuccess: (next) => { setFile(''); after(next); } });
  const remove = useMutation({ mutationFn: () => client.get('azure.trust.remove', {}), onSuccess: after });
  return (
    <section className="card" aria-labelledby="trust-h" data-testid="trusted-roots">
      <h2 className="card-h" id="trust-h">
        Trusted root certificates
      </h2>
      <p className="muted small">For a proxy or firewall that inspects TLS: your organisation&apos;s root certificate(s), as a Base-64 PEM file. They are added to the roots Azure calls trust, at once.</p>
      {info.isPending ? <Loading what="the imported certificates" /> : null}
      {info.isError ? <ErrorBox error={info.error} title="The imported certificates could not be read" onRetry={() => void info.refetch()} /> : null}
      {info.data ? <Certificates info={info.data} /> : null}
      <form
        className="row"
        onSubmit={(e) => {
          e.preventDefault();
          if (file.trim()) importPem.mutate(file.trim());
        }}
      >
        <label className="grow">
          PEM file (absolute path)
          <input type="text" value={file} onChange={(e) => setFile(e.target.value)} placeholder="/home/you/corporate-root.pem" autoComplete="off" />
        </label>
        <button type="submit" disabled={!file.trim() || importPem.isPending}>
          {info.data?.file ? 'Replace' : 'Import'}
        </button>
        {info.data?.file ? (
          <button type="button" onClick={() => remove.mutate()} disabled={remove.isPending}>
            Remove
          </button>
        ) : null}
      </form>
      {importPem.error ? <ErrorBox error={importPem.error} title="The certificate file was not imported" /> : null}
      {remove.error ? <ErrorBox error={remove.error} title="The imported certificates were not removed" /> : null}
    </section>
  );
}
