// `gatewalk run` forwards stdin like `ssh host cmd`: streamed, binary-safe, through the lab's
// three hops (menu -> master bash -> pod bash or busybox ash), or refuses where it cannot.
import { createHash, randomBytes } from 'node:crypto';
import { PassThrough, Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Lab } from '../lab/server.js';
import { runRunCommand } from '../src/cli/nav-commands.js';
import type { StdinSource } from '../src/cli/io.js';
import { ShellExecutor } from '../src/shell/executor.js';
import { runWithStdin } from '../src/shell/stdin-forward.js';
import { collectingIo } from './helpers/io.js';
import { labOnFreePort } from './helpers/lab.js';
import { atLab, shipped, withSession } from './helpers/nav.js';

let lab: Lab;
beforeAll(async () => {
  lab = await labOnFreePort();
});
afterAll(() => lab.close());

/** `gatewalk run <profile> -q [flags] -- <command>` with `stdin` as its standard input. */
async function run(profile: string, command: string, stdin?: StdinSource, flags: string[] = []) {
  const t = collectingIo();
  if (stdin) t.io.stdin = stdin;
  const code = await runRunCommand(
    [profile, '-q', '-p', `lab_port=${lab.port}`, ...flags, '--', command],
    t.io,
  );
  return { code, out: t.out.join(''), err: t.err.join('\n') };
}

const data = (bytes: Buffer | string): StdinSource => ({
  kind: 'data',
  stream: Readable.from([Buffer.from(bytes)]),
});

/** A producer that writes `chunk` whenever asked and never ends (as `yes` does). */
function endless(chunk: string): { source: StdinSource; stream: Readable } {
  const stream = new Readable({
    read() {
      this.push(chunk.repeat(1000));
    },
  });
  return { source: { kind: 'data', stream }, stream };
}

describe('gatewalk run with data on stdin', () => {
  it('gives the bytes to the command (cat), also through busybox ash', async () => {
    expect(await run('orders-pod', 'cat', data('one\ntwo words\n'))).toEqual({
      code: 0,
      out: 'one\ntwo words\n',
      err: '',
    });
    expect(await run('alpine-pod', 'tr a-z A-Z', data('hello ash\n'))).toMatchObject({
      code: 0,
      out: 'HELLO ASH\n',
    });
  });

  it('is binary-safe: 1 MiB of random bytes arrive whole (wc -c, sha256sum)', async () => {
    const bytes = randomBytes(1024 * 1024);
    // Bytes a terminal would act on, in the middle of the data: ^C, ^D, ^Z, ^\, CR, ESC.
    Buffer.from([3, 4, 26, 28, 13, 27, 0, 10]).copy(bytes, 5000);
    const sha = createHash('sha256').update(bytes).digest('hex');
    const r = await run('orders-pod', 'tee >(wc -c >&2) | sha256sum', data(bytes), [
      '--timeout',
      '60',
    ]);
    expect(r.code).toBe(0);
    expect(r.out).toContain(`${sha}  -`);
    expect(r.out).toContain('1048576');
  }, 90_000);

  it('ends when the command does, however long the producer goes on (yes | head)', async () => {
    const { source, stream } = endless('y\n');
    const t0 = performance.now();
    const r = await run('orders-pod', 'head -n 3', source);
    expect(r).toEqual({ code: 0, out: 'y\ny\ny\n', err: '' });
    expect(performance.now() - t0).toBeLessThan(10_000);
    // gatewalk no longer reads it.
    expect(stream.destroyed).toBe(true);
  });

  it('ends with a producer that never writes nor closes, when the command ignores stdin', async () => {
    const silent = new PassThrough();
    const r = await run('orders-pod', 'echo done', { kind: 'data', stream: silent });
    expect(r).toEqual({ code: 0, out: 'done\n', err: '' });
  });

  it("exits with the command's exit code; exit N stays the command's", async () => {
    expect(await run('orders-pod', 'cat; exit 3', data('x\n'))).toMatchObject({
      code: 3,
      out: 'x\n',
    });
    expect(await run('orders-pod', 'grep -q nothing', data('a\nb\n'))).toMatchObject({ code: 1 });
  });

  it('-n and /dev/null: stdin is not forwarded (the command sees the terminal)', async () => {
    const pty = 'test -t 0 && echo tty || echo not-tty';
    expect((await run('orders-pod', pty, data('x\n'))).out).toBe('not-tty\n');
    expect((await run('orders-pod', pty, data('x\n'), ['-n'])).out).toBe('tty\n');
    expect((await run('orders-pod', pty, { kind: 'none', stream: data('').stream })).out).toBe(
      'tty\n',
    );
  });

  it('refuses, exit 2, when the last hop is a menu (not shell: posix); -n runs', async () => {
    const r = await run('cmsm', '1', data('x\n'));
    expect(r.code).toBe(2);
    expect(r.out).toBe('');
    expect(r.err).toMatch(/stdin has data, and the last hop "menu" is not a shell: posix hop/);
    expect(r.err).toMatch(/Use -n \(--no-stdin\)/);
    // `q` leaves the menu: whatever comes of it, it is no refusal.
    expect((await run('cmsm', 'q', data('x\n'), ['-n'])).code).not.toBe(2);
    // Nothing to give: /dev/null, a pipe that ended empty (a CI runner's), a silent producer.
    const empty = () => ({ kind: 'data' as const, stream: Readable.from([]) });
    for (const stdin of [{ kind: 'none' as const, stream: data('').stream }, empty()])
      expect((await run('cmsm', 'q', stdin)).code).not.toBe(2);
    expect((await run('cmsm', 'q', { kind: 'data', stream: new PassThrough() })).code).not.toBe(2);
  });

  it('a pipe that ended empty changes nothing (the command keeps the terminal)', async () => {
    const r = await run('orders-pod', 'test -t 0 && echo tty || echo not-tty', {
      kind: 'data',
      stream: Readable.from([]),
    });
    expect(r).toEqual({ code: 0, out: 'tty\n', err: '' });
  });
});

