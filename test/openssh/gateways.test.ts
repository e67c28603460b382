// The real-OpenSSH conformance lab's gateways (koko, columns, cjk, netcli, master and kubectl,
// jump and app-shell), each driven with the ssh2 client over a PTY (strict host key check),
// output matched on the ANSI-stripped stream with event-driven waits. See lab.test.ts.
import { join } from 'node:path';
import type { ClientChannel } from 'ssh2';
import { describe, expect, it } from 'vitest';
import { connectEntry } from '../../lab/openssh/client.js';
import { INNER_PROMPTS, PROMPTS, totp, type OpenSshLab } from '../../lab/openssh/sshd.js';
import { re, step, useEntryLab } from './fixture.js';

let lab: OpenSshLab;
const { open, timings } = useEntryLab((started) => (lab = started));

/** A 6-digit code that is none of the seed's codes around now. */
function wrongCode(seed: string): string {
  const now = Date.now();
  const near = new Set([-60_000, -30_000, 0, 30_000, 60_000].map((d) => totp(seed, now + d)));
  let code = (Number(totp(seed, now)) + 500_000) % 1_000_000;
  while (near.has(String(code).padStart(6, '0'))) code = (code + 1) % 1_000_000;
  return String(code).padStart(6, '0');
}

describe.concurrent('koko (JumpServer-style menu)', () => {
  it('walks p, n, an ID, an account, the asset shell, exit 3, a key, and q', async () => {
    const t0 = performance.now();
    const s = await open('koko');
    await s.expect(re(PROMPTS.koko));
    expect(s.raw.startsWith('\x1b[H\x1b[2J\x1b[1;32m  Welcome to JumpServer')).toBe(true);
    expect(s.text).toContain('  p) list assets   <text>) search   q) quit');

    let out = await step(s, 'p', re(INNER_PROMPTS.kokoHost));
    expect(out).toContain('  ID  | Hostname        | IP          | Platform |\n');
    expect(out).toContain('  1   | web-prod-01     | 10.1.1.1    | Linux    |\n');
    expect(out).toContain('  Page: 1, Count: 5, Total Page: 3, Total Count: 12\n');
    expect(out).toContain('  Page up: b  Page down: n  Back: q\n');

    out = await step(s, 'n', re(INNER_PROMPTS.kokoHost));
    expect(out).toContain('  7   | db-prod-01      | 10.1.2.3    | Linux    |\n');
    expect(out).toContain('  Page: 2, Count: 5, Total Page: 3, Total Count: 12\n');

    out = await step(s, '7', re(INNER_PROMPTS.kokoAccount));
    expect(out).toContain('  ID | Username  \n  1  | dba       \n  2  | root      \nID> ');
    out = await step(s, 'dba', re(INNER_PROMPTS.kokoAsset));
    expect(out).toContain('Connecting to dba@db-prod-01 ...\n');
    expect(out).toContain('Last login: Tue Dec  1 04:00:00 2026 from 10.0.0.1\n');
    expect(out.endsWith('[dba@db-prod-01 ~]$ ')).toBe(true);
    timings.push(`koko login to an asset ${Math.round(performance.now() - t0)} ms`);

    out = await step(s, 'echo $HISTFILE:$PWD', re(INNER_PROMPTS.kokoAsset));
    expect(out).toContain(`\n:${join(lab.dir, 'assets', 'db-prod-01')}\n`);
    await step(s, 'exit 3', re(INNER_PROMPTS.kokoPressKey));
    s.send('x');
    await s.expect(re(PROMPTS.koko));
    expect(s.raw.split('\x1b[H\x1b[2J')).toHaveLength(3); // cleared twice: redrawn

    out = await step(s, 'db', re(INNER_PROMPTS.kokoHost)); // a search with two hits
    expect(out).toContain('  8   | db-prod-02      | 10.1.2.4    | Linux    |\n');
    out = await step(s, 'nothing-like-it', re(INNER_PROMPTS.kokoHost));
    expect(out).toContain("No assets match 'nothing-like-it'\n");
    await step(s, 'q', re(PROMPTS.koko));
    s.sendLine('q');
    expect(await s.exit).toEqual({ code: 0 });
    expect(s.text).toMatch(/Bye\.\n$/);
    timings.push(`koko walk ${Math.round(performance.now() - t0)} ms`);

    // Other tests run at the same time: this walk's own lines, in order, among theirs.
    const events = lab.events();
    const walk = [
      'koko: connect db-prod-01 as dba',
      'koko-target: start dba@db-prod-01',
      'koko: disconnect db-prod-01 (exit 3)',
    ].map((line) => events.indexOf(line));
    expect(walk.every((at, i) => at >= 0 && (i === 0 || at > (walk[i - 1] ?? 0)))).toBe(true);
    expect(events).toEqual(
      expect.arrayContaining(['koko: start', 'koko: key pressed', 'koko: quit']),
    );
  });

  it('takes a search at Opt>, an account by number, and KOKO_PAGE_SIZE', async () => {
    const s = await open('koko', { env: { KOKO_PAGE_SIZE: '4' } });
    await s.expect(re(PROMPTS.koko));
    let out = await step(s, 'p', re(INNER_PROMPTS.kokoHost));
    expect(out).toContain('  Page: 1, Count: 4, Total Page: 3, Total Count: 12\n');
    await step(s, 'n', re(INNER_PROMPTS.kokoHost));
    out = await step(s, 'n', re(INNER_PROMPTS.kokoHost));
    expect(out).toContain('  Page: 3, Count: 4, Total Page: 3, Total Count: 12\n');
    out = await step(s, 'n', re(INNER_PROMPTS.kokoHost)); // past the end: the last page again
    expect(out).toContain('  Page: 3, Count: 4, Total Page: 3, Total Count: 12\n');
    out = await step(s, 'b', re(INNER_PROMPTS.kokoHost));
    expect(out).toContain('  Page: 2, Count: 4, Total Page: 3, Total Count: 12\n');
    await step(s, 'q', re(PROMPTS.koko));
    out = await step(s, '10.1.3.3', re(INNER_PROMPTS.kokoAccount)); // one hit: its accounts
    expect(out).toContain('  ID | Username  \n');
    await step(s, 'nobody', 'No account matches\nID> ');
    out = await step(s, '2', re(INNER_PROMPTS.kokoAsset));
    expect(out.endsWith('[root@tools-01 ~]$ ')).toBe(true);
    s.close();
  });

  it('koko-mfa: refuses a wrong code, accepts the current TOTP code, without echo', async () => {
    const s = await open('koko-mfa');
    await s.expect(re(INNER_PROMPTS.kokoOtp));
    const wrong = wrongCode(lab.totpSeed);
    let out = await step(s, wrong, re(INNER_PROMPTS.kokoOtp));
    expect(out).toBe('\nInvalid code, try again\nOTP Code: '); // no echo of the code
    const right = totp(lab.totpSeed);
    out = await step(s, right, re(PROMPTS['koko-mfa']));
    expect(out).not.toContain(right);
    expect(out).toContain('Welcome to JumpServer (gatewalk conformance lab)');
    expect(lab.events()).toEqual(expect.arrayContaining(['koko: mfa failed', 'koko: mfa ok']));
    s.sendLine('q');
    expect(await s.exit).toEqual({ code: 0 });
  });

  it('koko-mfa: three wrong codes end the session with status 1', async () => {
    const s = await open('koko-mfa');
    await s.expect(re(INNER_PROMPTS.kokoOtp));
    await step(s, wrongCode(lab.totpSeed), re(INNER_PROMPTS.kokoOtp));
    await step(s, '', re(INNER_PROMPTS.kokoOtp));
    s.sendLine('12');
    expect(await s.exit).toEqual({ code: 1 });
    expect(s.text).toMatch(/Invalid code, try again\nOTP Code: \nToo many failures\n$/);
  });

  it('koko-idle: the asset shell logs out by itself after 2 s without input', async () => {
    const s = await open('koko-idle');
    await s.expect(re(PROMPTS['koko-idle']));
    await step(s, '11', re(INNER_PROMPTS.kokoAccount));
    const out = await step(s, 'root', re(INNER_PROMPTS.kokoAsset));
    expect(out.endsWith('[root@log-prod-01 ~]$ ')).toBe(true);
    const idleFrom = performance.now();
    await s.expect(re(INNER_PROMPTS.kokoPressKey), 8000);
    const idle = performance.now() - idleFrom;
    expect(idle).toBeGreaterThan(1500);
    expect(s.text).toContain('timed out waiting for input: auto-logout');
    timings.push(`koko-idle logout after ${Math.round(idle)} ms`);
    s.send(' ');
    await s.expect(re(PROMPTS['koko-idle']));
    s.sendLine('q');
    expect(await s.exit).toEqual({ code: 0 });
  });
});

