import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadProfiles, type LoadResult } from '../../src/profiles/registry.js';

/** Writes profile files into a fresh folder and loads it. */
export function loadFromTexts(files: Record<string, string>): LoadResult & { dir: string } {
  const dir = mkdtempSync(join(tmpdir(), 'gatewalk-profiles-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return { ...loadProfiles([dir]), dir };
}
