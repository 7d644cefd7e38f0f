// electron-builder.yml cannot run here (it downloads Electron, headers and tools), so check what can
// be checked offline: it matches electron-builder's own schema, keeps the promised targets, unpacks
// better-sqlite3's native module from asar and rebuilds it, and names files the build produces.
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { REPO_ROOT } from '../support/peers.ts';

const require = createRequire(import.meta.url);
const config = parse(readFileSync(path.join(REPO_ROOT, 'electron-builder.yml'), 'utf8')) as Record<string, unknown>;
const schema = require('app-builder-lib/scheme.json') as { properties: Record<string, unknown> };

describe('electron-builder.yml', () => {
  it('validates against electron-builder\'s JSON schema', async () => {
    expect(Object.keys(config).filter((k) => !(k in schema.properties))).toEqual([]);
    // ajv ships with electron-builder's dependency tree.
    const ajvMod = (await import('ajv')) as unknown as { default: new (o: object) => { compile(s: object): ((d: unknown) => boolean) & { errors?: unknown } } };
    const validate = new ajvMod.default({ allErrors: true, strict: false }).compile(schema);
    const ok = validate(config);
    expect(validate.errors ?? null, JSON.stringify(validate.errors)).toBeNull();
    expect(ok).toBe(true);
  });

  it('builds AppImage and deb, nsis and dmg', () => {
    expect((config.linux as { target: string[] }).target).toEqual(['AppImage', 'deb']);
    expect((config.win as { target: string[] }).target).toEqual(['nsis']);
    expect((config.mac as { target: string[] }).target).toEqual(['dmg']);
  });

  it('rebuilds better-sqlite3 for Electron and unpacks its .node from asar', () => {
    expect(config.npmRebuild).toBe(true);
    expect(config.buildDependenciesFromSource).toBe(true);
    const unpack = config.asarUnpack as string[];
    const nodeFile = 'node_modules/better-sqlite3/build/Release/better_sqlite3.node';
    expect(existsSync(path.join(REPO_ROOT, nodeFile))).toBe(true);
    // The glob `**/node_modules/better-sqlite3/**/*.node` as a regular expression.
    const asRe = (g: string) =>
      new RegExp(`^${g.replace(/[.+^${}()|[\]\\]/g, '\\$&').split('**/').map((part) => part.replace(/\*/g, '[^/]*')).join('(?:.*/)?')}$`);
    expect(unpack.some((g) => asRe(g).test(nodeFile))).toBe(true);
  });

  it('packs the bundles the build writes and ships the example', () => {
    const files = config.files as string[];
    expect(files).toContain('dist/electron/**');
    expect(files).toContain('renderer/dist/**');
    const pkg = JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { main: string };
    expect(pkg.main).toBe('dist/electron/main.cjs');
    const extra = config.extraResources as Array<{ from: string; to: string }>;
    expect(extra.find((e) => e.to === 'examples')?.from).toBe('resources/examples');
    expect(existsSync(path.join(REPO_ROOT, 'resources/examples/resume-ner/hpo.yaml'))).toBe(true);
  });
});
