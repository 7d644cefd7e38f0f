// Stand-ins for the command-line tools the credential chain runs, written into a temp folder that
// becomes the whole PATH of the process under test (so no real `az`, `azd`, `pwsh` or
// `secret-tool` of the developer's machine is ever reached). Each is a small Node script.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface StandInBin {
  dir: string;
  /** PATH value: only this folder. */
  path: string;
  /** Argument lists the `az` stand-in was called with. */
  azCalls(): string[][];
  /** Sets what `az account get-access-token` answers: a token, or "not logged in". */
  setAzToken(t: { accessToken: string; expiresOnEpoch: number; tenant: string; subscription: string } | 'logged-out'): void;
  /** Adds a `secret-tool` stand-in keeping secrets in a file of the temp folder (a fake keyring). */
  addSecretTool(): void;
  remove(): void;
}

export function makeStandInBin(): StandInBin {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'standin-bin-'));
  const state = path.join(dir, '.az-token.json');
  const log = path.join(dir, '.az-calls.jsonl');
  fs.writeFileSync(state, JSON.stringify('logged-out'));
  // Azure CLI 2.54+ prints these fields for `az account get-access-token --output json`.
  const az = `#!${process.execPath}
const fs = require('node:fs');
const args = process.argv.slice(2);
fs.appendFileSync(${JSON.stringify(log)}, JSON.stringify(args) + '\\n');
if (args[0] !== 'account' || args[1] !== 'get-access-token') { process.stderr.write('ERROR: stand-in az only knows account get-access-token\\n'); process.exit(2); }
const t = JSON.parse(fs.readFileSync(${JSON.stringify(state)}, 'utf8'));
if (t === 'logged-out') { process.stderr.write("ERROR: Please run 'az login' to setup account.\\n"); process.exit(1); }
const d = new Date(t.expiresOnEpoch * 1000);
const p = (n) => String(n).padStart(2, '0');
const local = d.getFullYear() + '-' + p(d.getMonth() + 1) + '-' + p(d.getDate()) + ' ' + p(d.getHours()) + ':' + p(d.getMinutes()) + ':' + p(d.getSeconds()) + '.000000';
process.stdout.write(JSON.stringify({ accessToken: t.accessToken, expiresOn: local, expires_on: t.expiresOnEpoch, subscription: t.subscription, tenant: t.tenant, tokenType: 'Bearer' }, null, 2) + '\\n');
`;
  fs.writeFileSync(path.join(dir, 'az'), az, { mode: 0o755 });
  return {
    dir,
    path: dir,
    azCalls: () =>
      fs.existsSync(log)
        ? fs
            .readFileSync(log, 'utf8')
            .split('\n')
            .filter(Boolean)
            .map((l) => JSON.parse(l) as string[])
        : [],
    setAzToken: (t) => fs.writeFileSync(state, JSON.stringify(t)),
    addSecretTool: () => {
      const store = path.join(dir, '.keyring.json');
      // secret-tool store/lookup/clear with attribute pairs; the secret comes on stdin.
      const tool = `#!${process.execPath}
const fs = require('node:fs');
const [cmd, ...rest] = process.argv.slice(2);
const attrs = rest.filter((a) => !a.startsWith('--')).join('|');
const db = fs.existsSync(${JSON.stringify(store)}) ? JSON.parse(fs.readFileSync(${JSON.stringify(store)}, 'utf8')) : {};
if (cmd === 'lookup') { if (db[attrs] === undefined) process.exit(1); process.stdout.write(db[attrs]); process.exit(0); }
if (cmd === 'clear') { delete db[attrs]; fs.writeFileSync(${JSON.stringify(store)}, JSON.stringify(db)); process.exit(0); }
if (cmd === 'store') { let s = ''; process.stdin.on('data', (c) => (s += c)); process.stdin.on('end', () => { db[attrs] = s; fs.writeFileSync(${JSON.stringify(store)}, JSON.stringify(db)); }); return; }
process.exit(2);
`;
      fs.writeFileSync(path.join(dir, 'secret-tool'), tool, { mode: 0o755 });
    },
    remove: () => fs.rmSync(dir, { recursive: true, force: true }),
  };
}
