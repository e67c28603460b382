// Regression tests for what real gateways showed (issue "Real gateways", symptoms 1-6 and 8),
// against the system sshd and real shells: where the session stands, how hops are left, and what
// a command that ends its hop's shell reports.
import { describe, expect, it } from 'vitest';
import { PROMPTS } from '../../lab/openssh/sshd.js';
import { WalkError } from '../../src/navigator/walk.js';
import { closeSession, leaveHops, switchTarget } from '../../src/navigator/session.js';
import { writeRemoteFile } from '../../src/shell/files.js';
import { ShellExecutor } from '../../src/shell/executor.js';
import { ptyShows } from '../helpers/nav.js';
import { entryConnect, KOKO_ASSET_HOP, podProfiles, useOpenSshLab } from '../helpers/openssh.js';

const fx = useOpenSshLab();

/** master -> pods through the lab's kubectl; a koko menu -> an asset; the koko-idle twin. */
const k8s = (extra = '') => fx.profiles(podProfiles(fx.lab, extra));

function koko(entry: 'koko' | 'koko-idle') {
  return fx.profiles(`  menu:
    connect: ${entryConnect(fx.lab, entry)}
    timeout: 5s
    on: [{ match: 'Press any key to continue', send_text: '' }]
    hops:
      - name: menu
        steps: [{ wait_for: [{ match: 'Invalid code', fail: 'code refused' }, { match: 'Opt> $' }] }]
        prompt: 'Opt> $'
        shell: none
        exit: q
  asset:
    extends: menu
    hops:
${KOKO_ASSET_HOP}
`);
}

describe('a hop is reached once its prompt stands at the cursor (1)', () => {
  it('does not wait again for a prompt the last step already matched', async () => {
    const registry = koko('koko');
    const t0 = performance.now();
    const session = await fx.open(registry, 'menu');
    expect(performance.now() - t0).toBeLessThan(3000);
    expect(session.walk.hops.map((h) => h.name)).toEqual(['menu']);
  });
});

describe('select on real menus (2)', () => {
  it('after a wait, pages to the entry; a missing one lists what it saw and the closest', async () => {
    const registry = koko('koko');
    const session = await fx.open(registry, 'asset');
    expect(session.pty.screen.beforeCursor()).toMatch(/\[dba@db-prod-02 ~\]\$ $/);
    const missing = fx.profiles(`  gone:
    connect: ${entryConnect(fx.lab, 'koko')}
    timeout: 5s
    hops:
      - { name: menu, prompt: 'Opt> $', shell: none, exit: q }
      - name: asset
        steps:
          - send_text: p
          - wait_for: '\\[Host\\]> $'
          - select: { line: '^\\s*(?<key>\\d+)\\s*\\|\\s*(?<label>[^|]+?)\\s*\\|', item: '^db-prod-09$', send: '\${key}', next_page: { send_text: n }, max_pages: 10 }
        prompt: '\\$ $'
`);
    const err = await fx.open(missing, 'gone').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WalkError);
    const message = (err as WalkError).message;
    expect(message).toContain('no entry matching /^db-prod-09$/: the last page came again');
    expect(message).toContain(
      'entries seen: web-prod-01 | web-prod-02 | api-prod-01 | api-prod-02 | cache-prod-01 | k8s-master-01 | db-prod-01 | db-prod-02 | k8s-master-02 | mq-prod-01 | log-prod-01 | tools-01',
    );
    expect(message).toMatch(/did you mean "db-prod-0[12]"\?/);
  });
});

describe('leaving a busybox ash hop (3)', () => {
  it('types nothing into the master after the pod is left, however often', async () => {
    const registry = k8s();
    let session = await fx.open(registry, 'ash-pod');
    for (let i = 0; i < 5; i++) {
      const pod = await new ShellExecutor(session).execute('echo in-pod');
      expect(pod).toMatchObject({ exit_code: 0, output: 'in-pod\n' });
      const t0 = performance.now();
      session = await switchTarget(session, registry.resolve('master'));
      expect(performance.now() - t0).toBeLessThan(1000);
      // A late answer to ash's cursor query would be typed here: the probe and the command
      // would fail on it (`;8R...`), and the screen would say so.
      const master = await new ShellExecutor(session).execute('echo at-master; pwd');
      expect(master).toMatchObject({ exit_code: 0 });
      expect(master.output).toMatch(/^at-master\n.*\/home\/master\n$/);
      expect(session.pty.screen.text()).not.toMatch(/syntax error|8R/);
      session = await switchTarget(session, registry.resolve('ash-pod'));
    }
  });
});

