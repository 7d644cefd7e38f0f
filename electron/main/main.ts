// Electron main process: lifecycle only. Everything the window can ask for goes through the typed
// contract to the same app services the browser host serves (electron/app), so this file stays thin.
import { app, BrowserWindow, dialog, safeStorage, shell } from 'electron';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { createAppServices, defaultDataDir, type AppServices } from '../app/appServices.ts';
import { safeStorageSecretStore } from '../core/azure/secretStore.ts';
import { bindContract, forwardEvents } from './ipc.ts';
import { isExternalWebUrl } from './senderCheck.ts';
import { registerAppScheme, serveRenderer } from './protocol.ts';
import { createMainWindow, guardContents, hardenSession } from './window.ts';

// The bundle sits in dist/electron/; the app root holds package.json, renderer/dist and resources/.
const appRoot = app.getAppPath();
const rendererDir = path.join(appRoot, 'renderer', 'dist');
const preloadPath = path.join(__dirname, 'preload.cjs');
const exampleConfig = app.isPackaged
  ? path.join(process.resourcesPath, 'examples', 'resume-ner', 'hpo.yaml')
  : path.join(appRoot, 'resources', 'examples', 'resume-ner', 'hpo.yaml');

registerAppScheme();

// One instance owns the data folder; a second launch focuses the first. E2E runs may opt out.
if (!process.env.SWEEPDECK_E2E && !app.requestSingleInstanceLock()) app.quit();

let services: AppServices | undefined;
let mainWindow: BrowserWindow | undefined;
const ourContents = new Set<number>();

app.on('web-contents-created', (_e, contents) => guardContents(contents));

app.on('second-instance', () => {
  if (mainWindow) {
    if (mainWindow.isMinimized()) mainWindow.restore();
    mainWindow.focus();
  }
});

function openWindow(): void {
  const win = createMainWindow(preloadPath);
  const id = win.webContents.id;
  ourContents.add(id);
  if (services) forwardEvents(services, win.webContents);
  win.on('closed', () => {
    ourContents.delete(id);
    if (mainWindow === win) mainWindow = undefined;
  });
  mainWindow = win;
}

app.whenReady().then(async () => {
  hardenSession();
  serveRenderer(rendererDir);
  services = await createAppServices({
    dataDir: process.env.SWEEPDECK_DATA_DIR ? path.resolve(process.env.SWEEPDECK_DATA_DIR) : defaultDataDir(),
    host: 'electron',
    version: app.getVersion(),
    exampleConfigPath: existsSync(exampleConfig) ? exampleConfig : null,
    platform: {
      revealPath(file) {
        shell.showItemInFolder(file);
        return true;
      },
      // The sign-in page: only web URLs go to the system browser (never file: or app schemes).
      async openExternal(url) {
        if (!isExternalWebUrl(url)) throw new Error('refusing to open a URL that is not http(s) in the browser');
        await shell.openExternal(url);
      },
    },
    // The Azure token cache is encrypted by the OS through safeStorage; on Linux without a keyring
    // (backend basic_text) the store says so and tokens stay in memory.
    azureSecretStore: safeStorageSecretStore(safeStorage),
  });
  bindContract(services, () => ourContents);
  openWindow();
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) openWindow();
  });
}).catch((e: unknown) => {
  // Say it in a window too: a desktop user may never see stderr.
  const why = (e as Error)?.message ?? String(e);
  console.error('sweepdeck: the app could not start:', e);
  dialog.showErrorBox('Sweepdeck could not start', `${why}\n\nCheck that the data folder is writable (set SWEEPDECK_DATA_DIR to use another one).`);
  app.exit(1);
});

app.on('window-all-closed', () => {
  if (process.platform !== 'darwin') app.quit();
});

// Running sweeps are stopped gracefully (trials marked and re-offered) before the app exits, so
// they stay resumable.
let closing = false;
app.on('before-quit', (event) => {
  if (closing || !services) return;
  closing = true;
  event.preventDefault();
  void services.close().finally(() => app.quit());
});
