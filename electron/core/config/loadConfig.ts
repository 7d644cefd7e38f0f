// Loads and validates an HPO config file. Every problem is reported with the file, the field path,
// the line/column in the YAML, the offending value and what to do, so a user can fix it without
// reading our code.
import { readFileSync, statSync } from 'node:fs';
import { isMap, isNode, isScalar, isSeq, LineCounter, parseDocument, type Document } from 'yaml';
import { HpoConfigSchema, MAX_CONFIG_BYTES, type HpoConfig } from '../../../shared/config.ts';

export interface ConfigIssue {
  /** Dotted field path, e.g. `search_space.dropout.min`; empty for the whole document. */
  path: string;
  message: string;
  /** 1-based position in the YAML, when known. */
  line?: number;
  column?: number;
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(
    readonly file: string,
    readonly issues: ConfigIssue[],
    /** The config is over the size limit or expands too many aliases (not a mistake in a field). */
    readonly tooLarge = false,
  ) {
    super(formatIssues(file, issues));
  }
}

function formatIssues(file: string, issues: readonly ConfigIssue[]): string {
  const lines = issues.map((i) => {
    const where = i.line !== undefined ? `${file}:${i.line}:${i.column ?? 1}` : file;
    return `  ${where}: ${i.path ? `${i.path}: ` : ''}${i.message}`;
  });
  const n = issues.length;
  return `Invalid HPO config ${file} (${n} problem${n === 1 ? '' : 's'}):\n${lines.join('\n')}`;
}

type PathKey = string | number;

/** Dotted path; numeric segments are list indexes (`trial.command.3`). */
export function formatPath(path: readonly PropertyKey[]): string {
  return path.map(String).join('.');
}

function describeValue(v: unknown): string {
  if (v === undefined) return 'nothing';
  const s = JSON.stringify(v);
  if (s === undefined) return String(v);
  return s.length > 80 ? `${s.slice(0, 77)}...` : s;
}

function valueAt(root: unknown, path: readonly PathKey[]): { found: boolean; value: unknown } {
  let cur: unknown = root;
  for (const k of path) {
    if (cur === null || typeof cur !== 'object' || !(k in (cur as object))) return { found: false, value: undefined };
    cur = (cur as Record<PathKey, unknown>)[k];
  }
  return { found: true, value: cur };
}

/** The source offset of the deepest node that exists along `path` (the key itself for a missing child,
 * so "max is required" points at the param that lacks it). */
function offsetOf(doc: Document, path: readonly PathKey[]): number | undefined {
  let node: unknown = doc.contents;
  let best: number | undefined = isNode(node) ? node.range?.[0] : undefined;
  for (const k of path) {
    if (isMap(node)) {
      const pair = node.items.find((p) => (isScalar(p.key) ? p.key.value : p.key) === k);
      if (!pair) break;
      const keyStart = isNode(pair.key) ? pair.key.range?.[0] : undefined;
      if (keyStart !== undefined) best = keyStart;
      node = pair.value;
      // Point at the value when it exists (the offending value), else at its key.
      if (isNode(node) && node.range) best = node.range[0];
    } else if (isSeq(node) && typeof k === 'number') {
      const item: unknown = node.items[k];
      if (!isNode(item)) break;
      node = item;
      if (item.range) best = item.range[0];
    } else {
      break;
    }
  }
  return best;
}

function withPosition(issue: ConfigIssue, offset: number | undefined, lc: LineCounter): ConfigIssue {
  if (offset === undefined) return issue;
  const { line, col } = lc.linePos(offset);
  return { ...issue, line, column: col };
}

type ParseOutcome = { ok: true; config: HpoConfig } | { ok: false; issues: ConfigIssue[]; tooLarge?: boolean };

/** yaml's limit on alias expansion (its own default is 100 too); a real config needs a handful. */
const MAX_ALIAS_COUNT = 100;