describe('leaving like a person (4)', () => {
  it('answers "Press any key" on the way out and quits the menu before disconnecting', async () => {
    const registry = koko('koko');
    const before = fx.lab.events().length;
    const session = await fx.open(registry, 'asset');
    const t0 = performance.now();
    await closeSession(session);
    expect(performance.now() - t0).toBeLessThan(3000);
    expect(session.pty.closed).toBe(true);
    const events = fx.lab.events().slice(before);
    const order = ['koko: disconnect db-prod-02 (exit 0)', 'koko: key pressed', 'koko: quit'];
    expect(
      order
        .map((e) => events.indexOf(e))
        .every((n, i, all) => n >= 0 && (i === 0 || n > (all[i - 1] ?? 0))),
    ).toBe(true);
  });
});

describe('a command that ends its hop (5)', () => {
  it('a pod: kubectl says the exit code; the session stands at the master and refuses commands', async () => {
    const session = await fx.open(k8s(), 'bash-pod');
    const sh = new ShellExecutor(session);
    const r = await sh.execute('echo bye; exit 7', { timeoutMs: 10_000 });
    expect(r).toMatchObject({
      status: 'done',
      exit_code: 7,
      left_hop: { hop: 'pod', now_at: 'master', exit_code: 7 },
    });
    expect(r.output).toContain('bye\n');
    expect(r.duration_ms).toBeLessThan(5000);
    expect(session.at).toBe(0);
    const next = await sh.execute('echo never').catch((e: unknown) => e);
    expect(String(next)).toMatch(/stands at hop "master" \(1\/2\), not at hop "pod"/);
    // Leaving from where it stands: only the master's exit is typed.
    await closeSession(session);
  });

  it('also right after bulk output (the screen is not rendered for plain text)', async () => {
    const session = await fx.open(k8s(), 'bash-pod');
    const r = await new ShellExecutor(session).execute('seq 1 200000; exit 3', {
      timeoutMs: 15_000,
    });
    expect(r).toMatchObject({ exit_code: 3, left_hop: { hop: 'pod', now_at: 'master' } });
    expect(r.output.startsWith('1\n2\n')).toBe(true);
    expect(r.output).toContain('199999\n200000\n');
  });

  it('`exec` of a program that ends, in the busybox ash pod: the session knows it left', async () => {
    const session = await fx.open(k8s(), 'ash-pod');
    const r = await new ShellExecutor(session).execute('exec sh -c "exit 3"');
    expect(r).toMatchObject({ exit_code: 3, left_hop: { hop: 'pod', now_at: 'master' } });
  });

  it('the first hop: the SSH channel says the exit status; the session is closed', async () => {
    const { session, sh } = await fx.shell('bash', PROMPTS.bash);
    const r = await sh.execute('exit 9');
    expect(r).toMatchObject({
      exit_code: 9,
      left_hop: { hop: 'bash', now_at: null, exit_code: 9 },
    });
    expect(session.at).toBe(-1);
  });
});

