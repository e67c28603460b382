import type { Lab } from '../../lab/server.js';
import { LAB_CLIENT_KEY } from '../../lab/server.js';
import {
  closeSession,
  openSession,
  type NavSession,
  type OpenOptions,
} from '../../src/navigator/session.js';
import { loadProfiles } from '../../src/profiles/registry.js';
import type { ProfileRegistry } from '../../src/profiles/registry.js';
import { packagePath } from '../../src/paths.js';
import { loadFromTexts } from './profiles.js';

export const shipped = loadProfiles([packagePath('profiles')]).registry;

/** A registry whose profiles point at this lab (its port as `lab_port` or written in). */
export function atLab(registry: ProfileRegistry, lab: Lab) {
  return (name: string, params: Record<string, string | number> = {}) =>
    registry.resolve(
      name,
      registry.resolveForListing(name).params.lab_port ? { lab_port: lab.port, ...params } : params,
    );
}

/** The YAML `connect:` block that reaches a lab with its test key and pinned host key. */
export function labConnect(lab: Lab, extra = ''): string {
  return `{ host: 127.0.0.1, port: ${lab.port}, user: ops, private_key: { file: '${LAB_CLIENT_KEY}' }, host_key: { fingerprint: '${lab.fingerprint}' }${extra} }`;
}

/** Loads profile YAML written for a test (profiles: ...). */
export function profilesFrom(yaml: string): ProfileRegistry {
  const { registry, errors } = loadFromTexts({ 'test.yaml': `version: 1\nprofiles:\n${yaml}` });
  if (errors.length > 0) throw new Error(errors.map((e) => e.message).join('\n'));
  return registry;
}

/** Opens a session and always closes it after `use`. */
export async function withSession<T>(
  profile: ReturnType<ProfileRegistry['resolve']>,
  options: OpenOptions,
  use: (s: NavSession) => Promise<T>,
): Promise<T> {
  const session = await openSession(profile, options);
  try {
    return await use(session);
  } finally {
    await closeSession(session);
  }
}
