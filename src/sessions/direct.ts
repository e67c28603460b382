// `--allow-direct`: a `~/.ssh/config` alias or `user@host[:port]` opened as a one-hop profile.
import { homedir } from 'node:os';
import { join } from 'node:path';
import { GatewalkError } from '../errors.js';
import type { ResolvedProfile } from '../profiles/types.js';
import { parseTarget, resolveHostAlias } from '../ssh/ssh-config.js';

// A shell prompt the way most shells draw one: ends in $, # or % (and a space) at the end.
const GENERIC_PROMPT = '[$#%>] ?$';

/** Whether `text` looks like a direct target rather than a profile name. */
export function looksDirect(text: string, sshConfigFile?: string): boolean {
  return text.includes('@') || resolveHostAlias(text, sshConfigFile) !== null;
}

export function directProfile(
  target: string,
  sshConfigFile?: string,
  timeoutMs = 15_000,
): ResolvedProfile {
  const { user, host, port } = parseTarget(target);
  if (!/^[A-Za-z0-9._:[\]-]+$/.test(host))
    throw new GatewalkError('target_invalid', `"${target}" is not user@host[:port] or an alias`);
  const source = { file: sshConfigFile ?? join(homedir(), '.ssh', 'config'), line: 1, col: 1 };
  return Object.freeze({
    name: target,
    description: `direct SSH to ${target}`,
    source,
    ancestors: [],
    params: {},
    values: {},
    connect: {
      host,
      port,
      user,
      password: null,
      privateKey: null,
      passphrase: null,
      agent: true,
      hostKey: { kind: 'default' },
      via: null,
      keepaliveMs: 15_000,
      timeoutMs: 15_000,
    },
    terminal: { term: 'xterm-256color', cols: 200, rows: 50 },
    timeoutMs,
    openTimeoutMs: 30_000,
    on: [],
    policy: { readOnly: false, deny: [] },
    hops: [
      {
        name: host,
        steps: [],
        prompt: GENERIC_PROMPT,
        shell: 'posix',
        exit: 'exit',
        on: [],
        declaredBy: target,
        source,
      },
    ],
  } as ResolvedProfile);
}
