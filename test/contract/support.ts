// Shared set-up for the contract tests: real app services over a temp data folder, and fast-check
// inputs that are either arbitrary JSON or "almost right" (the channel's own field names with
// arbitrary values), which reach deeper into the schemas than random JSON alone.
import fc from 'fast-check';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { z } from 'zod';
import { contract, type Channel } from '../../shared/contract.ts';
import { createAppServices, type AppServices } from '../../electron/app/appServices.ts';

export interface TempApp {
  app: AppServices;
  dataDir: string;
  cleanup(): Promise<void>;
}

export async function tempApp(opts: { exampleConfigPath?: string | null } = {}): Promise<TempApp> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'sweepdeck-contract-'));
  // No Azure or remote MLflow from the developer's environment: tracking stays local and offline.
  // A generated Azure sign-in goes to a closed loopback port, never to Microsoft's sign-in hosts.
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: dataDir, SWEEPDECK_AZURE_AUTHORITY_HOST: 'https://127.0.0.1:9', SWEEPDECK_AZURE_ARM_ENDPOINT: 'https://127.0.0.1:9' };
  const app = await createAppServices({ dataDir, host: 'browser', exampleConfigPath: opts.exampleConfigPath ?? null, env });
  return {
    app,
    dataDir,
    async cleanup() {
      await app.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Field names a channel's input knows (object shape, or the union of a discriminated union's). */
export function inputKeys(ch: Channel): string[] {
  const schema = contract[ch].input as unknown as { shape?: Record<string, unknown>; options?: Array<{ shape?: Record<string, unknown> }> };
  if (schema.shape) return Object.keys(schema.shape);
  if (schema.options) return [...new Set(schema.options.flatMap((o) => Object.keys(o.shape ?? {})))];
  return [];
}

const KIND_VALUES = ['sqlite', 'mlruns', 'remote', 'azure', 'nope'];

/** Arbitrary JSON, or an object with the channel's field names holding arbitrary JSON. */
export function inputFor(ch: Channel): fc.Arbitrary<unknown> {
  const keys = inputKeys(ch);
  const value = fc.oneof(
    fc.jsonValue({ maxDepth: 3 }),
    fc.string({ maxLength: 40 }),
    fc.integer(),
    fc.double(),
    fc.constantFrom(...KIND_VALUES),
    fc.constant(null),
  );
  const nearlyRight =
    keys.length === 0
      ? fc.dictionary(fc.string({ maxLength: 8 }), value, { maxKeys: 3 })
      : fc.record(Object.fromEntries(keys.map((k) => [k, value])), { requiredKeys: [] }).chain((o) =>
          fc.boolean().map((extra) => (extra ? { ...o, unexpectedField: 1 } : o)),
        );
  return fc.oneof(fc.jsonValue({ maxDepth: 4 }), nearlyRight);
}

export const accepts = (ch: Channel, input: unknown): boolean =>
  (contract[ch].input as z.ZodType).safeParse(input === undefined || input === null ? {} : input).success;

const PATH_FIELDS = ['path', 'localStorePath', 'configPath', 'outputDir', 'basedOn'];

/** A valid input that names a path outside `root` (after resolving from the current folder): the
 * fuzzer skips those, so it never writes into the machine's real folders. */
export function touchesOutside(ch: Channel, input: unknown, root: string): boolean {
  if (!accepts(ch, input) || input === null || typeof input !== 'object') return false;
  const rec = input as Record<string, unknown>;
  return PATH_FIELDS.some((k) => {
    const v = rec[k];
    if (typeof v !== 'string') return false;
    const abs = path.resolve(v);
    return abs !== root && !abs.startsWith(root + path.sep);
  });
}
