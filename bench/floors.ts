// The floors and baselines the MCP benchmarks compare gatewalk against, measured on the same
// real-OpenSSH lab in the same run, plus the statistics and the one-line report they share.
//   - rawEcho*: one keystroke's round trip on a raw ssh2 PTY shell channel, at the direct host
//     or walked by hand to the ash pod: the shell there replaced by `stty raw -echo; exec cat`,
//     then 'x' written and timed until it comes back.
//   - ControlMaster: `ssh -S sock host true` spawns against an OpenSSH master connection.
//   - rawExecCat: a file read on a bare ssh2 exec channel (no PTY, no terminal, no framing).
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ClientChannel } from 'ssh2';
import { EntrySession, connectEntry, type SshClient } from '../lab/openssh/client.js';
import { INNER_PROMPTS, PROMPTS, type OpenSshLab } from '../lab/openssh/sshd.js';
import { WALK } from './mcp-stdio.js';

export function quantile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;
}
export const p50 = (xs: number[]) => quantile(xs, 0.5);
export const p99 = (xs: number[]) => quantile(xs, 0.99);
export const ms = (x: number) => `${x < 10 ? x.toFixed(2) : x.toFixed(1)} ms`;

/** `figure: value vs baseline = ratio (goal ...)`, with whether the goal is met. */
export function figureLine(
  figure: string,
  value: string,
  baseline: string,
  ratio: number,
  goal: { at: number; atMost: boolean },
): void {
  const met = goal.atMost ? ratio <= goal.at : ratio >= goal.at;
  console.log(
    `${figure}: ${value} vs ${baseline} = ${ratio.toFixed(2)}x (goal ${goal.atMost ? '<=' : '>='} ${goal.at}x: ${met ? 'met' : 'NOT met'})`,
  );
}

/** What a benchmark started, undone last first; one that fails does not skip the others. */
export class Cleanups {
  private readonly steps: (() => unknown)[] = [];

  add(step: () => unknown): void {
    this.steps.unshift(step);
  }