describe.concurrent('columns, cjk and netcli', () => {
  it('columns: select lays hosts out in columns; node-17 opens its shell; q quits', async () => {
    const s = await open('columns');
    await s.expect(re(PROMPTS.columns));
    const first = s.text.split('\n').find((line) => /\b1\) node-01\b/.test(line)) ?? '';
    expect(first.match(/\d+\) node-\d\d/g)?.length).toBeGreaterThan(3);
    const out = await step(s, '17', re(INNER_PROMPTS.columnsHost));
    expect(out).toContain('Connecting to node-17\n');
    expect(out.endsWith('[ops@node-17 ~]$ ')).toBe(true);
    await step(s, 'exit', re(PROMPTS.columns));
    s.sendLine('q');
    expect(await s.exit).toEqual({ code: 0 });
    expect(lab.events()).toEqual(
      expect.arrayContaining(['columns: connect node-17', 'columns: quit']),
    );
  });

  it('cjk: pages, picks 7, comes back to page 1', async () => {
    const s = await open('cjk');
    await s.expect(re(PROMPTS.cjk));
    expect(s.text).toContain('欢迎使用运维堡垒机\n');
    expect(s.text).toContain(
      '  编号 | 主机名          | 地址\n  1    | 数据库-01       | 10.2.0.1\n',
    );
    expect(s.text).toContain('第 1/2 页，共 8 台。 n：下一页  b：上一页  q：退出\n请输入资产ID：');
    let out = await step(s, 'n', re(PROMPTS.cjk));
    expect(out).toContain('  8    | 缓存-01         | 10.2.0.8\n第 2/2 页');
    out = await step(s, '7', re(INNER_PROMPTS.cjkHost));
    expect(out).toContain('正在连接 应用服务器-05 ...\n');
    expect(out.endsWith('[ops@cjk-7 ~]$ ')).toBe(true);
    out = await step(s, 'exit', re(PROMPTS.cjk));
    expect(out).toContain('第 1/2 页');
    s.sendLine('q');
    expect(await s.exit).toEqual({ code: 0 });
    expect(lab.events()).toContain('cjk: quit');
  });

  it('netcli: enable with the password, show running-config through --More--, exit', async () => {
    const s = await open('netcli');
    await s.expect(/router01>$/);
    let out = await step(s, 'show running-config', /router01>$/);
    expect(out).toContain("% Invalid input detected at '^' marker.");
    await step(s, 'enable', re(INNER_PROMPTS.netcliPassword));
    out = await step(s, 'secret', /router01>$/);
    expect(out).toBe('\n% Access denied\n\nrouter01>');
    await step(s, 'enable', re(INNER_PROMPTS.netcliPassword));
    out = await step(s, 'lab', /router01#$/);
    expect(out).not.toContain('lab');
    out = await step(s, 'show version', /router01#$/);
    expect(out.split('\n').length).toBeGreaterThanOrEqual(6);

    out = await step(s, 'show running-config', re(INNER_PROMPTS.netcliMore));
    expect(out.split('\n')).toHaveLength(22); // the echo, 20 lines, then the marker
    expect(out).toContain(' description lab uplink 0 (line 20)\n --More-- ');
    let from = s.text.length;
    s.send('\r'); // one more line
    await s.expect(re(INNER_PROMPTS.netcliMore));
    expect(s.text.slice(from)).toBe('           ip address 10.0.0.1 255.255.255.0\n --More-- ');
    expect(s.raw).toContain(' --More-- \r          \r ip address');
    from = s.text.length;
    s.send(' '); // the next page
    await s.expect(re(INNER_PROMPTS.netcliMore));
    expect(s.text.slice(from)).toContain('(line 40)');
    s.send('q');
    await s.expect(/router01#$/);

    await step(s, 'terminal length 0', /router01#$/);
    out = await step(s, 'show running-config', /\nend\nrouter01#$/);
    expect(out).not.toContain('--More--');
    expect(out.split('\n')).toHaveLength(62);
    s.sendLine('exit');
    expect(await s.exit).toEqual({ code: 0 });
    expect(lab.events()).toContain('netcli: exit');
  });
});

describe.concurrent('master and kubectl', () => {
  it('execs into bash-pod and ash-pod; a pod exit status comes back as kubectl does', async () => {
    const s = await open('master');
    await s.expect(re(PROMPTS.master));
    expect(s.text.endsWith('[root@master ~]$ ')).toBe(true);
    let out = await step(s, 'kubectl get pods', re(PROMPTS.master));
    expect(out).toMatch(
      /\nNAME +READY +STATUS +RESTARTS +AGE\nbash-pod +1\/1 +Running.*\nash-pod +/,
    );

    out = await step(s, 'kubectl exec -it bash-pod -n default -- bash', re(INNER_PROMPTS.bashPod));
    expect(out).toBe('kubectl exec -it bash-pod -n default -- bash\n[pod:bash-pod ~]$ ');
    out = await step(s, 'echo "$HOME:$PATH"', re(INNER_PROMPTS.bashPod));
    expect(out).toContain(`\n${join(lab.dir, 'pods', 'bash-pod')}:/usr/local/sbin:`);
    out = await step(s, 'exit 7', re(PROMPTS.master));
    expect(out).toContain('\ncommand terminated with exit code 7\n[root@master ~]$ ');
    out = await step(s, 'echo status=$?', re(PROMPTS.master));
    expect(out).toContain('\nstatus=7\n');

    out = await step(s, 'kubectl exec -it ash-pod -- sh', re(INNER_PROMPTS.ashPod));
    expect(out.endsWith('\n/ # ')).toBe(true);
    out = await step(s, 'cd var/log', re(INNER_PROMPTS.ashPod));
    expect(out.endsWith('\n/var/log # ')).toBe(true);
    out = await step(s, 'exit', re(PROMPTS.master));
    expect(out).not.toContain('command terminated');

    out = await step(s, 'kubectl exec -it nope -- sh', re(PROMPTS.master));
    expect(out).toContain('\nError from server (NotFound): pods "nope" not found\n');
    s.sendLine('exit'); // with the status of the last command, kubectl's
    expect(await s.exit).toEqual({ code: 1 });
  });
});

describe.concurrent('jump and app-shell', () => {
  it('reaches app-shell through a direct-tcpip channel of the jump entry', async () => {
    const jump = await connectEntry(lab, 'jump');
    try {
      const forward = (host: string, port: number) =>
        new Promise<ClientChannel>((resolve, reject) =>
          jump.forwardOut('127.0.0.1', 0, host, port, (err, ch) =>
            err ? reject(err) : resolve(ch),
          ),
        );
      await expect(forward('192.0.2.1', 22)).rejects.toThrow(/open fail/i);
      const s = await open('app-shell', { sock: await forward('127.0.0.1', lab.port) });
      await s.expect(re(PROMPTS['app-shell']));
      expect(s.text.endsWith('app@app-server:~$ ')).toBe(true);
      await step(s, 'echo via-jump', /\nvia-jump\n/);
      s.sendLine('exit');
      expect(await s.exit).toEqual({ code: 0 });
    } finally {
      jump.end();
    }
  });
});
