import { readFileSync, statSync } from 'node:fs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Lab } from '../../lab/server.js';
import { closeSession, openSession } from '../../src/navigator/session.js';
import { ShellExecutor } from '../../src/shell/executor.js';
import { labOnFreePort } from '../helpers/lab.js';
import { atLab, labConnect, profilesFrom, shipped } from '../helpers/nav.js';

let lab: Lab;
let open: ReturnType<typeof atLab>;
beforeAll(async () => {
  lab = await labOnFreePort();
  open = atLab(shipped, lab);
});
afterAll(() => lab.close());

/** A root shell on master-a whose hop has this one handler (YAML flow mapping). */
function masterWithHandler(name: string, handler: string) {
  return profilesFrom(`  ${name}:
    connect: ${labConnect(lab)}
    timeout: 5s
    hops:
      - { name: menu, prompt: 'Target IP: $' }
      - name: master
        steps: [{ send_text: master-a }, { wait_for: 'User number: $' }, { send_text: '2' }]
        prompt: '\\]# $'
        shell: posix
        on: [${handler}]
`);
}

describe('shell execution beyond the plain case', () => {
  it('on a shell: none hop, ends a command at the prompt, with no exit code', async () => {
    const s = await openSession(open('cmsm'), { lookup: (n) => open(n) });
    try {
      const r = await new ShellExecutor(s).execute('');
      expect(r).toMatchObject({ status: 'done', exit_code: null });
      expect(r.output).toContain('Known targets:\n0  10.66.12.21  master-a  orders-prod  online\n');
    } finally {
      await closeSession(s);
    }
  });

  it("answers a sudo-style password prompt with the hop's handler, unseen by the caller", async () => {
    const registry = masterWithHandler(
      'sudoer',
      "{ match: '\\[sudo\\] password for \\S+: $', send_secret: { env: SUDO_PW } }",
    );
    const secrets = { env: { SUDO_PW: 'sudo-s3cret' } };
    const s = await openSession(registry.resolve('sudoer'), {
      lookup: (n) => registry.resolveVia(n),
      secrets,
    });
    try {
      const sh = new ShellExecutor(s, { secrets });
      const r = await sh.execute(
        'stty -echo; printf "[sudo] password for root: "; read pw; stty echo; echo; echo "len=${#pw}"',
        { timeoutMs: 5000 },
      );
      expect(r).toMatchObject({ status: 'done', exit_code: 0 });
      expect(r.output).toContain('len=11');
      expect(r.output).not.toContain('sudo-s3cret');
    } finally {
      await closeSession(s);
    }
  });

  it('stops a command when a hop handler with fail: matches, and says why', async () => {
    const registry = masterWithHandler(
      'strict',
      "{ match: 'FATAL: disk full', fail: 'the host is out of disk' }",
    );
    const s = await openSession(registry.resolve('strict'), {
      lookup: (n) => registry.resolveVia(n),
    });
    try {
      const sh = new ShellExecutor(s);
      const t0 = Date.now();
      const r = await sh.execute("(echo 'FATAL: disk full'; sleep 5); echo never", {
        timeoutMs: 10_000,
      });
      expect(Date.now() - t0).toBeLessThan(4000);
      // The output comes from a foreground child, which Ctrl-C stops: the shell drops the rest.
      expect(r).toMatchObject({
        status: 'done',
        exit_code: 130,
        failure: 'the host is out of disk',
      });
      expect(r.output).not.toContain('never');
      expect((await sh.execute('echo fine')).output).toBe('fine\n');
    } finally {
      await closeSession(s);
    }
  });

  it('reports a --More-- pager as awaiting input', async () => {
    const s = await openSession(open('orders-pod'), { lookup: (n) => open(n) });
    try {
      const sh = new ShellExecutor(s);
      const r = await sh.execute(
        'seq 1 3; printf -- \'--More--\'; read key; echo "rest after $key"',
        { timeoutMs: 5000 },
      );
      expect(r.status).toBe('awaiting_input');
      expect(r.output).toBe('1\n2\n3\n--More--');
      sh.sendInput('q');
      expect((await sh.get(r.command_id, 5000)).output).toBe('1\n2\n3\n--More--q\nrest after q\n');
    } finally {
      await closeSession(s);
    }
  });

  it('keeps memory bounded on 20 MB of output and spills all of it to a 0600 file', async () => {
    const spillDir = mkdtempSync(join(tmpdir(), 'gatewalk-spill-'));
    const s = await openSession(open('orders-pod'), { lookup: (n) => open(n) });
    try {
      const sh = new ShellExecutor(s, { spillDir, memoryChars: 1024 * 1024 });
      const before = process.memoryUsage().rss;
      const r = await sh.execute(
        'i=0; while [ $i -lt 200000 ]; do echo "line $i xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"; i=$((i+1)); done',
        { timeoutMs: 120_000 },
      );
      const grew = process.memoryUsage().rss - before;
      expect(r).toMatchObject({ status: 'done', exit_code: 0, truncated: true });
      expect(r.bytes).toBeGreaterThan(19_000_000);
      expect(r.output.length).toBeLessThan(70 * 1024);
      expect(r.output.startsWith('line 0 x')).toBe(true);
      expect(r.output).toMatch(/line 199999 x+\n$/);
      expect(r.output).toMatch(
        /\[\.\.\. \d+ characters omitted of \d+ \(\d+ bytes\)\. The whole output is kept \(.*\.out\): ask for a byte range/,
      );
      const file = /The whole output is kept \((\S+\.out)\)/.exec(r.output)?.[1] ?? '';
      const middle = sh.outputRange(r.command_id, 10_000_000, 200).toString();
      expect(middle).toMatch(/line \d+ x+\nline \d+/);
      expect(statSync(file).mode & 0o777).toBe(0o600);
      const spilled = readFileSync(file, 'utf8');
      expect(spilled.split('\n').filter((l) => l.startsWith('line ')).length).toBe(200_000);
      expect(grew).toBeLessThan(200 * 1024 * 1024);
    } finally {
      await closeSession(s);
    }
  }, 180_000);
});
