import { afterAll, beforeAll } from 'vitest';
import {
  PROMPTS,
  startOpenSshLab,
  type EntryName,
  type OpenSshLab,
} from '../../lab/openssh/sshd.js';
import { closeSession, openSession, type NavSession } from '../../src/navigator/session.js';
import type { ProfileRegistry } from '../../src/profiles/registry.js';
import { ShellExecutor, type ExecutorOptions } from '../../src/shell/executor.js';
import { profilesFrom } from './nav.js';

/** The YAML `connect:` block that logs in to one entry of the real-OpenSSH lab. */
export function entryConnect(lab: OpenSshLab, entry: EntryName, extra = ''): string {
  return `{ host: 127.0.0.1, port: ${lab.port}, user: ${lab.user}, private_key: { file: '${lab.key(entry)}' }, host_key: { fingerprint: '${lab.fingerprint}' }${extra} }`;
}

/** YAML single-quoted scalar. */
/**
 * The KoKo asset hop (host db-prod-02 picked from the paged list, account dba), as an item of a
 * profile's `hops:` list indented by six spaces, as in
 * `profiles:\n  NAME:\n    hops:\n${KOKO_ASSET_HOP}`.
 */
export const KOKO_ASSET_HOP = `      - name: asset
        steps:
          - send_text: p
          - wait_for: '\\[Host\\]> $'
          - select: { line: '^\\s*(?<key>\\d+)\\s*\\|\\s*(?<label>[^|]+?)\\s*\\|', item: '^db-prod-02$', send: '\${key}', next_page: { send_text: n } }
          - wait_for: 'ID> $'
          - send_text: dba
        prompt: '\\[dba@db-prod-02 [^\\]]*\\]\\$ $'
        shell: posix
        exit: exit`;

export const yq = (text: string) => `'${text.replaceAll("'", "''")}'`;

/**
 * Profiles (YAML under `profiles:`) for the lab's master and its pods through kubectl:
 * `master`, `bash-pod`, `ash-pod`; `extra` is added to each pod hop (handlers, say).
 */
export function podProfiles(lab: OpenSshLab, extra = ''): string {
  return `  master:
    connect: ${entryConnect(lab, 'master')}
    timeout: 5s
    hops:
      - { name: master, prompt: ${yq(PROMPTS.master)}, shell: posix, exit: exit }
  bash-pod:
    extends: master
    hops:
      - name: pod
        steps: [{ send_text: 'kubectl exec -it bash-pod -- bash' }]
        prompt: '\\[pod:bash-pod [^\\]]*\\]\\$ $'
        shell: posix
        exit: exit${extra}
  ash-pod:
    extends: master
    hops:
      - name: pod
        steps: [{ send_text: 'kubectl exec -it ash-pod -- sh' }]
        prompt: '^/[^\\n]* # $'
        shell: posix
        exit: exit${extra}
`;
}

/**
 * A real-OpenSSH lab for one test file (started before, stopped after), and the sessions opened
 * on it, closed at the end.
 */
export function useOpenSshLab() {
  const sessions: NavSession[] = [];
  const fixture = {
    lab: undefined as unknown as OpenSshLab,
    /** A registry of profiles written for the test (`profiles:` entries, indented 2). */
    profiles: (yaml: string): ProfileRegistry => profilesFrom(yaml),
    /** Opens a profile of a registry; closed (leaving its hops) after the file. */
    async open(registry: ProfileRegistry, name: string, params: Record<string, string> = {}) {
      const session = await openSession(registry.resolve(name, params), {
        lookup: (n) => registry.resolveVia(n),
      });
      sessions.push(session);
      return session;
    },
    /** A one-hop profile for a shell entry, at its prompt, and an executor there. */
    async shell(entry: EntryName, prompt: string, options: ExecutorOptions = {}) {
      const registry = profilesFrom(`  ${entry}:
    connect: ${entryConnect(fixture.lab, entry)}
    timeout: 5s
    hops:
      - { name: ${entry}, prompt: ${yq(prompt)}, shell: posix, exit: exit }
`);
      const session = await fixture.open(registry, entry);
      return { session, sh: new ShellExecutor(session, options) };
    },
  };
  beforeAll(async () => {
    fixture.lab = await startOpenSshLab();
  }, 30_000);
  afterAll(async () => {
    for (const s of sessions) await closeSession(s).catch(() => undefined);
    await fixture.lab?.close();
  }, 30_000);
  return fixture;
}
