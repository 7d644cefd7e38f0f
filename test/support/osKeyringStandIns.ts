// Stand-ins for macOS `security` and Windows `powershell.exe`/`pwsh`, written into a StandInBin
// folder (the whole PATH of the code under test). They implement only the protocol Sweepdeck
// uses, as documented for the real tools, and record every argv they get: they test OUR wiring
// (argv, stdin, quoting, exit codes, files), not the real Keychain or DPAPI.
import fs from 'node:fs';
import path from 'node:path';
import type { StandInBin } from './azureCliStandIn.ts';

/** Paths are written into the scripts as JSON string literals. */
const J = JSON.stringify;

function readJsonLines(file: string): unknown[] {
  return fs.existsSync(file)
    ? fs
        .readFileSync(file, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as unknown)
    : [];
}

export interface SecurityStandIn {
  /** Every argv `security` was started with. */
  calls(): string[][];
  /** Every command line read on stdin in `-i` mode, as split into arguments. */
  stdinCommands(): string[][];
  /** The fake Keychain: "service/account" → password. */
  items(): Record<string, string>;
  /** ok; locked (every keychain call fails as over SSH); refuse-add; refuse-delete. */
  setMode(mode: 'ok' | 'locked' | 'refuse-add' | 'refuse-delete'): void;
}

/**
 * `security` with find-generic-password (-s, -a, -w), add-generic-password (-s, -a, -l, -w, -U),
 * delete-generic-password (-s, -a) and `-i` (one command per stdin line, split the way its line
 * splitter does: "double" or 'single' quotes, backslash escaping the next character). Exit codes
 * are the OSStatus low byte as the real tool gives them: 44 not found, 45 duplicate, 36 user
 * interaction not allowed.
 */
export function addSecurityStandIn(bin: StandInBin): SecurityStandIn {
  const calls = path.join(bin.dir, '.security-calls.jsonl');
  const stdinLog = path.join(bin.dir, '.security-stdin.jsonl');
  const db = path.join(bin.dir, '.keychain.json');
  const mode = path.join(bin.dir, '.security-mode');
  const script = `#!${process.execPath}
const fs = require('node:fs');
const J = JSON.stringify;
const args = process.argv.slice(2);
fs.appendFileSync(${J(calls)}, J(args) + '\\n');
const mode = fs.existsSync(${J(mode)}) ? fs.readFileSync(${J(mode)}, 'utf8').trim() : 'ok';
const items = fs.existsSync(${J(db)}) ? JSON.parse(fs.readFileSync(${J(db)}, 'utf8')) : {};
const save = () => fs.writeFileSync(${J(db)}, J(items));
function split(line) {
  const out = []; let cur = null; let quote = null;
  for (let i = 0; i < line.length; i++) {
    let c = line[i];
    if (cur === null) { if (/\\s/.test(c)) continue; cur = ''; if (c === '"' || c === "'") { quote = c; continue; } }
    if (c === '\\\\') { i++; cur += line[i] ?? ''; continue; }
    if (quote ? c === quote : /\\s/.test(c)) { out.push(cur); cur = null; quote = null; continue; }
    cur += c;
  }
  if (cur !== null) out.push(cur);
  return out;
}
function opts(av, withValue) {
  const o = {}; const flags = new Set();
  for (let i = 1; i < av.length; i++) {
    const a = av[i].slice(1);
    if (withValue.includes(a)) o[a] = av[++i]; else flags.add(a);
  }
  return { o, flags };
}
const fail = (msg, code) => { process.stderr.write('security: ' + msg + '\\n'); return code; };
const NOT_FOUND = 'The specified item could not be found in the keychain.';
const LOCKED = 'User interaction is not allowed.';
function run(av) {
  const cmd = av[0];
  if (cmd === 'find-generic-password') {
    if (mode === 'locked') return fail('SecKeychainSearchCopyNext: ' + LOCKED, 36);
    const { o, flags } = opts(av, ['s', 'a']);
    const v = items[o.s + '/' + o.a];
    if (v === undefined) return fail('SecKeychainSearchCopyNext: ' + NOT_FOUND, 44);
    if (flags.has('w')) process.stdout.write(v + '\\n'); else process.stdout.write('keychain: "login.keychain-db"\\n');
    return 0;
  }
  if (cmd === 'add-generic-password') {
    if (mode === 'locked' || mode === 'refuse-add') return fail('SecKeychainItemCreateFromContent (<default>): ' + LOCKED, 36);
    const { o, flags } = opts(av, ['s', 'a', 'l', 'w']);
    if (!o.s || !o.a || o.w === undefined) return 2;
    if (items[o.s + '/' + o.a] !== undefined && !flags.has('U')) return fail('SecKeychainItemCreateFromContent (<default>): The specified item already exists in the keychain.', 45);
    items[o.s + '/' + o.a] = o.w; save(); return 0;
  }
  if (cmd === 'delete-generic-password') {
    if (mode === 'locked' || mode === 'refuse-delete') return fail('SecKeychainItemDelete: ' + LOCKED, 36);
    const { o } = opts(av, ['s', 'a']);
    if (items[o.s + '/' + o.a] === undefined) return fail('SecKeychainSearchCopyNext: ' + NOT_FOUND, 44);
    delete items[o.s + '/' + o.a]; save(); process.stdout.write('password has been deleted.\\n'); return 0;
  }
  return fail('unknown command "' + cmd + '"', 1);
}
if (args[0] === '-i' && args.length === 1) {
  let input = '';
  process.stdin.on('data', (c) => (input += c));
  process.stdin.on('end', () => {
    let result = 0;
    for (const line of input.split('\\n')) {
      const av = split(line);
      if (av.length === 0) continue;
      fs.appendFileSync(${J(stdinLog)}, J(av) + '\\n');
      result = run(av);
      if (result) process.stderr.write(av[0] + ': returned ' + result + '\\n');
    }
    process.exit(result);
  });
} else {
  process.exit(run(args));
}
`;
  fs.writeFileSync(path.join(bin.dir, 'security'), script, { mode: 0o755 });
  return {
    calls: () => readJsonLines(calls) as string[][],
    stdinCommands: () => readJsonLines(stdinLog) as string[][],
    items: () => (fs.existsSync(db) ? (JSON.parse(fs.readFileSync(db, 'utf8')) as Record<string, string>) : {}),
    setMode: (m) => fs.writeFileSync(mode, m),
  };
}

