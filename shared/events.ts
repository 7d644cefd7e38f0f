// Typed main -> renderer events. Main (Electron) sends them with webContents.send; the browser host
// streams them over SSE. Payloads are validated where they are emitted.
import { z } from 'zod';
import { accountStatusSchema } from './azureAccount.ts';
import { EVENT_NAMES_LIST, type EventNameLiteral } from './channels.ts';
import { anyNumber, mirrorStatusSchema, sweepStateSchema, trackingStatusSchema, trialCountsSchema, trialStateSchema } from './contract.ts';

export const events = {
  /** A sweep changed: trial started/finished, state changed. Enough to redraw a progress bar. */
  'sweep.progress': z.object({
    id: z.string(),
    state: sweepStateSchema,
    /** As in the sweep summary: this app's own runner runs it. */
    runsHere: z.boolean(),
    finishedTrials: z.number().int().nonnegative(),
    maxTrials: z.number().int().nonnegative().nullable(),
    counts: trialCountsSchema,
    best: z.object({ number: z.number().int().nonnegative(), value: anyNumber }).nullable(),
    /** The trial this update is about, if any. */
    trial: z
      .object({ number: z.number().int().nonnegative(), state: trialStateSchema, value: anyNumber.nullable() })
      .nullable(),
    message: z.string().nullable(),
  }),
  /** One line a trial printed. */
  'sweep.trialLog': z.object({
    id: z.string(),
    trialNumber: z.number().int().nonnegative(),
    stream: z.enum(['stdout', 'stderr']),
    line: z.string(),
  }),
  /** The Azure account changed: signed in or out, a sign-in's code arrived or it ended. Never a token. */
  'azure.account': accountStatusSchema,
  /** The set of sweeps changed (added, removed, discovered): refetch sweeps.list. */
  'sweeps.changed': z.object({ reason: z.string() }),
  'tracking.status': trackingStatusSchema,
  'outbox.pending': z.object({ pending: z.number().int().nonnegative() }),
  /** An Azure workspace store's mirror: sync progress, its end, or an online/offline change. */
  'azure.syncProgress': mirrorStatusSchema,
} as const satisfies Record<EventNameLiteral, z.ZodType>;

export type Events = typeof events;
export type EventName = keyof Events;
export type EventPayload<E extends EventName> = z.output<Events[E]>;

export const EVENT_NAMES: readonly EventName[] = EVENT_NAMES_LIST;
const EVENT_SET: ReadonlySet<string> = new Set(EVENT_NAMES);
export const isEventName = (name: unknown): name is EventName => typeof name === 'string' && EVENT_SET.has(name);

/** What an event source gives listeners: a name and a payload already checked against `events`. */
export interface EventMessage<E extends EventName = EventName> {
  event: E;
  payload: EventPayload<E>;
}
