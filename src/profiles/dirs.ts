import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

/**
 * The default profile folders, in the order they are tried: ./profiles (a project's own), then
 * $XDG_CONFIG_HOME/gatewalk/profiles (~/.config/gatewalk/profiles without it: the person's own,
 * found whatever folder a client starts the server in).
 */
export function defaultProfileDirs(env: Record<string, string | undefined>, cwd: string): string[] {
  const config = env.XDG_CONFIG_HOME || join(env.HOME || homedir(), '.config');
  return [resolve(cwd, 'profiles'), resolve(config, 'gatewalk', 'profiles')];
}

/**
 * Where profiles are read from: `--profiles DIR` flags (repeatable), else GATEWALK_PROFILES
 * (`:`-separated), else the first default folder that exists (defaultProfileDirs). When none
 * exists, all of them: loading reports each as missing, so the message names every folder tried.
 * Only the first found, not all: the same profile in both would clash as a duplicate.
 */
export function profileDirs(
  flags: string[],
  env: Record<string, string | undefined>,
  cwd: string,
): string[] {
  if (flags.length > 0) return flags.map((d) => resolve(cwd, d));
  const fromEnv = (env.GATEWALK_PROFILES ?? '').split(':').filter((d) => d !== '');
  if (fromEnv.length > 0) return fromEnv.map((d) => resolve(cwd, d));
  const defaults = defaultProfileDirs(env, cwd);
  const found = defaults.find((d) => existsSync(d));
  return found ? [found] : defaults;
}
