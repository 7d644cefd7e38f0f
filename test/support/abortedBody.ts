// A client that starts a POST, sends part of its body and hangs up: what a dropped connection or a
// hostile slow client does to a loopback server.
import { connect } from 'node:net';

/** Sends the request line and headers with `Expect: 100-continue`, waits for the server's
 * `100 Continue` (so the server's handler has the request), writes a few body bytes of the 1000
 * announced, then destroys the socket. */
export function abortedBody(port: number, path: string, headers: Record<string, string>): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const head = [`POST ${path} HTTP/1.1`, `host: 127.0.0.1:${port}`, 'content-type: application/json', 'content-length: 1000', 'expect: 100-continue', ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`)];
    let seen = '';
    let sent = false;
    socket.setEncoding('utf8');
    socket.on('error', reject);
    socket.on('data', (d: string) => {
      if (sent) return;
      seen += d;
      if (!seen.includes('\r\n\r\n')) return;
      sent = true;
      if (!seen.startsWith('HTTP/1.1 100')) {
        socket.destroy();
        reject(new Error(`expected 100 Continue, got ${JSON.stringify(seen.slice(0, 80))}`));
        return;
      }
      socket.write('{"experiment_id": "0", ', () => {
        socket.destroy();
        resolve();
      });
    });
    socket.write(`${head.join('\r\n')}\r\n\r\n`);
  });
}
