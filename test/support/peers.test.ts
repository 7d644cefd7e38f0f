// A test that needs a peer must never pass having checked nothing: absent peer = visible skip
// with the reason outside CI, a failure under CI=true.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { needPeer, REPO_ROOT } from './peers.ts';

const ciBefore = process.env.CI;
afterEach(() => {
  if (ciBefore === undefined) delete process.env.CI;
  else process.env.CI = ciBefore;
  vi.restoreAllMocks();
});

describe('needPeer', () => {
  it('skips with the reason outside CI when the peer is missing', () => {
    delete process.env.CI;
    vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    const skip = vi.fn();
    needPeer({ skip }, 'Thing', false, 'apt-get install thing');
    expect(skip).toHaveBeenCalledWith('Thing is not available: apt-get install thing');
  });

  it('fails under CI=true when the peer is missing', () => {
    process.env.CI = 'true';
    const skip = vi.fn();
    expect(() => needPeer({ skip }, 'Thing', false, 'apt-get install thing')).toThrow(/Thing is not available.*CI=true/);
    expect(skip).not.toHaveBeenCalled();
  });

  it('neither skips nor fails when the peer is present', () => {
    process.env.CI = 'true';
    const skip = vi.fn();
    needPeer({ skip }, 'Thing', true, 'apt-get install thing');
    expect(skip).not.toHaveBeenCalled();
  });
});

/** Every .ts file under a folder of the repo. */
function tsFiles(dir: string): string[] {
  return readdirSync(path.join(REPO_ROOT, dir), { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith('.ts'))
    .map((e) => path.join(e.parentPath, e.name));
}

describe('the suite', () => {
  it('has no test that returns early (and so passes) when a peer is missing', () => {
    const early = /if\s*\(\s*!\s*(has\w+|requirePeer)\s*\([^)]*\)\s*\)\s*return\b/;
    const offenders = [...tsFiles('test'), ...tsFiles('e2e')]
      .filter((f) => early.test(readFileSync(f, 'utf8')))
      .map((f) => path.relative(REPO_ROOT, f));
    expect(offenders).toEqual([]);
  });
});
