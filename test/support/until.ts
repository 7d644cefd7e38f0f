// Polling for a state reached by another process or page, for the tests that cannot await it.

/** Calls `f` until it gives a value (anything but undefined, null or false) and returns it, or
 * throws after `timeoutMs` naming what it waited for. */
export async function until<T>(what: string, f: () => Promise<T | undefined | null | false>, timeoutMs = 40_000, everyMs = 100): Promise<T> {
  const t0 = Date.now();
  for (;;) {
    const v = await f();
    if (v !== undefined && v !== null && v !== false) return v;
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
