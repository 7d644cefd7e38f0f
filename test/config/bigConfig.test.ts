// Config size: over MAX_CONFIG_BYTES is refused before parsing, with the file, its size and the
// limit; under it, a document of many keys is parsed in one pass (duplicate keys still found), and
// in the app the parse runs off the thread that serves requests.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ConfigError, loadConfigFile, validateConfigText } from '../../electron/core/config/loadConfig.ts';
import { MAX_CONFIG_BYTES } from '../../shared/config.ts';
import { main } from '../../electron/cli/main.ts';
import { tempApp, type TempApp } from '../contract/support.ts';
import { tmpDir } from '../sweeps/support.ts';
import { MINIMAL_CONFIG as MINIMAL } from './minimalConfig.ts';

/** YAML of one flat mapping with `bytes` or a little more of `kN: N` lines. */
function manyKeys(bytes: number): string {
  const lines: string[] = [];
  let size = 0;
  for (let n = 0; size < bytes; n++) {
    const l = `k${n}: ${n}\n`;
    lines.push(l);
    size += l.length;
  }
  return lines.join('');
}

let t: TempApp | undefined;
afterEach(async () => {
  await t?.cleanup();
  t = undefined;
});

describe('config size', () => {
  it('a 1 MB config file is refused with the file, its size and the limit (CLI exit 2)', async () => {
    const dir = tmpDir('big');
    const file = path.join(dir, 'big.yaml');
    const text = manyKeys(1024 * 1024);
    writeFileSync(file, text);
    let err: unknown;
    try {
      loadConfigFile(file);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).tooLarge).toBe(true);
    expect((err as ConfigError).message).toContain(file);
    expect((err as ConfigError).message).toContain(`${Buffer.byteLength(text)} bytes`);
    expect((err as ConfigError).message).toContain(`${MAX_CONFIG_BYTES}-byte`);

    let stderr = '';
    const spy = vi.spyOn(console, 'error').mockImplementation((...a: unknown[]) => void (stderr += `${a.join(' ')}\n`));
    let code: number;
    try {
      code = await main(['sweep', 'run', file, '--output-dir', path.join(dir, 'out')]);
    } finally {
      spy.mockRestore();
    }
    expect(code).toBe(2);
    expect(stderr).toContain(file);
    expect(stderr).toMatch(/over the 262144-byte \(256 KiB\) limit/);
  });

  it('config.validate refuses 1 MB of YAML with the size and the limit', async () => {
    t = await tempApp();
    const text = manyKeys(999_000).slice(0, 999_000);
    const r = await t.app.dispatch('config.validate', { text, path: '/tmp/huge.yaml' });
    expect(r.ok, JSON.stringify(r)).toBe(true);
    if (!r.ok) return;
    const v = r.value as { valid: boolean; issues: Array<{ message: string }> };
    expect(v.valid).toBe(false);
    expect(v.issues).toHaveLength(1);
    expect(v.issues[0]?.message).toMatch(/the config is 999000 bytes, over the 262144-byte \(256 KiB\) limit/);
  });

  it('just under the limit, many keys are checked in one pass and a duplicate key is still found with its line', () => {
    const text = `${MINIMAL}${manyKeys(MAX_CONFIG_BYTES - 1024)}`;
    expect(validateConfigText(text)).toEqual([]);
    const dup = validateConfigText(`${text}k7: again\n`);
    expect(dup).toEqual([{ path: '', message: 'malformed YAML: Map keys must be unique; fix the YAML syntax there', line: text.split('\n').length, column: 1 }]);
  });

  it('while a big config validates in the app, another request is answered', async () => {
    t = await tempApp();
    const order: string[] = [];
    const validating = t.app.dispatch('config.validate', { text: manyKeys(MAX_CONFIG_BYTES - 1024) }).then((r) => {
      order.push('config.validate');
      return r;
    });
    const info = await t.app.dispatch('app.info', {});
    order.push('app.info');
    const r = await validating;
    expect(info.ok).toBe(true);
    expect(r.ok, JSON.stringify(r).slice(0, 300)).toBe(true);
    if (r.ok) expect((r.value as { valid: boolean }).valid).toBe(false);
    expect(order).toEqual(['app.info', 'config.validate']);
  });
});
