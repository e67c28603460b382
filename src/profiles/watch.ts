// Hot reload: profiles reload when their files change. An edit that does not load keeps the
// last good profiles, and the log says why.
import { existsSync, statSync, watch, type FSWatcher } from 'node:fs';
import { basename, dirname } from 'node:path';
import { formatDiagnostic } from './diagnostics.js';
import { loadProfiles, type ProfileRegistry } from './registry.js';

export class ProfileSource {
  private current: ProfileRegistry;
  private readonly watchers: FSWatcher[] = [];
  private pending: NodeJS.Timeout | undefined;

  constructor(
    private readonly dirs: string[],
    private readonly log: (line: string) => void,
  ) {
    const first = loadProfiles(dirs);
    for (const d of [...first.errors, ...first.warnings]) log(formatDiagnostic(d));
    this.current = first.registry;
  }

  get registry(): ProfileRegistry {
    return this.current;
  }

  /** Reloads now: the new profiles if they load without errors, else the old ones stay. */
  reload(): boolean {
    const next = loadProfiles(this.dirs);
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
            const ok = this.reload();
            onReload?.(ok);
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
