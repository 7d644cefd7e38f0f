// One entry point for every transport: validate the input against the contract, run the handler,
// check the output against the contract, and turn any failure into a typed error result. It never
// throws and never rejects, whatever arrives (fuzzed in test/contract).
import { contract, isChannel, type Channel, type Handlers } from '../../shared/contract.ts';
import { err, ok, type Result } from '../../shared/result.ts';
import { toAppError } from './appError.ts';

/** Replies that can hold thousands of rows (10,000 trials, a long metric history): checking every row
 * costs most of a second, so the first and last rows are checked and the array is passed as built
 * (the rows come from one typed function each). */
const LARGE_ARRAYS: Partial<Record<Channel, string>> = {
  'sweeps.trials': 'trials',
  'runs.search': 'runs',
  'runs.metricHistory': 'metrics',
  'runs.metricSummaries': 'summaries',
  'runs.table': 'rows',
  'runs.tableChart': 'y',
  'experiments.list': 'experiments',
};
const SAMPLE = 100;

/** Channels whose service hands out the same frozen reply while its data is unchanged
 * (sweeps.trialColumns and sweeps.intermediateColumns for a finished study). Such a reply is
 * checked once: nothing can have changed it since. It is passed on as it is rather than as zod's copy, so the host can keep its encoded text. */
const REUSED_REPLIES: ReadonlySet<Channel> = new Set(['sweeps.trialColumns', 'sweeps.intermediateColumns']);
const checkedFrozen = new WeakSet<object>();

function sampled(channel: Channel, value: unknown): unknown {
  const key = LARGE_ARRAYS[channel];
  if (!key || value === null || typeof value !== 'object') return value;
  const arr = (value as Record<string, unknown>)[key];
  if (!Array.isArray(arr) || arr.length <= 2 * SAMPLE) return value;
  return { ...(value as Record<string, unknown>), [key]: [...arr.slice(0, SAMPLE), ...arr.slice(-SAMPLE)] };
}

export type Dispatch = (channel: unknown, rawInput: unknown) => Promise<Result<unknown>>;

export interface DispatchOptions {
  /** Called for INTERNAL errors (bugs), e.g. to log them. */
  onInternalError?: (channel: string, error: unknown) => void;
}

function describeIssues(issues: ReadonlyArray<{ path: readonly PropertyKey[]; message: string }>): string {
  return issues
    .slice(0, 5)
    .map((i) => (i.path.length ? `${i.path.map(String).join('.')}: ${i.message}` : i.message))
    .join('; ');
}

export function createDispatch(handlers: Partial<Handlers>, opts: DispatchOptions = {}): Dispatch {
  const onInternal = opts.onInternalError ?? ((c, e) => console.error(`sweepdeck: ${c} failed:`, e));
  return async (channel, rawInput) => {
    try {
      if (!isChannel(channel)) {
        const name = typeof channel === 'string' ? `'${channel.slice(0, 100)}'` : `a ${typeof channel}`;
        return err('UNKNOWN_CHANNEL', `${name} is not a channel of the Sweepdeck contract.`);
      }
      const spec = contract[channel];
      // Absent input means "no fields" for channels whose input is an empty object.
      const parsed = spec.input.safeParse(rawInput === undefined || rawInput === null ? {} : rawInput);
      if (!parsed.success) {
        return err('INVALID_INPUT', `Invalid input for '${channel}': ${describeIssues(parsed.error.issues)}`, {
          issues: parsed.error.issues.map((i) => ({ path: i.path.map(String).join('.'), message: i.message })),
        });
      }
      const handler = handlers[channel] as ((input: unknown) => Promise<unknown>) | undefined;
      if (!handler) return err('NOT_AVAILABLE', `'${channel}' is not available in this build yet.`);
      const value = await handler(parsed.data);
      const frozen = REUSED_REPLIES.has(channel) && value !== null && typeof value === 'object' && Object.isFrozen(value);
      if (frozen && checkedFrozen.has(value)) return ok(value);
      const checked = sampled(channel, value);
      const out = spec.output.safeParse(checked);
      if (!out.success) {
        onInternal(channel, out.error);
        return err('INTERNAL', `The reply of '${channel}' did not match the contract: ${describeIssues(out.error.issues)}`);
      }
      if (frozen) {
        checkedFrozen.add(value);
        return ok(value);
      }
      return ok(checked === value ? out.data : value);
    } catch (e) {
      const error = toAppError(e);
      if (error.code === 'INTERNAL') onInternal(String(channel), e);
      return { ok: false, error };
    }
  };
}

export type { Channel };
