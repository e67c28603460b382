import { chmodSync, copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import nodePty from 'node-pty';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stripAnsi } from '../../lab/driver.js';
import { LAB_CLIENT_KEY, LAB_HOST_KEY, type Lab } from '../../lab/server.js';
import { labOnFreePort } from '../helpers/lab.js';

let lab: Lab;
let dir: string;
let knownHosts: string;
beforeAll(async () => {
  lab = await labOnFreePort();
  dir = mkdtempSync(join(tmpdir(), 'gatewalk-openssh-'));
  const hostKey = readFileSync(`${LAB_HOST_KEY}.pub`, 'utf8').split(' ').slice(0, 2).join(' ');
  knownHosts = join(dir, 'known_hosts');
  writeFileSync(knownHosts, `[127.0.0.1]:${lab.port} ${hostKey}\n`);
});
afterAll(async () => {
  await lab.close();
  rmSync(dir, { recursive: true, force: true });
});

/** The system `ssh` in a real terminal, with strict host key checking against the lab's key. */
function ssh(extra: string[]) {
  const child = nodePty.spawn(
    'ssh',
    [
      '-F',
      '/dev/null',
      '-p',
      String(lab.port),
      '-o',
      'StrictHostKeyChecking=yes',
      '-o',
      `UserKnownHostsFile=${knownHosts}`,
      '-o',
      'ConnectTimeout=10',
      ...extra,
      'ops@127.0.0.1',
    ],
    { name: 'xterm', cols: 120, rows: 40, env: { ...process.env, HOME: dir } },
  );
  let text = '';
  let cursor = 0;
  const waiters = new Set<() => void>();
  child.onData((d) => {
    text = stripAnsi(text + d);
    for (const w of waiters) w();
  });
  const exited = new Promise<number>((resolve) =>
    child.onExit(({ exitCode }) => resolve(exitCode)),
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
  return { write: (s: string) => child.write(s), expectText, exited, text: () => text };
}

describe('the lab with the system OpenSSH client', () => {
  it('walks CMSM -> master -> pod with the lab key', async () => {
    // A clone leaves the key world-readable, which ssh refuses: use a 0600 copy.
    const key = join(dir, 'ops_ed25519');
    copyFileSync(LAB_CLIENT_KEY, key);
    chmodSync(key, 0o600);
    const s = ssh(['-i', key, '-o', 'IdentitiesOnly=yes', '-o', 'BatchMode=yes']);
    await s.expectText(/Target IP: $/);
    s.write('master-a\r');
    await s.expectText(/User number: $/);
    s.write('2\r');
    await s.expectText(/\[root@master-a ~\]# $/);
    s.write('kubectl exec -it demo-shell-7789f879df-7kq4m -n default -- /bin/bash\r');
    await s.expectText(/\[pod:default\/demo-shell-7789f879df-7kq4m ~\]\$ $/);
    // The PTY size ssh asked for reaches the pod's shell.
    s.write('stty size\r');
    await s.expectText(/\n40 120\n/);
    s.write('exit\r');
    await s.expectText(/\[root@master-a ~\]# $/);
    s.write('exit\r');
    expect(await s.exited).toBe(0);
    expect(s.text()).toContain('Logged in to master-a as root.');
  });

  it('logs in with the password typed at the prompt, as a person does', async () => {
    const s = ssh(['-o', 'PubkeyAuthentication=no', '-o', 'NumberOfPasswordPrompts=1']);
    await s.expectText(/password: $/);
    s.write('lab\r');
    await s.expectText(/Target IP: $/);
    s.write('q\r');
    expect(await s.exited).toBe(0);
  });
});
