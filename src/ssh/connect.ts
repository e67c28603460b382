import { existsSync, readFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import type { Duplex } from 'node:stream';
import ssh2 from 'ssh2';
import type { ConnectConfig, KeyboardInteractiveCallback, Prompt } from 'ssh2';
import { GatewalkError, isGatewalkError } from '../errors.js';
import { resolveSecret, type SecretContext } from '../profiles/secrets.js';
import type { HostKeyPolicy, ResolvedProfile } from '../profiles/types.js';
import { callbackWithin } from '../util/timeout.js';
import { checkHostKey, preferredHostKeyAlgorithms } from './host-keys.js';
import { resolveHostAlias } from './ssh-config.js';

const { Client } = ssh2;
export type SshClient = InstanceType<typeof Client>;

export interface ConnectDeps {
  /** Resolves the profile a `via` names (with its default parameters). */
  lookup: (name: string) => ResolvedProfile;
  secrets?: SecretContext;
  /** ~/.ssh/config by default. */
  sshConfigFile?: string;
  /** ~/.ssh/known_hosts by default. */
  knownHostsFile?: string;
  /** The ssh-agent socket for `agent: true` (default: SSH_AUTH_SOCK). */
  agentSocket?: string;
  /** Keepalive for connections whose profile sets none (the server uses one to notice drops). */
  defaultKeepaliveMs?: number;
  /**
   * Asks a person a keyboard-interactive prompt nothing else answers (`gatewalk record`: MFA
   * asked at login). `echo` is the server's flag. Only the profile's own endpoint asks, not its
   * jumps; null answers nothing (an empty answer, as without it).
   */
  prompt?: (text: string, echo: boolean) => Promise<string | null>;
}

/** An SSH connection, with the jump connections it goes through (outermost first). */
export interface SshConnection {
  client: SshClient;
  jumps: SshClient[];
  /** `user@host:port` of the final connection, for messages. */
  target: string;
  close(): void;
}

interface Endpoint {
  host: string;
  port: number;
  user: string;
  hostKey: HostKeyPolicy;
  password: string | null;
  privateKey: Buffer | null;
  passphrase: string | null;
  agent: boolean;
  timeoutMs: number;
  keepaliveMs: number | null;
  /** Answers keyboard-interactive prompts other than the password (OTP and the like). */
  answer: (prompt: string) => Promise<string | null>;
}

async function endpointOf(
  profile: ResolvedProfile,
  deps: ConnectDeps,
): Promise<{ endpoint: Endpoint; aliasJumps: Endpoint[] }> {
  const c = profile.connect;
  const alias = resolveHostAlias(c.host, deps.sshConfigFile);
  const secret = async (ref: typeof c.password) => (ref ? resolveSecret(ref, deps.secrets) : null);
  let privateKey: Buffer | null = null;
  if (c.privateKey) privateKey = Buffer.from(await resolveSecret(c.privateKey, deps.secrets));
  else {
    const file = alias?.identityFiles.find((f) => existsSync(f));
    if (file) privateKey = readFileSync(file);
  }
  const handlers = profile.on;
  const endpoint: Endpoint = {
    host: alias?.hostName ?? c.host,
    port: c.port ?? alias?.port ?? 22,
    user: c.user ?? alias?.user ?? userInfo().username,
    hostKey: c.hostKey,
    password: await secret(c.password),
    privateKey,
    passphrase: await secret(c.passphrase),
    agent: c.agent,
    timeoutMs: c.timeoutMs ?? 15_000,
    keepaliveMs: c.keepaliveMs ?? deps.defaultKeepaliveMs ?? null,
    answer: async (prompt) => {
      // The profile's handlers answer keyboard-interactive prompts too (an OTP, a PIN).
      const h = handlers.find((x) => new RegExp(x.match, 'm').test(prompt));
      if (!h) return null;
      if (h.action.kind === 'send_text') return h.action.text;
      if (h.action.kind === 'send_secret') return resolveSecret(h.action.secret, deps.secrets);
      throw new GatewalkError('auth_failed', `${prompt.trim()}: ${h.action.message}`);
    },
  };
  const aliasJumps = (c.via ? [] : (alias?.proxyJump ?? [])).map((j): Endpoint => {
    // A jump host may be an alias itself, with its own HostName, Port, User and IdentityFile.
    const own = resolveHostAlias(j.host, deps.sshConfigFile);
    const ownKey = own?.identityFiles.find((f) => existsSync(f));
    return {
      host: own?.hostName ?? j.host,
      port: j.port ?? own?.port ?? 22,
      user: j.user ?? own?.user ?? userInfo().username,
      hostKey: { kind: 'default' },
      password: null,
      privateKey: ownKey ? readFileSync(ownKey) : privateKey,
      passphrase: null,
      agent: true,
      timeoutMs: endpoint.timeoutMs,
      keepaliveMs: null,
      answer: async () => null,
    };
  });
  return { endpoint, aliasJumps };
}

function describe(e: Endpoint): string {
  return `${e.user}@${e.host}:${e.port}`;
}

/** One SSH connection, over `sock` when it goes through a jump. */
function connectEndpoint(
  e: Endpoint,
  deps: ConnectDeps,
  sock?: Duplex,
  ask?: ConnectDeps['prompt'],
): Promise<SshClient> {
  return new Promise((resolve, reject) => {
    const client = new Client();
    let hostKeyError: unknown;
    let settled = false;
    const fail = (err: unknown) => {
      if (settled) return;
      settled = true;
      client.end();
      reject(err);
    };
    client.on('ready', () => {
      settled = true;
      client.setNoDelay(true);
      resolve(client);
    });
    client.on('error', (err: Error & { level?: string; code?: string }) => {
      if (hostKeyError) return fail(hostKeyError);
      if (isGatewalkError(err)) return fail(err);
      const where = describe(e);
      if (err.level === 'client-authentication') {
        return fail(
          new GatewalkError(
            'auth_failed',
            `ssh ${where}: authentication failed (the server refused every method tried); check the profile's user and credentials`,
          ),
        );
      }
      if (err.level === 'client-timeout' || /Timed out/.test(err.message)) {
        return fail(
          new GatewalkError(
            'connect_timeout',
            `ssh ${where}: no answer within ${e.timeoutMs} ms (connect.timeout)`,
          ),
        );
      }
      const code = err.code ? ` (${err.code})` : '';
      fail(new GatewalkError('connect_failed', `ssh ${where}: ${err.message}${code}`));
    });
    client.on('close', () =>
      fail(
        new GatewalkError(
          'connect_failed',
          `ssh ${describe(e)}: the connection closed during login`,
        ),
      ),
    );
    client.on(
      'keyboard-interactive',
      (_name, _instructions, _lang, prompts: Prompt[], finish: KeyboardInteractiveCallback) => {
        Promise.all(
          prompts.map(async (p) => {
            // The profile's handlers first (an OTP, a Duo passcode), then the password, but
            // only for a prompt that asks for exactly that.
            const answer = await e.answer(p.prompt);
            if (answer !== null) return answer;
            const asksPassword = /^\s*(\S+'s )?password( for \S+)?:?\s*$/i.test(p.prompt);
            if (asksPassword && e.password !== null) return e.password;
            return (await ask?.(p.prompt, p.echo ?? false)) ?? '';
          }),
        ).then(finish, fail);
      },
    );
    const check = {
      host: e.host,
      port: e.port,
      policy: e.hostKey,
      ...(deps.knownHostsFile ? { defaultKnownHosts: deps.knownHostsFile } : {}),
    };
    const preferred = preferredHostKeyAlgorithms(check);
    const agentSocket = deps.agentSocket ?? process.env.SSH_AUTH_SOCK;
    const config: ConnectConfig = {
      // ssh2 takes { prepend } for algorithm lists; its types only know plain arrays.
      ...(preferred.length > 0
        ? { algorithms: { serverHostKey: { prepend: preferred } as never } }
        : {}),
      host: e.host,
      port: e.port,
      username: e.user,
      readyTimeout: e.timeoutMs,
      tryKeyboard: true,
      hostVerifier: (key: Buffer) => {
        try {
          checkHostKey(check, key);
          return true;
        } catch (err) {
          hostKeyError = err;
          return false;
        }
      },
      ...(sock ? { sock } : {}),
      ...(e.password !== null ? { password: e.password } : {}),
      ...(e.privateKey ? { privateKey: e.privateKey } : {}),
      ...(e.passphrase !== null ? { passphrase: e.passphrase } : {}),
      ...(e.agent && agentSocket ? { agent: agentSocket } : {}),
      ...(e.keepaliveMs ? { keepaliveInterval: e.keepaliveMs } : {}),
    };
    try {
      client.connect(config);
    } catch (err) {
      // ssh2 throws synchronously on an unparsable key or passphrase problems.
      fail(
        new GatewalkError(
          'auth_failed',
          `ssh ${describe(e)}: ${err instanceof Error ? err.message : String(err)}`,
        ),
      );
    }
  });
}

function forward(
  client: SshClient,
  host: string,
  port: number,
  timeoutMs: number,
): Promise<Duplex> {
  return callbackWithin<Duplex>(
    (done) => client.forwardOut('127.0.0.1', 0, host, port, done),
    timeoutMs,
    () =>
      new GatewalkError(
        'connect_timeout',
        `jump to ${host}:${port}: no answer within ${timeoutMs} ms`,
      ),
    (err) => new GatewalkError('connect_failed', `jump to ${host}:${port} refused: ${err.message}`),
  );
}

/**
 * Opens the SSH connection of a profile: through its `via` chain (or its ~/.ssh/config
 * ProxyJump), with strict host-key checks at every hop before any credential is sent.
 */
export async function connectProfile(
  profile: ResolvedProfile,
  deps: ConnectDeps,
  seen: string[] = [],
): Promise<SshConnection> {
  if (seen.includes(profile.name)) {
    throw new GatewalkError(
      'profile_invalid',
      `via cycle: ${[...seen, profile.name].join(' -> ')}`,
    );
  }
  const { endpoint, aliasJumps } = await endpointOf(profile, deps);
  const jumps: SshClient[] = [];
  const closeAll = () => {
    for (const c of jumps) c.end();
  };
  try {
    let sock: Duplex | undefined;
    if (profile.connect.via) {
      const outer = await connectProfile(deps.lookup(profile.connect.via), deps, [
        ...seen,
        profile.name,
      ]);
      jumps.push(...outer.jumps, outer.client);
      sock = await forward(outer.client, endpoint.host, endpoint.port, endpoint.timeoutMs);
    }
    for (const jump of aliasJumps) {
      const client = await connectEndpoint(jump, deps, sock);
      jumps.push(client);
      sock = undefined;
      const next = aliasJumps[aliasJumps.indexOf(jump) + 1] ?? endpoint;
      sock = await forward(client, next.host, next.port, endpoint.timeoutMs);
    }
    // Only the profile asked for asks a person: a `via` profile answers from its own handlers.
    const client = await connectEndpoint(
      endpoint,
      deps,
      sock,
      seen.length === 0 ? deps.prompt : undefined,
    );
    return {
      client,
      jumps,
      target: describe(endpoint),
      close: () => {
        client.end();
        closeAll();
      },
    };
  } catch (err) {
    closeAll();
    throw err;
  }
}
