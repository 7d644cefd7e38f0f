// Two rules every CLI command follows, checked over the whole command tree and on the one place
// the CLI starts another program on the user's behalf (the browser for sign-in):
// - stored or remote text reaches the terminal only through terminalText (control characters made
//   visible), so no command module writes with console.log/console.error itself;
// - the browser opener gets none of the app's credentials (the trial environment policy).
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync, chmodSync, existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { printAndOpen } from '../../electron/cli/commands/azureCli.ts';
import { REPO_ROOT } from '../support/peers.ts';
import { until } from '../support/until.ts';

const work = mkdtempSync(path.join(os.tmpdir(), 'cli-policy-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('CLI output policy', () => {
  it('no command module prints with console.log or console.error directly', () => {
    const dir = path.join(REPO_ROOT, 'electron/cli/commands');
    const offenders = readdirSync(dir)
      .filter((f) => f.endsWith('.ts'))
      .flatMap((f) =>
        readFileSync(path.join(dir, f), 'utf8')
          .split('\n')
          .map((line, i) => ({ where: `${f}:${i + 1}`, line }))
          .filter(({ line }) => /\bconsole\.(log|error)\(/.test(line)),
      )
      .map((o) => o.where);
    expect(offenders).toEqual([]);
  });

  it('the sign-in browser opener is started without the app credentials', async () => {
    const dump = path.join(work, 'opener-env.json');
    const opener = path.join(work, 'opener.sh');
    writeFileSync(opener, `#!/bin/sh\nenv > '${dump}.tmp' && mv '${dump}.tmp' '${dump}'\n`);
    chmodSync(opener, 0o755);
    await printAndOpen('https://127.0.0.1:9/authorize', {
      PATH: process.env.PATH ?? '',
      BROWSER: opener,
      AZURE_CLIENT_SECRET: 'sp-secret-value',
      MLFLOW_TRACKING_TOKEN: 'tracking-token-value',
      SWEEPDECK_HOST_TOKEN: 'host-token-value',
      KEEP_ME: 'visible',
    });
    await until('the opener to write its environment', async () => existsSync(dump));
    const seen = readFileSync(dump, 'utf8');
    expect(seen).toContain('KEEP_ME=visible');
    expect(seen).not.toMatch(/sp-secret-value|tracking-token-value|host-token-value/);
  });
});
