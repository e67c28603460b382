import { resolve } from 'node:path';

/**
 * Where profiles are read from: `--profiles DIR` flags (repeatable), else GATEWALK_PROFILES
 * (`:`-separated), else ./profiles.
 */
export function profileDirs(
  flags: string[],
  env: Record<string, string | undefined>,
  cwd: string,
): string[] {
  if (flags.length > 0) return flags.map((d) => resolve(cwd, d));
  const fromEnv = (env.GATEWALK_PROFILES ?? '').split(':').filter((d) => d !== '');
  if (fromEnv.length > 0) return fromEnv.map((d) => resolve(cwd, d));
  return [resolve(cwd, 'profiles')];
}
