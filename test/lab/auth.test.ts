import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import ssh2 from 'ssh2';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LabClient } from '../../lab/driver.js';
import { LAB_HOST_KEY, type Lab } from '../../lab/server.js';
import { packagePath } from '../../src/paths.js';
import { clientKey, connect, labOnFreePort } from '../helpers/lab.js';

let lab: Lab;
beforeAll(async () => {
  lab = await labOnFreePort();
});
afterAll(() => lab.close());

describe('lab logins and host key', () => {
  it('has the committed host key, with the fingerprint ssh-keygen prints', () => {
    const line = execFileSync('ssh-keygen', ['-lf', `${LAB_HOST_KEY}.pub`], { encoding: 'utf8' });
    expect(line.split(' ')[1]).toBe(lab.fingerprint);
  });

  it('matches the fingerprint pinned in the lab profiles', () => {
    const doc = parse(readFileSync(packagePath('profiles', 'lab.yaml'), 'utf8')) as {
      profiles: Record<string, { connect?: { host_key?: { fingerprint?: string } } }>;
    };
    const pinned = Object.values(doc.profiles).flatMap(
      (p) => p.connect?.host_key?.fingerprint ?? [],
    );
    expect(pinned.length).toBeGreaterThan(0);
    for (const fp of pinned) expect(fp).toBe(lab.fingerprint);
  });

  it('accepts user ops with password lab', async () => {
    const c = await connect(lab);
    await c.expect('Target IP: ');
    c.close();
  });

  it('accepts the committed lab key', async () => {
    const c = await connect(lab, { password: undefined, privateKey: clientKey() });
    await c.expect('Target IP: ');
    c.close();
  });

  it('refuses a wrong password, another user and another key', async () => {
    await expect(connect(lab, { password: 'nope' })).rejects.toThrow(
      /authentication methods failed/,
    );
    await expect(connect(lab, { username: 'root' })).rejects.toThrow(
      /authentication methods failed/,
    );
    const other = ssh2.utils.generateKeyPairSync('ecdsa', { bits: 256 });
    await expect(
      connect(lab, { password: undefined, privateKey: Buffer.from(other.private) }),
    ).rejects.toThrow(/authentication methods failed/);
  });

  it('lets a strict client refuse it when the pinned fingerprint differs', async () => {
    await expect(
      LabClient.connect({ port: lab.port, password: 'lab', fingerprint: 'SHA256:not-the-lab' }),
    ).rejects.toThrow(
      `host key mismatch: expected SHA256:not-the-lab, received ${lab.fingerprint}`,
    );
  });

  it('refuses exec requests: the gateway only offers its menu', async () => {
    const c = await connect(lab);
    const refused = await new Promise<Error | undefined>((resolve) =>
      c.conn.exec('id', (err) => resolve(err)),
    );
    expect(refused?.message).toMatch(/Unable to exec/);
    c.close();
  });

  it('works without a PTY: no echo, plain newlines', async () => {
    const c = await connect(lab, { pty: false });
    await c.expect('Target IP: ');
    c.send('master-a\n');
    await c.expect('User number: ');
    expect(c.text).not.toContain('Target IP: master-a');
    c.send('2\necho no-pty-$((1+1))\n');
    await c.expect('no-pty-2');
    c.close();
  });
});
