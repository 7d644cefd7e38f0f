// A fetch that goes through our own HTTP transport, so a REST store under test trusts a double's CA
// in this process (Node's fetch would need the CA in its global options).
import { sendRequest } from '../../electron/core/azure/httpTransport.ts';

export function transportFetch(caPem: string): typeof fetch {
  return async (input, init) => {
    const headers: Record<string, string> = {};
    new Headers(init?.headers).forEach((v, k) => (headers[k] = v));
    const res = await sendRequest(
      { method: (init?.method ?? 'GET') as 'GET', url: String(input), headers, ...(typeof init?.body === 'string' ? { body: init.body } : {}) },
      { timeoutMs: 5_000, ca: caPem },
    );
    return new Response(res.body, { status: res.status, headers: res.headers });
  };
}
