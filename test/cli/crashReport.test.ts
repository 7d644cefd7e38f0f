// A CLI failure that is not a CliError (a bug) is one escaped line naming what failed plus a hint,
// not Node's raw uncaught report; the stack only with SWEEPDECK_DEBUG=1.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { main } from '../../electron/cli/main.ts';

// A message carrying stored text with a title-setting escape and a line break.
const EVIL_MESSAGE = 'cannot read run \u001b]0;pwned\u0007\nforged line';

vi.mock('../../electron/cli/commands/runs.ts', () => ({
  run: () => Promise.reject(new TypeError(EVIL_MESSAGE)),
}));

// eslint-disable-next-line no-control-regex
const RAW_CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/;

afterEach(() => {
  vi.restoreAllMocks();
  vi.unstubAllEnvs();
});

function captureStderr(): () => string {
  const lines: string[] = [];
  vi.spyOn(console, 'error').mockImplementation((...args: unknown[]) => {
    lines.push(args.map(String).join(' '));
  });
  return () => lines.join('\n');
}

describe('sweepdeck when a command fails with an unexpected error', () => {
  it('prints one escaped line naming the command and the error, and a hint, without the stack', async () => {
    vi.stubEnv('SWEEPDECK_DEBUG', '');
    const stderr = captureStderr();
    const code = await main(['runs', 'ls']);
    expect(code).toBe(1);
    const lines = stderr().split('\n');
    expect(lines[0]).toBe('sweepdeck runs failed unexpectedly: TypeError: cannot read run \\u001b]0;pwned\\u0007\\u000aforged line');
    expect(lines[1]).toContain('SWEEPDECK_DEBUG=1');
    expect(lines).toHaveLength(2);
    expect(stderr()).not.toMatch(RAW_CONTROL);
    expect(stderr()).not.toContain('crashReport.test.ts');
  });

  it('adds the stack, escaped, with SWEEPDECK_DEBUG=1', async () => {
    vi.stubEnv('SWEEPDECK_DEBUG', '1');
    const stderr = captureStderr();
    expect(await main(['runs', 'ls'])).toBe(1);
    expect(stderr()).toContain('crashReport.test.ts');
    expect(stderr()).not.toMatch(RAW_CONTROL);
  });
});
