import { copyFileSync, chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import nodePty from 'node-pty';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stripAnsi } from '../../lab/driver.js';
import { LAB_CLIENT_KEY, LAB_HOST_KEY, type Lab } from '../../lab/server.js';
import { labOnFreePort } from '../helpers/lab.js';

let lab: Lab;
let dir: string;
beforeAll(async () => {
  lab = await labOnFreePort();
  dir = mkdtempSync(join(tmpdir(), 'gatewalk-openssh-'));
});
afterAll(async () => {
  await lab.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('the lab with the system OpenSSH client', () => {
  it('walks CMSM -> master -> pod with ssh, strict host key checking on', async () => {
    // A clone leaves the key world-readable, which ssh refuses: use a 0600 copy.
    const key = join(dir, 'ops_ed25519');
    copyFileSync(LAB_CLIENT_KEY, key);
    chmodSync(key, 0o600);
    const hostKey = readFileSync(`${LAB_HOST_KEY}.pub`, 'utf8').split(' ').slice(0, 2).join(' ');
    writeFileSync(join(dir, 'known_hosts'), `[127.0.0.1]:${lab.port} ${hostKey}\n`);

    const ssh = nodePty.spawn(
      'ssh',
      [
        '-F',
        '/dev/null',
        '-p',
        String(lab.port),
        '-i',
        key,
        '-o',
        'IdentitiesOnly=yes',
        '-o',
        'BatchMode=yes',
        '-o',
        'StrictHostKeyChecking=yes',
        '-o',
        `UserKnownHostsFile=${join(dir, 'known_hosts')}`,
        '-o',
        'ConnectTimeout=10',
        'ops@127.0.0.1',
      ],
      { name: 'xterm', cols: 120, rows: 40, env: { ...process.env, HOME: dir } },
    );
    let text = '';
    let cursor = 0;
    const waiters = new Set<() => void>();
    ssh.onData((d) => {
      text = stripAnsi(text + d);
      for (const w of waiters) w();
    });
    const exited = new Promise<number>((resolve) =>
      ssh.onExit(({ exitCode }) => resolve(exitCode)),
    );
    const expectText = (needle: RegExp) =>
      new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no ${needle} in:\n${text}`)), 10_000);
        const check = () => {
          const m = needle.exec(text.slice(cursor));
          if (!m) return;
          cursor += m.index + m[0].length;
          clearTimeout(timer);
          waiters.delete(check);
          resolve();
        };
        waiters.add(check);
        check();
      });

    await expectText(/Target IP: $/);
    ssh.write('master-a\r');
    await expectText(/User number: $/);
    ssh.write('2\r');
    await expectText(/\[root@master-a ~\]# $/);
    ssh.write('kubectl exec -it demo-shell-7789f879df-7kq4m -n default -- /bin/bash\r');
    await expectText(/\[pod:default\/demo-shell-7789f879df-7kq4m ~\]\$ $/);
    ssh.write('echo "cols=$(tput cols 2>/dev/null || stty size)"\r');
    await expectText(/cols=(120|40 120)\n/);
    ssh.write('exit\r');
    await expectText(/\[root@master-a ~\]# $/);
    ssh.write('exit\r');
    expect(await exited).toBe(0);
    expect(text).toContain('Logged in to master-a as root.');
  });
});
