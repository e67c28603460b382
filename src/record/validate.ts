// A written draft through the project's own checks, as `gatewalk validate` runs them: the YAML,
// the schema, the profile checks (extends, regexes, parameters) and the lint, together with the
// profile folders (a draft that extends a profile, or a `via`, needs them).
import { resolve } from 'node:path';
import type { Diagnostic } from '../profiles/diagnostics.js';
import { loadProfiles, type ProfileRegistry } from '../profiles/registry.js';

export interface DraftCheck {
  /** Problems in the draft file (file:line:col); none means it loads and resolves. */
  errors: Diagnostic[];
  warnings: Diagnostic[];
  registry: ProfileRegistry;
}

/**
 * Loads the draft `file` with the profile folders `dirs`. Problems of other files are not the
 * draft's (a folder may not exist): only the draft file's count, and the profile must be there.
 */
export function validateDraft(name: string, file: string, dirs: string[]): DraftCheck {
  const loaded = loadProfiles([...dirs, file]);
  const own = (d: Diagnostic) => resolve(d.file) === resolve(file);
  const errors = loaded.errors.filter(own);
  if (errors.length === 0 && !loaded.registry.has(name))
    errors.push({
      severity: 'error',
      file,
      line: 1,
      col: 1,
      message: `no loadable profile "${name}" in the draft${loaded.errors.length > 0 ? ` (${loaded.errors.length} problem(s) elsewhere: ${loaded.errors[0]?.message ?? ''})` : ''}`,
    });
  return { errors, warnings: loaded.warnings.filter(own), registry: loaded.registry };
}