function zodIssuesToConfigIssues(
  raw: unknown,
  zIssues: ReadonlyArray<{ path: readonly PropertyKey[]; message: string; code?: string; keys?: readonly string[] }>,
  doc?: Document,
  lc?: LineCounter,
): ConfigIssue[] {
  const out: ConfigIssue[] = [];
  for (const zi of zIssues) {
    const path = zi.path.filter((p): p is PathKey => typeof p === 'string' || typeof p === 'number');
    let message = zi.message;
    if (zi.code === 'unrecognized_keys' && zi.keys) {
      const named = zi.keys.slice(0, 10).map((k) => JSON.stringify(k)).join(', ') + (zi.keys.length > 10 ? ` and ${zi.keys.length - 10} more` : '');
      message = `unknown field${zi.keys.length > 1 ? 's' : ''} ${named}: check the spelling or remove ${zi.keys.length > 1 ? 'them' : 'it'}`;
      // Point at the first unknown key itself.
      const first = zi.keys[0];
      const issue: ConfigIssue = { path: formatPath(first === undefined ? path : [...path, first]), message };
      out.push(doc && lc ? withPosition(issue, offsetOf(doc, first === undefined ? path : [...path, first]), lc) : issue);
      continue;
    }
    const at = valueAt(raw, path);
    if (at.found) message = `${message} (got ${describeValue(at.value)})`;
    else if (path.length > 0 && !/required/.test(message)) message = `${message} (missing)`;
    const issue: ConfigIssue = { path: formatPath(path), message };
    out.push(doc && lc ? withPosition(issue, offsetOf(doc, path), lc) : issue);
  }
  return out;
}

/** Validates an already-parsed object (e.g. from the UI). Never throws. */
export function validateConfigObject(obj: unknown): ConfigIssue[] {
  if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) {
    return [{ path: '', message: `the config must be a mapping of sections (experiment_name, backbone, search_space, ...), got ${describeValue(obj)}` }];
  }
  const r = HpoConfigSchema.safeParse(obj);
  return r.success ? [] : zodIssuesToConfigIssues(obj, r.error.issues);
}

/** Duplicate keys, found in one pass with a Set per mapping. yaml's own uniqueKeys check compares
 * each key with every earlier one (quadratic: 256 KiB of keys took 15 s), so it is off. The rule is
 * yaml's: scalar keys with the same value; `<<` merge keys may repeat. */
function duplicateKeyIssues(doc: Document, lc: LineCounter): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const stack: unknown[] = [doc.contents];
  while (stack.length > 0 && issues.length < MAX_LISTED_ISSUES) {
    const node = stack.pop();
    if (isMap(node)) {
      const seen = new Set<unknown>();
      for (const pair of node.items) {
        if (isScalar(pair.key) && pair.key.value !== '<<') {
          if (seen.has(pair.key.value)) {
            const issue: ConfigIssue = { path: '', message: 'malformed YAML: Map keys must be unique; fix the YAML syntax there' };
            issues.push(withPosition(issue, pair.key.range?.[0], lc));
          }
          seen.add(pair.key.value);
        }
        stack.push(pair.value);
      }
    } else if (isSeq(node)) {
      for (const item of node.items) stack.push(item);
    }
  }
  return issues;
}

/** Issues listed for one document (a huge broken file would otherwise give a huge message). */
const MAX_LISTED_ISSUES = 20;

/** Refuses text over the size limit before parsing it. */
function tooLargeIssue(bytes: number): ConfigIssue {
  return {
    path: '',
    message: `the config is ${bytes} bytes, over the ${MAX_CONFIG_BYTES}-byte (${MAX_CONFIG_BYTES / 1024} KiB) limit for an HPO config (a real one is a few KB); check that this is the right file`,
  };
}

