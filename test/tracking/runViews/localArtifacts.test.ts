// A run's local artifacts: listed as MLflow's artifacts/list does, opened for showing, and never a
// path outside the artifact folder (absolute, '..', symlinks out), each refusal naming the path.
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { localArtifactRoot } from '../../../electron/core/tracking/runViews/artifactRoot.ts';
import { IMAGE_MAX, listLocalArtifacts, readLocalArtifact, TEXT_MAX } from '../../../electron/core/tracking/runViews/localArtifacts.ts';

// A 4x3 red PNG, written as a file and expected back as base64.
const PNG = Buffer.from('89504e470d0a1a0a0000000d49484452000000040000000308020000003b963991000000104944415478da6338a1a101470c38390007a60d217cb1bc730000000049454e44ae426082', 'hex');

function artifactsDir(): { base: string; root: string; outside: string } {
  const base = mkdtempSync(path.join(os.tmpdir(), 'sweepdeck-artifacts-'));
  const root = path.join(base, 'mlruns', '1', 'run1', 'artifacts');
  mkdirSync(path.join(root, 'plots'), { recursive: true });
  mkdirSync(path.join(root, 'model'), { recursive: true });
  writeFileSync(path.join(root, 'metrics.json'), '{"f1": 0.71}\n');
  writeFileSync(path.join(root, 'preds.csv'), 'id,label\n1,PER\n');
  writeFileSync(path.join(root, 'plots', 'loss.png'), PNG);
  writeFileSync(path.join(root, 'model', 'weights.bin'), Buffer.from([0, 1, 2, 0, 3]));
  writeFileSync(path.join(root, 'model', 'MLmodel'), 'flavors:\n  python_function: {}\n');
  const outside = path.join(base, 'secret.txt');
  writeFileSync(outside, 'not an artifact');
  symlinkSync(outside, path.join(root, 'escape.txt'));
  symlinkSync(base, path.join(root, 'up'));
  symlinkSync(path.join(root, 'metrics.json'), path.join(root, 'plots', 'same.json'));
  return { base, root, outside };
}

describe('artifact root of a run', () => {
  it('takes file:// URIs and absolute paths; names why others are not read', () => {
    expect(localArtifactRoot('file:///tmp/mlruns/1/abc/artifacts')).toEqual({ local: true, root: '/tmp/mlruns/1/abc/artifacts' });
    expect(localArtifactRoot('/home/user/resume-ner/sqlite222/mlruns/1/x/artifacts')).toEqual({ local: true, root: '/home/user/resume-ner/sqlite222/mlruns/1/x/artifacts' });
    const proxied = localArtifactRoot('mlflow-artifacts:/1/abc/artifacts');
    expect(proxied.local).toBe(false);
    if (!proxied.local) expect(proxied.reason).toContain('mlflow-artifacts:/1/abc/artifacts');
    const s3 = localArtifactRoot('s3://bucket/1/abc/artifacts');
    if (s3.local) throw new Error('s3 taken as local');
    expect(s3.reason).toContain('s3://bucket/1/abc/artifacts');
    expect(localArtifactRoot('mlruns/1/abc/artifacts').local).toBe(false);
  });
});

describe('listing', () => {
  it('lists one level like artifacts/list: folders, files with sizes; symlinks out are left out', () => {
    const { root } = artifactsDir();
    expect(listLocalArtifacts(root)).toEqual([
      { path: 'metrics.json', is_dir: false, file_size: 13 },
      { path: 'model', is_dir: true },
      { path: 'plots', is_dir: true },
      { path: 'preds.csv', is_dir: false, file_size: 15 },
    ]);
    expect(listLocalArtifacts(root, 'plots')).toEqual([
      { path: 'plots/loss.png', is_dir: false, file_size: PNG.length },
      { path: 'plots/same.json', is_dir: false, file_size: 13 },
    ]);
    expect(listLocalArtifacts(pathToFileURLRoot(root), 'model/')).toEqual([
      { path: 'model/MLmodel', is_dir: false, file_size: 31 },
      { path: 'model/weights.bin', is_dir: false, file_size: 5 },
    ]);
  });

  it('says the folder is missing, naming it', () => {
    expect(() => listLocalArtifacts('/home/user/resume-ner/sqlite222/mlruns/1/x/artifacts')).toThrow(/\/home\/user\/resume-ner\/sqlite222\/mlruns\/1\/x\/artifacts does not exist/);
  });
});

