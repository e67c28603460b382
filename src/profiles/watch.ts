// Hot reload: profiles reload when their files change. An edit that does not load keeps the
// last good profiles, and the log says why. The profile modules (YAML, schema, lint) load with
// the first load, not with this one: a server answers its client before loading profiles.
import { existsSync, statSync, watch, type FSWatcher } from 'node:fs';
import { basename, dirname } from 'node:path';
import { formatDiagnostic } from './diagnostics.js';
import type { ProfileRegistry } from './registry.js';

export class ProfileSource {
  private current: ProfileRegistry | undefined;
  private first: Promise<ProfileRegistry> | undefined;
  private readonly watchers: FSWatcher[] = [];
  private pending: NodeJS.Timeout | undefined;

  /** Nothing is loaded yet: the first `registry()` loads (or `load()`, to start early). */
  constructor(
    private readonly dirs: string[],
    private readonly log: (line: string) => void,
  ) {}

  /** Starts the first load, unless started: every error and warning of it is logged. */
  load(): Promise<ProfileRegistry> {
    this.first ??= import('./registry.js').then(({ loadProfiles }) => {
      const first = loadProfiles(this.dirs);
      for (const d of [...first.errors, ...first.warnings]) this.log(formatDiagnostic(d));
      this.current ??= first.registry;
      return first.registry;
    });
    return this.first;
  }

  /** The profiles as they are now (after the first load). */
  async registry(): Promise<ProfileRegistry> {
    const first = await this.load();
    return this.current ?? first;
  }

  /** Reloads now: the new profiles if they load without errors, else the old ones stay. */
  async reload(): Promise<boolean> {
    if (!this.first) {
      // Changed before the first load: that load reads the files as they are now.
      await this.load();
      return true;
    }
    await this.first;
    const { loadProfiles } = await import('./registry.js');
    // Errors only: warnings are logged at the first load (and by `gatewalk validate`).
    const next = loadProfiles(this.dirs, { lint: false });
    if (next.errors.length > 0) {
      this.log(
        `profiles not reloaded, the last good ones stay: ${next.errors.map(formatDiagnostic).join('; ')}`,
      );
      return false;
    }
    this.current = next.registry;
    this.log(`profiles reloaded: ${next.registry.openable().join(', ')}`);
    return true;
  }

  /** Watches the folders (and files) given; editors write in bursts, so changes are batched. */
  watch(onReload?: (ok: boolean) => void): void {
    for (const path of this.dirs) {
      // A file is watched through its folder: editors save by writing a new file and renaming
      // it over the old one, which ends a watch on the file itself.
      const isFile = existsSync(path) && statSync(path).isFile();
      const dir = isFile ? dirname(path) : path;
      try {
        const w = watch(dir, (_event, name) => {
          if (isFile && name !== null && name !== basename(path)) return;
          clearTimeout(this.pending);
          // Not `onReload?.(this.reload())`: an optional call skips its arguments when there is
          // no callback, and the instance watches without one: nothing ever reloaded.
          this.pending = setTimeout(() => {
            void this.reload().then((ok) => onReload?.(ok));
          }, 100);
        });
        w.on('error', () => undefined);
        this.watchers.push(w);
      } catch (err) {
        this.log(`cannot watch ${dir}: ${(err as Error).message}`);
      }
    }
  }

  close(): void {
    clearTimeout(this.pending);
    for (const w of this.watchers) w.close();
  }
}
