import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import sshConfigModule from 'ssh-config';

// ssh-config ships CommonJS with a default export; under NodeNext the class is on .default
// or is the module itself depending on the loader.
const SSHConfig = ((sshConfigModule as unknown as { default?: typeof sshConfigModule }).default ??
  sshConfigModule) as typeof sshConfigModule;

export interface HostAlias {
  hostName: string;
  port: number | null;
  user: string | null;
  identityFiles: string[];
  /** ProxyJump hops, outermost first: `user@host:port` each. */
  proxyJump: { user: string | null; host: string; port: number | null }[];
}

function expandHome(path: string): string {
  return path === '~' || path.startsWith('~/') ? homedir() + path.slice(1) : path;
}

/** Parses `[user@]host[:port]`, as ProxyJump and `user@host[:port]` targets are written. */
export function parseTarget(text: string): {
  user: string | null;
  host: string;
  port: number | null;
} {
  const at = text.lastIndexOf('@');
  const user = at >= 0 ? text.slice(0, at) : null;
  let rest = at >= 0 ? text.slice(at + 1) : text;
  let port: number | null = null;
  const bracket = /^\[(.+)\](?::(\d+))?$/.exec(rest);
  if (bracket) {
    rest = bracket[1] as string;
    port = bracket[2] ? Number(bracket[2]) : null;
  } else {
    const m = /^([^:]+):(\d+)$/.exec(rest);
    if (m) {
      rest = m[1] as string;
      port = Number(m[2]);
    }
  }
  return { user, host: rest, port };
}

/**
 * What ~/.ssh/config says about `host` (HostName, Port, User, IdentityFile, ProxyJump), with
 * OpenSSH's first-match-wins rules, or null when the file has nothing for it.
 */
export function resolveHostAlias(
  host: string,
  configFile = join(homedir(), '.ssh', 'config'),
): HostAlias | null {
  if (!existsSync(configFile)) return null;
  const computed = SSHConfig.parse(readFileSync(configFile, 'utf8')).compute(host);
  const one = (key: string): string | undefined => {
    const v = computed[key];
    return Array.isArray(v) ? v[0] : v;
  };
  const keys = ['HostName', 'Port', 'User', 'IdentityFile', 'ProxyJump'];
  if (!keys.some((k) => computed[k] !== undefined)) return null;
  const identity = computed.IdentityFile;
  const jump = one('ProxyJump');
  return {
    hostName: (one('HostName') ?? host).replaceAll('%h', host),
    port: one('Port') ? Number(one('Port')) : null,
    user: one('User') ?? null,
    identityFiles: (Array.isArray(identity) ? identity : identity ? [identity] : []).map(
      expandHome,
    ),
    proxyJump: jump && jump !== 'none' ? jump.split(',').map((t) => parseTarget(t.trim())) : [],
  };
}
