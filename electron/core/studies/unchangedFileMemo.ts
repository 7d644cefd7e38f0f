// What a read-only connection has read, kept while no other connection has committed to the file.
// SQLite's data_version changes on a connection when another connection commits; a read-only
// connection commits nothing itself, so an unchanged data_version means the file's content is the
// one the value was read from. The app asks for a study's summary and distributions on every
// screen that shows it (the sweeps list, then the study's page): at 100,000 trials each is a scan
// of ~0.1 s that a file nobody writes to need not pay again. Callers get a copy, never the kept
// value, so what they do with it cannot change the next caller's.
export class UnchangedFileMemo {
  private version: number | null = null;
  private readonly values = new Map<string, unknown>();

  constructor(private readonly dataVersion: () => number) {}

  get<T>(key: string, read: () => T): T {
    const version = this.dataVersion();
    if (version !== this.version) {
      this.values.clear();
      this.version = version;
    }
    if (!this.values.has(key)) this.values.set(key, read());
    return structuredClone(this.values.get(key)) as T;
  }
}