function pathToFileURLRoot(root: string): string {
  const r = localArtifactRoot(pathToFileURL(root).href);
  if (!r.local) throw new Error(r.reason);
  return r.root;
}

describe('opening', () => {
  it('JSON, CSV and MLflow text files as text; a PNG as base64; other binaries by size only', () => {
    const { root } = artifactsDir();
    expect(readLocalArtifact(root, 'metrics.json')).toEqual({ path: 'metrics.json', size: 13, kind: 'text', mime: 'application/json', text: '{"f1": 0.71}\n', truncated: false });
    expect(readLocalArtifact(root, 'preds.csv')).toMatchObject({ kind: 'text', mime: 'text/csv', text: 'id,label\n1,PER\n' });
    expect(readLocalArtifact(root, 'model/MLmodel')).toMatchObject({ kind: 'text', mime: 'text/plain', text: 'flavors:\n  python_function: {}\n' });
    expect(readLocalArtifact(root, 'plots/loss.png')).toEqual({ path: 'plots/loss.png', size: PNG.length, kind: 'image', mime: 'image/png', base64: PNG.toString('base64') });
    expect(readLocalArtifact(root, 'model/weights.bin')).toEqual({ path: 'model/weights.bin', size: 5, kind: 'binary', mime: 'application/octet-stream' });
    // A symlink that stays inside the folder is followed.
    expect(readLocalArtifact(root, 'plots/same.json')).toMatchObject({ kind: 'text', text: '{"f1": 0.71}\n' });
  });

  it('cuts long text and does not send large images', () => {
    const { root } = artifactsDir();
    writeFileSync(path.join(root, 'train.log'), 'x'.repeat(TEXT_MAX + 10));
    const log = readLocalArtifact(root, 'train.log');
    expect(log).toMatchObject({ kind: 'text', truncated: true, size: TEXT_MAX + 10 });
    if (log.kind === 'text') expect(log.text.length).toBe(TEXT_MAX);
    writeFileSync(path.join(root, 'big.png'), Buffer.alloc(IMAGE_MAX + 1));
    expect(readLocalArtifact(root, 'big.png')).toEqual({ path: 'big.png', size: IMAGE_MAX + 1, kind: 'too-large', mime: 'image/png' });
  });

  it.each([
    ['../secret.txt', /Artifact path '\.\.\/secret\.txt' climbs out with '\.\.'/],
    ['plots/../../secret.txt', /'plots\/\.\.\/\.\.\/secret\.txt' climbs out/],
    ['plots/..', /'plots\/\.\.' climbs out/],
    ['/etc/passwd', /Artifact path '\/etc\/passwd' is absolute/],
    ['C:\\Windows\\win.ini', /'C:\\Windows\\win\.ini' is absolute/],
    ['plots\\..\\..\\secret.txt', /holds a backslash/],
    ['escape.txt', /Artifact path 'escape\.txt' leads outside the artifact folder \(through a symlink\)/],
    ['up/secret.txt', /Artifact path 'up\/secret\.txt' leads outside/],
    ['metrics.json\0.png', /holds a NUL character/],
  ])('refuses %j, naming it', (rel, message) => {
    const { root } = artifactsDir();
    expect(() => readLocalArtifact(root, rel)).toThrow(message);
    expect(() => listLocalArtifacts(root, rel)).toThrow(message);
  });

  it('names a missing artifact and says to list again', () => {
    const { root } = artifactsDir();
    expect(() => readLocalArtifact(root, 'nope.txt')).toThrow(`No artifact 'nope.txt' in ${root}; list the artifacts again.`);
  });
});
