import { createHmac, randomBytes } from 'node:crypto';
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdtempSync,
  readFileSync,
  writeFileSync,
} from 'node:fs';
import { execFileSync, spawn } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ssh2 from 'ssh2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFreezableProxy } from '../../lab/proxy.js';
import { LAB_CLIENT_KEY, LAB_HOST_KEY, startLab, type Lab } from '../../lab/server.js';
import { openSession } from '../../src/navigator/session.js';
import { GatewalkError } from '../../src/errors.js';
import { labConnect, profilesFrom, withSession } from '../helpers/nav.js';

const dir = mkdtempSync(join(tmpdir(), 'gatewalk-connect-'));
const hostPub = readFileSync(`${LAB_HOST_KEY}.pub`, 'utf8').split(' ').slice(0, 2).join(' ');
let lab: Lab;
const logs: string[] = [];
beforeAll(async () => {
  lab = await startLab({ port: 0, log: (l) => logs.push(l) });
});
afterAll(() => lab.close());

/** A one-hop profile to the lab's menu with the given host_key (YAML) and connect extras. */
function menuProfile(hostKey: string, extra = '') {
  const connect = `{ host: 127.0.0.1, port: ${lab.port}, user: ops, private_key: { file: '${LAB_CLIENT_KEY}' }${hostKey ? `, host_key: ${hostKey}` : ''}${extra} }`;
  const registry = profilesFrom(
    `  menu:\n    connect: ${connect}\n    timeout: 3s\n    hops: [{ name: menu, prompt: 'Target IP: $' }]\n`,
  );
  return { profile: registry.resolve('menu'), lookup: (n: string) => registry.resolve(n) };
}

const otherKey = () => {
  const k = ssh2.utils.generateKeyPairSync('ecdsa', { bits: 256 });
  return k.public.split(' ').slice(0, 2).join(' ');
};

async function refused(
  p: ReturnType<typeof menuProfile>,
  knownHostsFile?: string,
): Promise<GatewalkError> {
  const since = logs.length;
  const err = await openSession(p.profile, {
    lookup: p.lookup,
    ...(knownHostsFile ? { knownHostsFile } : {}),
  }).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(GatewalkError);
  // Refused before authentication: the lab never saw a credential.
  expect(logs.slice(since).filter((l) => l.startsWith('auth attempt'))).toEqual([]);
  return err as GatewalkError;
}

describe('host keys', () => {
  it('refuses an unknown host key by default, naming the fingerprint', async () => {
    const empty = join(dir, 'empty_known_hosts');
    writeFileSync(empty, '');
    const err = await refused(menuProfile(''), empty);
    expect(err.code).toBe('host_key_unknown');
    expect(err.message).toContain(
      `host key of [127.0.0.1]:${lab.port} is unknown: ${lab.fingerprint} is not in ${empty}`,
    );
  });

  it('refuses a changed host key with the expected and received fingerprints', async () => {
    const file = join(dir, 'changed_known_hosts');
    writeFileSync(file, `# old entry\n[127.0.0.1]:${lab.port} ${otherKey()}\n`);
    const err = await refused(menuProfile(`{ known_hosts: '${file}' }`));
    expect(err.code).toBe('host_key_mismatch');
    expect(err.message).toMatch(
      new RegExp(
        `has changed: expected SHA256:\\S+ \\(${file}:2\\), received ${lab.fingerprint.replace(/[+/]/g, '\\$&')}`,
      ),
    );
  });

  it('refuses a key that does not match a pinned fingerprint', async () => {
    const err = await refused(menuProfile(`{ fingerprint: 'SHA256:${'A'.repeat(43)}' }`));
    expect(err.message).toContain(`expected SHA256:${'A'.repeat(43)}, received ${lab.fingerprint}`);
  });

  it('accepts a hashed known_hosts entry', async () => {
    const salt = randomBytes(20);
    const hash = createHmac('sha1', salt).update(`[127.0.0.1]:${lab.port}`).digest('base64');
    const file = join(dir, 'hashed_known_hosts');
    writeFileSync(file, `|1|${salt.toString('base64')}|${hash} ${hostPub}\n`);
    const p = menuProfile(`{ known_hosts: '${file}' }`);
    await withSession(p.profile, { lookup: p.lookup }, async (s) =>
      expect(s.walk.hops).toHaveLength(1),
    );
  });

  it('records a new key with accept_new, then still refuses a changed one', async () => {
    const file = join(dir, 'accept_new');
    const p = menuProfile(`{ accept_new: '${file}' }`);
    await withSession(p.profile, { lookup: p.lookup }, async () => {});
    expect(readFileSync(file, 'utf8')).toBe(`[127.0.0.1]:${lab.port} ${hostPub}\n`);
    await withSession(p.profile, { lookup: p.lookup }, async () => {});
    writeFileSync(file, `[127.0.0.1]:${lab.port} ${otherKey()}\n`);
    expect((await refused(p)).code).toBe('host_key_mismatch');
    // A file whose last line has no newline gets one before the new entry.
    writeFileSync(file, '# hand-edited, no newline at the end');
    await withSession(p.profile, { lookup: p.lookup }, async () => {});
    expect(readFileSync(file, 'utf8')).toBe(
      `# hand-edited, no newline at the end\n[127.0.0.1]:${lab.port} ${hostPub}\n`,
    );
  });
});

