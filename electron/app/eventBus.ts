// The app's event stream (sweep progress, trial log lines, tracking status, outbox). Electron main
// forwards it with webContents.send, the browser host over SSE. Payloads are checked against the
// contract when emitted, so a bug shows here instead of in the renderer.
import { events, type EventMessage, type EventName, type EventPayload } from '../../shared/events.ts';

export type EventListener = (msg: EventMessage) => void;

export class EventBus {
  private readonly listeners = new Set<EventListener>();
  constructor(private readonly onInvalid: (event: string, problem: string) => void = (e, p) => console.error(`sweepdeck: dropped invalid '${e}' event: ${p}`)) {}

  emit<E extends EventName>(event: E, payload: EventPayload<E>): void {
    const parsed = events[event].safeParse(payload);
    if (!parsed.success) {
      this.onInvalid(event, parsed.error.message);
      return;
    }
    const msg = { event, payload: parsed.data } as EventMessage;
    for (const l of this.listeners) {
      try {
        l(msg);
      } catch (e) {
        // One broken subscriber (e.g. a closed SSE socket) must not stop the others.
        console.error(`sweepdeck: event listener failed: ${(e as Error).message}`);
      }
    }
  }

  subscribe(listener: EventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  get size(): number {
    return this.listeners.size;
  }
}
