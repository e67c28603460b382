// --allow-direct: user@host[:port] and ~/.ssh/config aliases as one-hop profiles, off by default.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { LAB_CLIENT_KEY, LAB_HOST_KEY, type Lab } from '../../lab/server.js';
import { labOnFreePort } from '../helpers/lab.js';
import { connectClient } from './helpers.js';

let lab: Lab;
let dir: string;

beforeAll(async () => {
  lab = await labOnFreePort();
  dir = mkdtempSync(join(tmpdir(), 'gatewalk-direct-'));
  const hostPub = readFileSync(`${LAB_HOST_KEY}.pub`, 'utf8').split(' ').slice(0, 2).join(' ');
  writeFileSync(join(dir, 'known_hosts'), `[127.0.0.1]:${lab.port} ${hostPub}\n`);
  writeFileSync(
    join(dir, 'config'),
    `Host lab-direct\n  HostName 127.0.0.1\n  Port ${lab.port}\n  User ops\n  IdentityFile ${LAB_CLIENT_KEY}\n`,
  );
});

afterAll(async () => {
  await lab.close();
  rmSync(dir, { recursive: true, force: true });
});

it('refuses targets that no profile names unless --allow-direct', async () => {
  const c = await connectClient({
    connect: { sshConfigFile: join(dir, 'config'), knownHostsFile: join(dir, 'known_hosts') },
  });
  try {
    expect(await c.fails('open_session', { profile: 'lab-direct' })).toMatch(
      /no profile "lab-direct"/,
    );
    expect(await c.fails('open_session', { profile: `ops@127.0.0.1:${lab.port}` })).toMatch(
      /no profile/,
    );
    expect(lab.connections()).toBe(0);
  } finally {
    await c.close();
  }
});

it('opens an ssh config alias as a one-hop shell profile with --allow-direct', async () => {
  const c = await connectClient({
    allowDirect: true,
    directTimeoutMs: 1000,
    connect: { sshConfigFile: join(dir, 'config'), knownHostsFile: join(dir, 'known_hosts') },
  });
  try {
    // The lab's login lands in the CMSM menu, not a shell: the walk connects (host key checked,
    // key accepted), then says it did not see a shell prompt, with the screen.
    const text = await c.fails('open_session', { profile: 'lab-direct' });
    expect(text).toMatch(/prompt|\[\$#%>\]/);
    expect(text).toContain('Target IP:');
  } finally {
    await c.close();
  }
});
