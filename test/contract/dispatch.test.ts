// Every channel, fed generated inputs through dispatch (what the Electron binding calls): malformed
// input gets a typed INVALID_INPUT error, nothing ever throws or rejects, and the service still
// answers valid calls afterwards.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHANNELS, contract } from '../../shared/contract.ts';
import { ERROR_CODES, resultEnvelopeSchema } from '../../shared/result.ts';
import { accepts, inputFor, inputKeys, tempApp, touchesOutside, type TempApp } from './support.ts';

let t: TempApp;
let cwd: string;

beforeAll(async () => {
  t = await tempApp();
  // Relative paths in generated inputs land in the temp folder.
  cwd = process.cwd();
  process.chdir(t.dataDir);
});

afterAll(async () => {
  process.chdir(cwd);
  await t.cleanup();
});

describe('dispatch', () => {
  it('knows every channel and each has input and output schemas', () => {
    expect(CHANNELS.length).toBeGreaterThanOrEqual(25);
    for (const ch of CHANNELS) {
      expect(typeof contract[ch].input.safeParse).toBe('function');
      expect(typeof contract[ch].output.safeParse).toBe('function');
    }
  });

  it.each(CHANNELS)('%s rejects malformed input with INVALID_INPUT', async (ch) => {
    const bad: unknown[] = [[], 'text', 42, true, { unexpectedField: 1 }];
    // A wrong type in each known field (strings where they are numbers, objects elsewhere).
    for (const k of inputKeys(ch)) bad.push({ [k]: { nested: [1, 2] } });
    for (const input of bad) {
      const r = await t.app.dispatch(ch, input);
      expect(r.ok, `${ch} accepted ${JSON.stringify(input)}`).toBe(false);
      if (!r.ok) {
        expect(r.error.code).toBe('INVALID_INPUT');
        expect(r.error.message).toContain(ch);
      }
    }
  });

  it('refuses unknown channels with UNKNOWN_CHANNEL', async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.string(), fc.jsonValue()), fc.jsonValue(), async (ch, input) => {
        fc.pre(!(typeof ch === 'string' && (CHANNELS as string[]).includes(ch)));
        const r = await t.app.dispatch(ch, input);
        expect(r).toMatchObject({ ok: false, error: { code: 'UNKNOWN_CHANNEL' } });
      }),
      { numRuns: 200 },
    );
  });

  it.each(CHANNELS)('%s: generated inputs give a typed result, never a throw', async (ch) => {
    await fc.assert(
      fc.asyncProperty(inputFor(ch), async (input) => {
        fc.pre(!touchesOutside(ch, input, t.dataDir));
        const r = await t.app.dispatch(ch, input);
        expect(resultEnvelopeSchema.safeParse(r).success).toBe(true);
        if (!accepts(ch, input)) {
          expect(r).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT' } });
        } else if (!r.ok) {
          // Accepted input may still fail (no such sweep, file, store), but never as a bug.
          expect(ERROR_CODES).toContain(r.error.code);
          expect(r.error.code, `${ch}(${JSON.stringify(input)}): ${r.error.message}`).not.toBe('INTERNAL');
        } else {
          expect(contract[ch].output.safeParse(r.value).success).toBe(true);
        }
      }),
      { numRuns: 60 },
    );
  });

  it('still answers valid calls after the fuzzing', async () => {
    const list = await t.app.dispatch('sweeps.list', {});
    expect(list.ok).toBe(true);
    const info = await t.app.dispatch('app.info', undefined);
    expect(info).toMatchObject({ ok: true, value: { host: 'browser' } });
    const v = await t.app.dispatch('config.validate', { text: 'experiment_name: x\n' });
    expect(v).toMatchObject({ ok: true, value: { valid: false } });
  });
});