export interface PowerShellStandIn {
  calls(): string[][];
  /** Every script read on stdin. */
  scripts(): string[];
  /** ok; constrained (Constrained Language Mode: .NET calls refused); hang (never answers). */
  setMode(mode: 'ok' | 'constrained' | 'hang'): void;
}

/**
 * `powershell.exe` (or `pwsh`) with `-NoProfile -NonInteractive -Command -`: the script comes on
 * stdin and, as the real `-Command -` does, runs statement by statement, so only a one-line
 * `& { ... }` statement followed by an empty line runs. It understands ProtectedData
 * Protect/Unprotect of `[Convert]::FromBase64String('...')` with CurrentUser scope and writes the
 * result where the script's `[Console]::Out.Write('<marker>' + ...)` says. Its "DPAPI" is
 * AES-GCM under a per-user master key kept in the stand-in folder (so the blob is not the key).
 */
export function addPowerShellStandIn(bin: StandInBin, name = 'powershell.exe'): PowerShellStandIn {
  const calls = path.join(bin.dir, '.powershell-calls.jsonl');
  const scripts = path.join(bin.dir, '.powershell-stdin.jsonl');
  const master = path.join(bin.dir, '.dpapi-user-master-key');
  const mode = path.join(bin.dir, '.powershell-mode');
  const script = `#!${process.execPath}
const fs = require('node:fs');
const crypto = require('node:crypto');
const J = JSON.stringify;
const args = process.argv.slice(2);
fs.appendFileSync(${J(calls)}, J(args) + '\\n');
const mode = fs.existsSync(${J(mode)}) ? fs.readFileSync(${J(mode)}, 'utf8').trim() : 'ok';
if (mode === 'hang') { setInterval(() => undefined, 1000); return; }
if (J(args) !== J(['-NoProfile', '-NonInteractive', '-Command', '-'])) { process.stderr.write('stand-in PowerShell only knows -NoProfile -NonInteractive -Command -\\n'); process.exit(64); }
if (!fs.existsSync(${J(master)})) fs.writeFileSync(${J(master)}, crypto.randomBytes(32));
const key = fs.readFileSync(${J(master)});
const MAGIC = Buffer.from('STAND-IN-DPAPI');
let input = '';
process.stdin.on('data', (c) => (input += c));
process.stdin.on('end', () => {
  fs.appendFileSync(${J(scripts)}, J(input) + '\\n');
  const lines = input.split(/\\r?\\n/);
  const stmt = lines[0] ?? '';
  // -Command - runs a statement once the line after it is empty; anything else never runs.
  if (!stmt.startsWith('& {') || lines.length < 3 || lines[1] !== '' || lines.slice(2).some((l) => l !== '')) process.exit(0);
  const call = /\\[System\\.Security\\.Cryptography\\.ProtectedData\\]::(Protect|Unprotect)\\(\\[Convert\\]::FromBase64String\\('([A-Za-z0-9+\\/=]*)'\\), \\$null, \\[System\\.Security\\.Cryptography\\.DataProtectionScope\\]::CurrentUser\\)/.exec(stmt);
  const write = /\\[Console\\]::Out\\.Write\\('([^']*)' \\+ \\[Convert\\]::ToBase64String\\(\\$out\\)\\)/.exec(stmt);
  if (!call || !write) { process.stderr.write('stand-in PowerShell: not the ProtectedData script it knows\\n'); process.exit(1); }
  if (mode === 'constrained') { process.stderr.write('Cannot invoke method. Method invocation is supported only on core types in this language mode.\\n'); process.exit(3); }
  const data = Buffer.from(call[2], 'base64');
  let out;
  if (call[1] === 'Protect') {
    const iv = crypto.randomBytes(12);
    const c = crypto.createCipheriv('aes-256-gcm', key, iv);
    const body = Buffer.concat([c.update(data), c.final()]);
    out = Buffer.concat([MAGIC, iv, c.getAuthTag(), body]);
  } else {
    try {
      if (!data.subarray(0, MAGIC.length).equals(MAGIC)) throw new Error('bad');
      const at = MAGIC.length;
      const d = crypto.createDecipheriv('aes-256-gcm', key, data.subarray(at, at + 12));
      d.setAuthTag(data.subarray(at + 12, at + 28));
      out = Buffer.concat([d.update(data.subarray(at + 28)), d.final()]);
    } catch {
      process.stderr.write('Exception calling "Unprotect" with "3" argument(s): "The data is invalid."\\n');
      process.exit(3);
    }
  }
  process.stdout.write(write[1] + out.toString('base64'));
});
`;
  fs.writeFileSync(path.join(bin.dir, name), script, { mode: 0o755 });
  return {
    calls: () => readJsonLines(calls) as string[][],
    scripts: () => readJsonLines(scripts) as string[],
    setMode: (m) => fs.writeFileSync(mode, m),
  };
}