describe('where the session stands is read exactly', () => {
  it("prompt regexes that match both hops: the master's prompt as it was tells them apart", async () => {
    const registry = fx.profiles(`  loose:
    connect: ${entryConnect(fx.lab, 'master')}
    timeout: 5s
    hops:
      - { name: master, prompt: '\\]\\$ $', shell: posix, exit: exit }
      - name: pod
        steps: [{ send_text: 'kubectl exec -it bash-pod -- bash' }]
        prompt: '\\]\\$ $'
        shell: posix
        exit: exit
`);
    const session = await fx.open(registry, 'loose');
    expect(session.prompts).toEqual(['[root@master ~]$ ', '[pod:bash-pod ~]$ ']);
    const sh = new ShellExecutor(session);
    expect(await sh.execute('pwd')).toMatchObject({
      output: expect.stringMatching(/pods\/bash-pod\n$/),
    });
    const r = await sh.execute('exit 0');
    expect(r).toMatchObject({ status: 'done', left_hop: { hop: 'pod', now_at: 'master' } });
    const next = await sh.execute('pwd').catch((e: unknown) => e);
    expect(String(next)).toMatch(/stands at hop "master"/);
  });

  it('output after the prompt (a background job): nothing is typed, nothing concluded', async () => {
    const session = await fx.open(k8s(), 'bash-pod');
    const sh = new ShellExecutor(session);
    expect(await sh.execute('(sleep 0.2; echo bg-done) &')).toMatchObject({ exit_code: 0 });
    await ptyShows(session.pty, 'bg-done');
    const err = await sh.execute('echo next', { timeoutMs: 1000 }).catch((e: unknown) => e);
    expect(String(err)).toMatch(/prompt_not_at_cursor|is not at the cursor, so nothing was typed/);
    expect(session.at).toBe(1);
    // A fresh prompt, as a person would get one, and the session goes on.
    session.pty.write('\r');
    expect(await sh.execute('echo next')).toMatchObject({ exit_code: 0, output: 'next\n' });
  });

  it("bash is not mksh: a 'syntax error' line before a prompt-like question is not the end", async () => {
    const session = await fx.open(k8s(), 'bash-pod');
    const sh = new ShellExecutor(session);
    const r = await sh.execute(
      `printf 'E: mksh: syntax error: x\\n'; read -r -p '[pod:bash-pod ~]$ ' v; echo "got:$v"`,
      { timeoutMs: 800 },
    );
    expect(r.status).not.toBe('done');
    sh.sendInput('answer');
    expect(await sh.get(r.command_id, 5000)).toMatchObject({ exit_code: 0, status: 'done' });
  });
});

describe('a host that logged out behind its menu (6)', () => {
  it('is noticed before anything is typed: nothing reaches the menu', async () => {
    const registry = koko('koko-idle');
    const session = await fx.open(registry, 'asset');
    const sh = new ShellExecutor(session);
    expect(await sh.execute('echo first')).toMatchObject({ exit_code: 0, output: 'first\n' });
    // The asset's bash logs out after 2 s without input (TMOUT), and the menu comes back.
    await ptyShows(session.pty, 'Press any key to continue', 10_000);
    const before = fx.lab.events().length;
    const err = await sh.execute('echo typed-into-the-menu').catch((e: unknown) => e);
    expect(String(err)).toMatch(
      /the session stands at hop "menu" \(1\/2\), not at hop "asset": the prompt of hop "menu" is at the cursor instead \(the host logged out, or its shell ended\)\. Nothing was typed/,
    );
    expect(session.at).toBe(0);
    expect(
      fx.lab
        .events()
        .slice(before)
        .some((e) => e.includes('typed-into-the-menu')),
    ).toBe(false);
  });
});

describe('markers and handlers read only what the command printed (8)', () => {
  it('writing into a missing folder on the ash pod never leaves the pod', async () => {
    const session = await fx.open(k8s(), 'ash-pod');
    const sh = new ShellExecutor(session);
    for (let i = 0; i < 30; i++) {
      const err = await writeRemoteFile(sh, `missing-${i}/file.txt`, Buffer.from('data\n')).catch(
        (e: unknown) => e,
      );
      expect(String(err)).toMatch(/cannot create missing-\d+\/file\.txt\.gw-/);
      const where = await sh.execute('pwd; echo $HOSTNAME');
      expect(where).toMatchObject({ exit_code: 0 });
      expect(where.output).toMatch(/\/pods\/ash-pod\nash-pod\n$/);
    }
    expect(session.at).toBe(1);
  });

  it('a handler does not fire on the echo of the typed command', async () => {
    const registry = k8s(`
        on: [{ match: 'FATAL-MARK', fail: 'the pod said FATAL-MARK' }]`);
    const session = await fx.open(registry, 'bash-pod');
    const sh = new ShellExecutor(session);
    const quiet = await sh.execute('echo fine # FATAL-MARK');
    expect(quiet).toMatchObject({ exit_code: 0, output: 'fine\n' });
    expect(quiet.failure).toBeUndefined();
    const loud = await sh.execute('echo FATAL-MARK; sleep 5');
    expect(loud.failure).toBe('the pod said FATAL-MARK');
  });
});

it('leaves only as far as it stands: a closed first hop is not typed into', async () => {
  const registry = k8s();
  const session = await fx.open(registry, 'bash-pod');
  await leaveHops(session, 1);
  expect(session.at).toBe(0);
  expect(session.pty.screen.beforeCursor()).toMatch(new RegExp(PROMPTS.master));
});