describe('stdin forwarding in a session (the executor underneath gatewalk run)', () => {
  const open = () => atLab(shipped, lab)('orders-pod');
  const options = () => ({ lookup: (n: string) => atLab(shipped, lab)(n) });

  it('keeps the data out of what is recorded, and puts echo back, also after Ctrl-C', async () => {
    await withSession(open(), options(), async (session) => {
      const sent: string[] = [];
      const shown: string[] = [];
      session.pty.on('sent', (s) => sent.push(s.data));
      session.pty.on('display', (d) => shown.push(d));
      const sh = new ShellExecutor(session);
      const secret = 'a-line-no-record-may-hold-'.repeat(4);
      const r = await runWithStdin(
        sh,
        session,
        'wc -l; exit 4',
        data(`${secret}\n`).stream,
        10_000,
      );
      expect(r).toMatchObject({ forwarded: true, result: { status: 'done', exit_code: 4 } });
      expect(r.result.output.trim()).toBe('1');
      const b64 = Buffer.from(`${secret}\n`).toString('base64').slice(0, 40);
      expect(sent.join('')).toContain('base64 -d');
      expect(sent.join('')).not.toContain(b64);
      expect(shown.join('')).not.toContain(b64);
      const echo = async () => (await sh.execute('stty -a', { timeoutMs: 5000 })).output;
      expect(await echo()).toMatch(/(^|\s)echo\s/);
      // Interrupted while it reads a producer that never writes: echo comes back all the same.
      const hung = await runWithStdin(sh, session, 'cat', new PassThrough(), 300);
      expect(hung.result.status).toBe('running');
      expect((await sh.interrupt())?.status).toBe('done');
      expect(await echo()).toMatch(/(^|\s)echo\s/);
    });
  });

  it('a "Password: " line is no question to the terminal while stdin flows to the command', async () => {
    const r = await run(
      'orders-pod',
      'printf "Password: "; read -r p; echo "got $p"',
      data('pw\n'),
    );
    expect(r).toMatchObject({ code: 0, out: 'Password: got pw\n', err: '' });
  });
});