  async run(): Promise<void> {
    for (const step of this.steps) {
      try {
        await step();
      } catch (err) {
        console.error(`cleanup: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
  }
}

/** Times one async call in ms. */
export async function timed(fn: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

/**
 * A PTY shell channel whose far end is `cat` on a raw terminal without echo: every byte written
 * comes back once, from that far end only.
 */
export class RawEcho {
  private constructor(private readonly session: EntrySession) {}

  /** At the direct host: the `bash` entry's prompt, then cat. */
  static async atHost(lab: OpenSshLab): Promise<RawEcho> {
    const s = await EntrySession.open(lab, 'bash');
    await s.expect(new RegExp(PROMPTS.bash), 10_000);
    return RawEcho.start(s);
  }

  /** In the ash pod, walked by hand as the `ash-pod` profile walks: menu, master, kubectl. */
  static async atPod(lab: OpenSshLab): Promise<RawEcho> {
    const s = await EntrySession.open(lab, 'koko');
    await s.expect(new RegExp(PROMPTS.koko), 10_000);
    await s.answer(WALK.asset, new RegExp(INNER_PROMPTS.kokoAccount), 10_000);
    await s.answer(WALK.account, new RegExp(WALK.assetPrompt), 10_000);
    await s.answer(WALK.kubectl, new RegExp(WALK.podPrompt), 10_000);
    return RawEcho.start(s);
  }

  private static async start(s: EntrySession): Promise<RawEcho> {
    // RE''ADY: the echo of the typed line does not match, only echo's output does.
    await s.answer(`stty raw -echo; echo RE''ADY; exec cat`, 'READY', 10_000);
    const echo = new RawEcho(s);
    for (let i = 0; i < 5; i++) await echo.roundTrip(); // cat has started, and is warm
    return echo;
  }

  /** Writes one byte and resolves when it has come back. */
  roundTrip(): Promise<void> {
    const channel = this.session.channel;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        channel.off('data', onData);
        reject(new Error('raw PTY echo: no answer within 5 s'));
      }, 5000);
      const onData = (chunk: Buffer) => {
        if (!chunk.includes(0x78)) return;
        clearTimeout(timer);
        channel.off('data', onData);
        resolve();
      };
      channel.on('data', onData);
      channel.write('x');
    });
  }

  close(): void {
    this.session.close();
  }
}

/** Options every system `ssh` of the benchmarks gets: the lab's host key, nothing of ~/.ssh. */
export function sshOptions(lab: OpenSshLab): string[] {
  return [
    '-F',
    '/dev/null',
    '-p',
    String(lab.port),
    '-o',
    `UserKnownHostsFile=${lab.knownHosts}`,
    '-o',
    'StrictHostKeyChecking=yes',
    '-o',
    'BatchMode=yes',
    '-o',
    'IdentitiesOnly=yes',
    '-o',
    'LogLevel=ERROR',
  ];
}

/** Runs a program to its end, stdin at EOF; rejects on a non-zero status, with its stderr. */
export function run(file: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? resolve(out) : reject(new Error(`${file} exited ${code}: ${err.trim()}`)),
    );
  });
}

/**
 * An OpenSSH master connection (`ssh -M -S sock -fN`) to the lab's `bash` entry; `run()` is
 * one `ssh -S sock host true` over it. The lab forces every key's command: sshd runs the
 * entry's `bash -i` instead of `true`, which reads EOF (`-n`) and exits; `forcedLocally()`
 * times that same forced command run locally, and `trueLocally()` a plain `bash -c true`, to
 * say how much of the spawn is the lab's forced command rather than `true`.
 */
export class ControlMaster {
  private constructor(
    private readonly lab: OpenSshLab,
    private readonly dir: string,
    private readonly forced: string,
  ) {}

  private get socket(): string {
    return join(this.dir, 'master.sock');
  }

  private get target(): string {
    return `${this.lab.user}@127.0.0.1`;
  }

  static async start(lab: OpenSshLab): Promise<ControlMaster> {
    const dir = mkdtempSync(join(tmpdir(), 'gatewalk-bench-cm-'));
    // The forced command of the bash entry's key, as sshd runs it (through `$SHELL -c`).
    const pub =
      readFileSync(`${lab.key('bash')}.pub`, 'utf8')
        .trim()
        .split(' ')[1] ?? '';
    const line = readFileSync(join(lab.dir, 'authorized_keys'), 'utf8')
      .split('\n')
      .find((l) => l.includes(pub));
    const forced = /^command="([^"]*)"/.exec(line ?? '')?.[1];
    if (!forced) throw new Error('ControlMaster: no forced command for the bash entry');
    const cm = new ControlMaster(lab, dir, forced.replace('%PORT%', String(lab.port)));
    await run('ssh', [
      ...sshOptions(lab),
      '-i',
      lab.key('bash'),
      '-M',
      '-S',
      cm.socket,
      '-o',
      'ControlPersist=no',
      '-fN',
      cm.target,
    ]);
    return cm;
  }

  /** One `ssh -S sock host true`, stdin at EOF. */
  run(): Promise<string> {
    return run('ssh', [...sshOptions(this.lab), '-S', this.socket, '-n', this.target, 'true']);
  }

  forcedLocally(): Promise<string> {
    return run('bash', ['-c', this.forced]);
  }

  trueLocally(): Promise<string> {
    return run('bash', ['-c', 'true']);
  }

  /** `ssh -S sock -O exit`: the master leaves, then the folder goes. */
  async close(): Promise<void> {
    await run('ssh', [...sshOptions(this.lab), '-S', this.socket, '-O', 'exit', this.target]).catch(
      () => undefined,
    );
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/**
 * A bare ssh2 connection to the lab's `bash` entry; `cat(path, size)` reads a file on a fresh
 * exec channel (no PTY) and returns the seconds from the command written to the channel's
 * close. The entry's key forces `bash -i`: it reads `exec cat FILE` from the channel's stdin
 * once its prompt (on stderr) says it is ready, so bash's start-up is not timed.
 */
export class RawExec {
  private constructor(private readonly conn: SshClient) {}

  static async open(lab: OpenSshLab): Promise<RawExec> {
    return new RawExec(await connectEntry(lab, 'bash'));
  }

  cat(path: string, size: number): Promise<number> {
    return new Promise((resolve, reject) => {
      this.conn.exec('cat', (err, channel: ClientChannel) => {
        if (err) return reject(err);
        let bytes = 0;
        let prompt = '';
        let t0 = 0;
        channel.on('data', (chunk: Buffer) => (bytes += chunk.length));
        channel.stderr.on('data', (chunk: Buffer) => {
          if (t0) return;
          prompt += chunk.toString();
          if (!new RegExp(PROMPTS.bash).test(prompt)) return;
          t0 = performance.now();
          channel.end(`exec cat '${path}'\n`);
        });
        channel.on('close', () => {
          const seconds = (performance.now() - t0) / 1000;
          if (bytes !== size) reject(new Error(`raw exec cat: ${bytes} bytes, not ${size}`));
          else resolve(seconds);
        });
      });
    });
  }

  /**
   * For scale: the same file read on a PTY shell channel of the same connection (200x50),
   * counting the bytes (CRLFs included) up to an end mark; no terminal, no framing.
   */
  catOnPty(path: string): Promise<number> {
    return new Promise((resolve, reject) => {
      this.conn.shell({ term: 'xterm-256color', cols: 200, rows: 50 }, (err, channel) => {
        if (err) return reject(err);
        let tail = '';
        let t0 = 0;
        channel.on('data', (chunk: Buffer) => {
          // Only the end can hold the marks: a short tail is searched, never the whole stream.
          tail = (tail + chunk.toString('latin1', Math.max(0, chunk.length - 64))).slice(-128);
          if (!t0 && new RegExp(PROMPTS.bash).test(tail)) {
            t0 = performance.now();
            tail = '';
            channel.write(`cat '${path}'; echo RAW''DONE\r`);
          } else if (t0 && tail.includes('RAWDONE\r\n')) {
            const seconds = (performance.now() - t0) / 1000;
            channel.close();
            resolve(seconds);
          }
        });
      });
    });
  }

  close(): void {
    this.conn.end();
  }
}