describe('logins and connections', () => {
  it('says so when the password is wrong', async () => {
    const p = menuProfile(`{ fingerprint: '${lab.fingerprint}' }`);
    const registry = profilesFrom(
      `  pw:\n    connect: { host: 127.0.0.1, port: ${lab.port}, user: ops, password: { env: PW }, host_key: { fingerprint: '${lab.fingerprint}' } }\n    timeout: 3s\n    hops: [{ name: menu, prompt: 'Target IP: $' }]\n`,
    );
    const err = await openSession(registry.resolve('pw'), {
      lookup: p.lookup,
      secrets: { env: { PW: 'not-the-password' } },
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GatewalkError);
    expect((err as GatewalkError).code).toBe('auth_failed');
    expect((err as GatewalkError).message).toBe(
      `ssh ops@127.0.0.1:${lab.port}: authentication failed (the server refused every method tried); check the profile's user and credentials`,
    );
    expect((err as GatewalkError).message).not.toContain('not-the-password');
    await withSession(
      registry.resolve('pw'),
      { lookup: p.lookup, secrets: { env: { PW: 'lab' } } },
      async (s) => {
        expect(s.walk.hops).toHaveLength(1);
      },
    );
  }, 30_000);

  it('answers keyboard-interactive password and OTP prompts from the profile', async () => {
    const seed = 'JBSWY3DPEHPK3PXP';
    const mfa = await startLab({
      port: 0,
      faults: { keyboardInteractive: true, otp: { seed, attempts: 1 } },
    });
    try {
      const registry = profilesFrom(`  mfa:
    connect: { host: 127.0.0.1, port: ${mfa.port}, user: ops, password: { env: PW }, host_key: { fingerprint: '${mfa.fingerprint}' } }
    timeout: 3s
    on: [{ match: 'Verification code', send_secret: { totp: { env: SEED } } }]
    hops: [{ name: menu, prompt: 'Target IP: $' }]
`);
      const lookup = (n: string) => registry.resolveVia(n);
      await withSession(
        registry.resolve('mfa'),
        { lookup, secrets: { env: { PW: 'lab', SEED: seed } } },
        async (s) => {
          expect(s.pty.screen.text()).toContain('CMSM Simulator');
        },
      );
      const wrongSeed = openSession(registry.resolve('mfa'), {
        lookup,
        secrets: { env: { PW: 'lab', SEED: 'GEZDGNBVGY3TQOJQ' } },
      });
      await expect(wrongSeed).rejects.toThrow('authentication failed');
    } finally {
      await mfa.close();
    }
  });

  it('jumps through a second lab with via', async () => {
    const jumpLogs: string[] = [];
    const jump = await startLab({ port: 0, log: (l) => jumpLogs.push(l) });
    try {
      const registry = profilesFrom(`  jump:
    abstract: true
    connect: ${labConnect(jump)}
  inner:
    connect: ${labConnect(lab, ', via: jump')}
    timeout: 3s
    hops: [{ name: menu, prompt: 'Target IP: $' }]
`);
      await withSession(
        registry.resolve('inner'),
        { lookup: (n) => registry.resolveVia(n) },
        async (s) => {
          expect(s.connection.jumps).toHaveLength(1);
          expect(s.connection.target).toBe(`ops@127.0.0.1:${lab.port}`);
        },
      );
      expect(jumpLogs.some((l) => l.endsWith('logged in'))).toBe(true);
    } finally {
      await jump.close();
    }
  });

  it('resolves a ~/.ssh/config alias (HostName, Port, User, IdentityFile)', async () => {
    const config = join(dir, 'ssh_config');
    writeFileSync(
      config,
      `Host lab-alias\n  HostName 127.0.0.1\n  Port ${lab.port}\n  User ops\n  IdentityFile ${LAB_CLIENT_KEY}\n`,
    );
    const registry = profilesFrom(
      `  aliased:\n    connect: { host: lab-alias, host_key: { fingerprint: '${lab.fingerprint}' } }\n    timeout: 3s\n    hops: [{ name: menu, prompt: 'Target IP: $' }]\n`,
    );
    await withSession(
      registry.resolve('aliased'),
      { lookup: (n) => registry.resolve(n), sshConfigFile: config },
      async (s) => {
        expect(s.connection.target).toBe(`ops@127.0.0.1:${lab.port}`);
      },
    );
  });

  it('follows a ProxyJump from ~/.ssh/config', async () => {
    const jump = await startLab({ port: 0 });
    try {
      const config = join(dir, 'ssh_config_jump');
      writeFileSync(
        config,
        `Host lab-behind-jump\n  HostName 127.0.0.1\n  Port ${lab.port}\n  User ops\n  IdentityFile ${LAB_CLIENT_KEY}\n  ProxyJump ops@127.0.0.1:${jump.port}\n`,
      );
      // The jump host is checked against the default known_hosts, strictly.
      const knownHostsFile = join(dir, 'jump_known_hosts');
      writeFileSync(knownHostsFile, `[127.0.0.1]:${jump.port} ${hostPub}\n`);
      const registry = profilesFrom(
        `  behind:\n    connect: { host: lab-behind-jump, host_key: { fingerprint: '${lab.fingerprint}' } }\n    timeout: 3s\n    hops: [{ name: menu, prompt: 'Target IP: $' }]\n`,
      );
      await withSession(
        registry.resolve('behind'),
        { lookup: (n) => registry.resolveVia(n), sshConfigFile: config, knownHostsFile },
        async (s) => {
          expect(s.connection.jumps).toHaveLength(1);
          expect(s.pty.rawLog().toString()).toContain('CMSM Simulator');
        },
      );
    } finally {
      await jump.close();
    }
  });

  it('logs in with a key from ssh-agent', async () => {
    const socket = join(dir, 'agent.sock');
    const agent = spawn('ssh-agent', ['-D', '-a', socket], { stdio: 'ignore' });
    try {
      while (!existsSync(socket)) await new Promise((r) => setTimeout(r, 10));
      const key = join(dir, 'agent_key');
      copyFileSync(LAB_CLIENT_KEY, key);
      chmodSync(key, 0o600);
      execFileSync('ssh-add', [key], {
        env: { ...process.env, SSH_AUTH_SOCK: socket },
        stdio: 'ignore',
      });
      const registry = profilesFrom(
        `  agent:\n    connect: { host: 127.0.0.1, port: ${lab.port}, user: ops, agent: true, host_key: { fingerprint: '${lab.fingerprint}' } }\n    timeout: 3s\n    hops: [{ name: menu, prompt: 'Target IP: $' }]\n`,
      );
      const since = logs.length;
      await withSession(
        registry.resolve('agent'),
        { lookup: (n) => registry.resolveVia(n), agentSocket: socket },
        async (s) => {
          expect(s.walk.hops).toHaveLength(1);
        },
      );
      expect(logs.slice(since)).toContain('auth attempt: publickey as ops');
    } finally {
      agent.kill();
    }
  });

  it('gives up on a gateway that never answers the handshake', async () => {
    const proxy = await startFreezableProxy(lab.port);
    proxy.freeze();
    try {
      const registry = profilesFrom(
        `  frozen:\n    connect: { host: 127.0.0.1, port: ${proxy.port}, user: ops, password: { env: PW }, host_key: { fingerprint: '${lab.fingerprint}' }, timeout: 300ms }\n    hops: [{ name: menu, prompt: x }]\n`,
      );
      const t0 = Date.now();
      const err = await openSession(registry.resolve('frozen'), {
        lookup: (n) => registry.resolveVia(n),
        secrets: { env: { PW: 'lab' } },
      }).catch((e: unknown) => e);
      expect((err as GatewalkError).code).toBe('connect_timeout');
      expect((err as GatewalkError).message).toBe(
        `ssh ops@127.0.0.1:${proxy.port}: no answer within 300 ms (connect.timeout)`,
      );
      expect(Date.now() - t0).toBeLessThan(3000);
    } finally {
      await proxy.close();
    }
  });

  it('reports a refused connection', async () => {
    const registry = profilesFrom(
      `  closed:\n    connect: { host: 127.0.0.1, port: 1, user: ops, host_key: { fingerprint: '${lab.fingerprint}' } }\n    hops: [{ name: m, prompt: x }]\n`,
    );
    await expect(
      openSession(registry.resolve('closed'), { lookup: (n) => registry.resolve(n) }),
    ).rejects.toThrow(/^ssh ops@127\.0\.0\.1:1: .*ECONNREFUSED/);
  });
});