function parseText(text: string): ParseOutcome {
  // UTF-8 bytes are at most 3 per UTF-16 unit: only a string near the limit needs counting.
  const bytes = text.length * 3 <= MAX_CONFIG_BYTES ? text.length : Buffer.byteLength(text, 'utf8');
  if (bytes > MAX_CONFIG_BYTES) return { ok: false, tooLarge: true, issues: [tooLargeIssue(bytes)] };
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, prettyErrors: true, uniqueKeys: false });
  if (doc.errors.length === 0) {
    const dups = duplicateKeyIssues(doc, lc);
    if (dups.length > 0) return { ok: false, issues: dups };
  }
  if (doc.errors.length > 0) {
    return {
      ok: false,
      issues: doc.errors.slice(0, MAX_LISTED_ISSUES).map((e) => {
        const pos = e.linePos?.[0];
        const first = e.message.split('\n')[0] ?? e.message;
        return {
          path: '',
          message: `malformed YAML: ${first.replace(/ at line \d+, column \d+:?$/, '')}; fix the YAML syntax there`,
          ...(pos ? { line: pos.line, column: pos.col } : {}),
        };
      }),
    };
  }
  let raw: unknown;
  try {
    raw = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (e) {
    // yaml throws a ReferenceError when the aliases would expand past the limit (a "billion
    // laughs" document), or for an alias to an anchor that is defined later.
    if (!(e instanceof ReferenceError)) throw e;
    const bomb = /alias count/i.test(e.message);
    return {
      ok: false,
      tooLarge: bomb,
      issues: [
        {
          path: '',
          message: bomb
            ? `the YAML's aliases (*name) would expand to more than ${MAX_ALIAS_COUNT} copies of their anchors, as a "billion laughs" document does; an HPO config needs few aliases: write the values out`
            : `malformed YAML: ${e.message}; define each anchor (&name) before its aliases (*name)`,
          line: 1,
          column: 1,
        },
      ],
    };
  }
  if (raw === null || raw === undefined) {
    return { ok: false, issues: [{ path: '', message: 'the file is empty: it needs experiment_name, backbone, search_space, sampling, objective and trial', line: 1, column: 1 }] };
  }
  if (typeof raw !== 'object' || Array.isArray(raw)) {
    return { ok: false, issues: [{ path: '', message: `the top level must be a mapping of sections, got ${describeValue(raw)}`, line: 1, column: 1 }] };
  }
  const r = HpoConfigSchema.safeParse(raw);
  if (r.success) return { ok: true, config: r.data };
  const issues = zodIssuesToConfigIssues(raw, r.error.issues, doc, lc);
  // File order reads best in a terminal; the sort is stable for issues on one line.
  issues.sort((a, b) => (a.line ?? 0) - (b.line ?? 0) || (a.column ?? 0) - (b.column ?? 0));
  return { ok: false, issues };
}

/** Validates YAML text without throwing (for the UI's inline errors). */
export function validateConfigText(text: string): ConfigIssue[] {
  const r = parseText(text);
  return r.ok ? [] : r.issues;
}

/** Parses and validates YAML text; throws ConfigError naming `fileName`. */
export function parseConfigText(text: string, fileName: string): HpoConfig {
  const r = parseText(text);
  if (!r.ok) throw new ConfigError(fileName, r.issues, r.tooLarge === true);
  return r.config;
}

/** Throws ConfigError (tooLarge) when a config file of `bytes` is over MAX_CONFIG_BYTES. */
export function checkConfigSize(file: string, bytes: number): void {
  if (bytes > MAX_CONFIG_BYTES) throw new ConfigError(file, [tooLargeIssue(bytes)], true);
}

/** Reads, parses and validates a config file; throws ConfigError with a clear message. */
export function loadConfigFile(file: string): HpoConfig {
  let text: string;
  try {
    // The size first: an 18 MB file is refused without reading it.
    checkConfigSize(file, statSync(file).size);
    text = readFileSync(file, 'utf8');
  } catch (e) {
    if (e instanceof ConfigError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT' ? 'the file does not exist; check the path (relative paths are from the current directory)'
        : code === 'EISDIR' ? 'this is a directory; give the path of the YAML config file'
          : code === 'EACCES' ? 'permission denied; check the file permissions'
            : `cannot read it (${(e as Error).message})`;
    throw new ConfigError(file, [{ path: '', message: why }]);
  }
  return parseConfigText(text, file);
}
