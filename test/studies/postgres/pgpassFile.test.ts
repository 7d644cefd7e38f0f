// The libpq password file as libpq documents it (the real server's side is in badInput.test.ts):
// fields, wildcards, escapes, first match, comments, and the permission rule.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lookupPgpass, pgpassPath } from '../../../electron/core/studies/pgpassFile.ts';

describe('the libpq password file', () => {
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sweepdeck-pgpass-unit-'));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  const write = (name: string, text: string, mode = 0o600): string => {
    const f = path.join(dir, name);
    fs.writeFileSync(f, text);
    fs.chmodSync(f, mode);
    return f;
  };
  const target = { host: 'db.example', port: 5432, database: 'sweeps', user: 'ann' };

  it('PGPASSFILE wins over ~/.pgpass', () => {
    expect(pgpassPath({ PGPASSFILE: '/x/pw', HOME: '/home/ann' })).toBe('/x/pw');
    if (process.platform !== 'win32') expect(pgpassPath({ HOME: '/home/ann' })).toBe('/home/ann/.pgpass');
  });

  it('the first line whose four fields match (each exactly or by *) gives the password', () => {
    const f = write(
      'first',
      ['# a comment: db.example:5432:sweeps:ann:commented', '', 'db.example:5433:sweeps:ann:other-port', 'db.example:*:sweeps:bob:other-user', '*:5432:*:ann:the-one', '*:*:*:*:later'].join('\n'),
    );
    expect(lookupPgpass(target, { PGPASSFILE: f })).toEqual({ password: 'the-one', source: `${f} line 5` });
    expect(lookupPgpass({ ...target, user: 'zed' }, { PGPASSFILE: f }).password).toBe('later');
  });

  it('\\: and \\\\ are a colon and a backslash; CRLF line ends are fine', () => {
    const f = write('escapes', 'db\\:weird.example:5432:sweeps:ann:pa\\:ss\\\\word\r\n');
    expect(lookupPgpass({ ...target, host: 'db:weird.example' }, { PGPASSFILE: f }).password).toBe('pa:ss\\word');
  });

  it('a line with fewer than five fields is skipped; no match and no file give nothing', () => {
    const f = write('short', 'db.example:5432:sweeps:ann\n');
    expect(lookupPgpass(target, { PGPASSFILE: f })).toEqual({});
    expect(lookupPgpass(target, { PGPASSFILE: path.join(dir, 'absent') })).toEqual({});
  });

  it.runIf(process.platform !== 'win32')('a file group or others can read is ignored, with the reason and the fix', () => {
    const f = write('loose', '*:*:*:*:secret\n', 0o640);
    const r = lookupPgpass(target, { PGPASSFILE: f });
    expect(r.password).toBeUndefined();
    expect(r.ignored).toBe(`${f} was ignored: group or others can read it (run chmod 600 ${f})`);
  });

  it('a folder in its place is ignored, saying so', () => {
    const sub = path.join(dir, 'a-folder');
    fs.mkdirSync(sub);
    expect(lookupPgpass(target, { PGPASSFILE: sub })).toEqual({ ignored: `${sub} is not a plain file` });
  });
});
