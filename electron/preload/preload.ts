// The only bridge between the sandboxed renderer and main: one object, `window.sweepdeck`, whose
// channels and events are the contract's (anything else is refused here, before IPC). No raw
// ipcRenderer and no IpcRendererEvent ever reach the page.
import { contextBridge, ipcRenderer } from 'electron';
// Names only (no schemas): the input itself is validated in main.
import { isChannelName as isChannel, isEventNameLiteral as isEventName } from '../../shared/channels.ts';
import { EVENT_CHANNEL } from '../main/senderCheck.ts';

const api = {
  invoke(channel: unknown, input: unknown): Promise<unknown> {
    if (!isChannel(channel)) {
      return Promise.resolve({ ok: false, error: { code: 'UNKNOWN_CHANNEL', message: `'${String(channel)}' is not a channel of the Sweepdeck contract.` } });
    }
    return ipcRenderer.invoke(channel, input);
  },
  on(event: unknown, listener: unknown): () => void {
    if (!isEventName(event)) throw new Error(`'${String(event)}' is not an event of the Sweepdeck contract.`);
    if (typeof listener !== 'function') throw new Error('on(event, listener): listener must be a function.');
    const handler = (_e: Electron.IpcRendererEvent, name: unknown, payload: unknown): void => {
      if (name === event) (listener as (p: unknown) => void)(payload);
    };
    ipcRenderer.on(EVENT_CHANNEL, handler);
    return () => {
      ipcRenderer.removeListener(EVENT_CHANNEL, handler);
    };
  },
};

contextBridge.exposeInMainWorld('sweepdeck', api);
