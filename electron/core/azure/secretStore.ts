// Where the token cache's encryption comes from. Core never imports Electron: the app injects its
// `safeStorage` through safeStorageSecretStore(); the CLI uses the OS's own tools, chosen in
// cliSecretStore.ts (libsecret's secret-tool, macOS `security`, Windows DPAPI through PowerShell);
// without any of them, nothing secret is written at all.

export interface SecretStore {
  /** e.g. "Electron safeStorage (gnome_libsecret)", "libsecret (secret-tool)", "macOS Keychain (security)", "none". */
  readonly description: string;
  /** False: no OS encryption here. Tokens then stay in memory and nothing secret is written. */
  readonly encrypts: boolean;
  encrypt(plain: string): Promise<Buffer>;
  decrypt(data: Buffer): Promise<string>;
  /** Forget any key this store keeps for Sweepdeck (sign-out). */
  clear?(): Promise<void>;
}

/** The one-line notice shown when tokens cannot be kept between launches. */
export const NO_OS_ENCRYPTION_NOTICE =
  'No OS encryption is available (no keyring), so the Azure sign-in is kept in memory only: you will sign in again next launch.';

export function memoryOnlyStore(why = 'none'): SecretStore {
  const refuse = (): Promise<never> => Promise.reject(new Error(`no OS encryption (${why}): nothing secret is written`));
  return { description: why, encrypts: false, encrypt: refuse, decrypt: refuse };
}

/** What Sweepdeck uses of Electron's `safeStorage` (structural, so core needs no Electron types). */
export interface SafeStorageLike {
  isEncryptionAvailable(): boolean;
  encryptString(plain: string): Buffer;
  decryptString(data: Buffer): string;
  /** Linux only: 'basic_text' means a hard-coded key, i.e. no real OS encryption. */
  getSelectedStorageBackend?(): string;
}

export function safeStorageSecretStore(safeStorage: SafeStorageLike, platform: NodeJS.Platform = process.platform): SecretStore {
  const backend = platform === 'linux' ? safeStorage.getSelectedStorageBackend?.() : undefined;
  // basic_text "encrypts" with a key baked into Chromium: as good as plain text, so refuse it.
  if (!safeStorage.isEncryptionAvailable() || backend === 'basic_text' || backend === 'unknown') {
    return memoryOnlyStore(`Electron safeStorage unavailable${backend ? ` (backend ${backend})` : ''}`);
  }
  return {
    description: `Electron safeStorage${backend ? ` (${backend})` : ''}`,
    encrypts: true,
    encrypt: async (plain) => safeStorage.encryptString(plain),
    decrypt: async (data) => safeStorage.decryptString(data),
  };
}
