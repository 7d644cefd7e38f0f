// The New sweep screen's unsaved edits, kept for this tab (sessionStorage) so moving to another
// screen or reloading does not lose them. Not localStorage: a config may carry trial.env values,
// which should not outlive the tab on disk.
import { z } from 'zod';

const KEY = 'sweepdeck.newSweepDraft';

const draftSchema = z.object({
  text: z.string(),
  /** The file the text was loaded from, or null. */
  basedOn: z.string().nullable(),
  /** The text as loaded, to tell an edit from the file. */
  original: z.string(),
});
export type SweepDraft = z.infer<typeof draftSchema>;

export function readDraft(): SweepDraft | null {
  let raw: string | null;
  try {
    raw = window.sessionStorage.getItem(KEY);
  } catch (e) {
    // Storage refused (e.g. disabled by policy): the screen works without a draft.
    console.warn(`sweepdeck: the New sweep draft cannot be read: ${(e as Error).message}`);
    return null;
  }
  if (raw === null) return null;
  try {
    const parsed = draftSchema.safeParse(JSON.parse(raw));
    return parsed.success ? parsed.data : null;
  } catch {
    return null; // not JSON (written by something else): no draft
  }
}

/** Keeps the draft while it differs from what was loaded; forgets it when it does not. */
export function saveDraft(d: SweepDraft): void {
  try {
    if (d.text === d.original) window.sessionStorage.removeItem(KEY);
    else window.sessionStorage.setItem(KEY, JSON.stringify(d));
  } catch (e) {
    console.warn(`sweepdeck: the New sweep draft cannot be kept: ${(e as Error).message}`);
  }
}

export function clearDraft(): void {
  try {
    window.sessionStorage.removeItem(KEY);
  } catch (e) {
    console.warn(`sweepdeck: the New sweep draft cannot be cleared: ${(e as Error).message}`);
  }
}
