// Who may call the contract over IPC: only the main frame of our own window, showing our own
// renderer. Pure (no electron import) so the rule is unit-tested under Node.

/** The renderer is served from this custom scheme (see protocol.ts). */
export const APP_SCHEME = 'sweepdeck';
export const APP_ORIGIN = `${APP_SCHEME}://app`;
export const APP_URL = `${APP_ORIGIN}/index.html`;
/** The one IPC channel main -> renderer events travel on, as (eventName, payload). */
export const EVENT_CHANNEL = 'sweepdeck:event';

export interface SenderFacts {
  /** URL of the frame that sent the message (event.senderFrame.url), or null if it is gone. */
  frameUrl: string | null;
  /** The frame is a top-level frame (senderFrame.parent === null). */
  isMainFrame: boolean;
  /** event.sender.id */
  webContentsId: number;
}

export function isTrustedSender(s: SenderFacts, ourWebContentsIds: ReadonlySet<number>): boolean {
  if (!ourWebContentsIds.has(s.webContentsId) || !s.isMainFrame || !s.frameUrl) return false;
  try {
    // Compare parsed origins, never string prefixes (sweepdeck://app.evil would pass startsWith).
    const u = new URL(s.frameUrl);
    return `${u.protocol}//${u.host}` === APP_ORIGIN;
  } catch {
    return false;
  }
}

/** Links the renderer may hand to the OS browser: plain http(s) only. */
export function isExternalWebUrl(url: string): boolean {
  try {
    const u = new URL(url);
    return (u.protocol === 'https:' || u.protocol === 'http:') && u.hostname !== '';
  } catch {
    return false;
  }
}

/** Navigation inside the window is only ever to our own renderer. */
export function isAppUrl(url: string): boolean {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}` === APP_ORIGIN;
  } catch {
    return false;
  }
}
