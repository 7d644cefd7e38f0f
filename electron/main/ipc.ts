// Binds every contract channel with ipcMain.handle: the sender must be our window's main frame
// showing our renderer; the input is validated and the call run by the shared dispatch, which
// always returns a typed result (Electron would keep only the message of a thrown error). A column
// reply (a study's trials) goes back as a binary columns body (shared/columnsWire.ts): one byte
// array to copy instead of a structured clone of every element; the page's client decodes it.
import { ipcMain, type IpcMainInvokeEvent, type WebContents } from 'electron';
import { columnsReplyBody, isColumnChannel } from '../../shared/columnsWire.ts';
import { CHANNELS } from '../../shared/contract.ts';
import { err } from '../../shared/result.ts';
import type { AppServices } from '../app/appServices.ts';
import { EVENT_CHANNEL, isTrustedSender } from './senderCheck.ts';

export function bindContract(app: Pick<AppServices, 'dispatch'>, ourWebContents: () => ReadonlySet<number>): void {
  for (const channel of CHANNELS) {
    ipcMain.handle(channel, async (event: IpcMainInvokeEvent, input: unknown) => {
      const frame = event.senderFrame;
      const trusted = isTrustedSender(
        { frameUrl: frame?.url ?? null, isMainFrame: frame ? frame.parent === null : false, webContentsId: event.sender.id },
        ourWebContents(),
      );
      if (!trusted) return err('FORBIDDEN', `'${channel}' may only be called by the Sweepdeck window.`);
      const result = await app.dispatch(channel, input);
      return isColumnChannel(channel) ? (columnsReplyBody(result) ?? result) : result;
    });
  }
}

export function unbindContract(): void {
  for (const channel of CHANNELS) ipcMain.removeHandler(channel);
}

/** Forwards the app's events to a window until it is destroyed. */
export function forwardEvents(app: Pick<AppServices, 'bus'>, contents: WebContents): () => void {
  const off = app.bus.subscribe((m) => {
    if (!contents.isDestroyed()) contents.send(EVENT_CHANNEL, m.event, m.payload);
  });
  contents.once('destroyed', off);
  return off;
}
