import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let cachedRoot: string | undefined;

/**
 * The package root (the folder holding package.json), found from this module's location so it
 * works both from sources (`src/`, under vitest) and from the build (`dist/src/`).
 */
export function packageRoot(): string {
  if (cachedRoot) return cachedRoot;
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error('gatewalk: cannot find the package root');
    dir = parent;
  }
  cachedRoot = dir;
  return dir;
}

/** A path inside the package, e.g. `packagePath('lab', 'keys', 'host_ed25519')`. */
export function packagePath(...parts: string[]): string {
  return join(packageRoot(), ...parts);
}
