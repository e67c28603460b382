import { afterAll, beforeAll } from 'vitest';
import type { Lab } from '../../lab/server.js';
import { LAB_CLIENT_KEY } from '../../lab/server.js';
import {
  closeSession,
  openSession,
  type NavSession,
  type OpenOptions,
} from '../../src/navigator/session.js';
import { loadProfiles } from '../../src/profiles/registry.js';
import { ShellExecutor } from '../../src/shell/executor.js';
import { labOnFreePort } from './lab.js';
import type { ProfileRegistry } from '../../src/profiles/registry.js';
import { packagePath } from '../../src/paths.js';
import type { Pty } from '../../src/terminal/pty.js';
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

/**
 * A profile (YAML under `profiles:`) that passes the lab's OTP gate (`faults.otp`) with the
 * secret `ask` (a `send_secret` value) and stands at its menu.
 */
export function otpGateProfile(lab: Lab, name: string, ask: string): string {
  return `  ${name}:
    connect: ${labConnect(lab)}
    timeout: 5s
    hops:
      - name: menu
        steps:
          - wait_for: 'Verification code: $'
          - send_secret: ${ask}
        prompt: 'Target IP: $'
        shell: none
        exit: q
`;
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

/**
 * A lab for one test file (started before, stopped after), the shipped profiles pointed at it,
 * and shells opened on it that are closed at the end.
 */
export function useLab(options: Parameters<typeof labOnFreePort>[0] = {}) {
  const sessions: NavSession[] = [];
  const fixture = {
    lab: undefined as unknown as Lab,
    open: undefined as unknown as ReturnType<typeof atLab>,
    /** Options that resolve `via` targets of the shipped profiles. */
    options: () => ({ lookup: (n: string) => fixture.open(n) }),
    async shellAt(profile: string): Promise<ShellExecutor> {
      const session = await openSession(fixture.open(profile), fixture.options());
      sessions.push(session);
      return new ShellExecutor(session);
    },
  };
  beforeAll(async () => {
    fixture.lab = await labOnFreePort(options);
    fixture.open = atLab(shipped, fixture.lab);
  });
  afterAll(async () => {
    for (const s of sessions) await closeSession(s, { leave: false });
    await fixture.lab.close();
  });
  return fixture;
}

/** Resolves once the PTY's text from now on has shown `text` (event-driven), within `ms`. */
export function ptyShows(pty: Pty, text: string, ms = 10_000): Promise<void> {
  return new Promise((resolve, reject) => {
    let all = '';
    const timer = setTimeout(() => {
      off();
      reject(new Error(`no "${text}" within ${ms} ms`));
    }, ms);
    const off = pty.onText((t) => {
      all += t;
      if (!all.includes(text)) return;
      clearTimeout(timer);
      off();
      resolve();
    });
  });
}
