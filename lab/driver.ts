import ssh2 from 'ssh2';
import type { ClientChannel } from 'ssh2';
import { GatewalkError } from '../src/errors.js';
import { AnsiStripper, stripAnsi } from '../src/terminal/ansi.js';
import { expectIn } from './expect.js';
import { fingerprintOf } from './server.js';

const { Client } = ssh2;

export { stripAnsi };

export interface LabClientOptions {
  port: number;
  host?: string;
  username?: string;
  password?: string;
  privateKey?: Buffer;
  /** The host key fingerprint to insist on (strict: any other key is refused). */
  fingerprint: string;
  /** PTY size; `false` asks for no PTY. */
  pty?: { cols: number; rows: number; term?: string } | false;
  timeoutMs?: number;
}

/**
 * A small expect-style client for the lab, on the real ssh2 client: it reads the shell channel,
 * matches patterns on the ANSI-stripped text from where the previous match ended, and types.
 * Tests and `gatewalk demo` use it; it checks the host key strictly.
 */
export class LabClient {
  /** Everything received, ANSI-stripped. */
  text = '';
  /** Raw bytes received. */
  raw = '';
  cursor = 0;
  readonly waiters = new Set<() => void>();
  readonly exit: Promise<{ code: number | null; signal?: string }>;
  closed = false;

  private constructor(
    readonly conn: InstanceType<typeof Client>,
    readonly channel: ClientChannel,
  ) {
    const decoder = new TextDecoder();
    const stripper = new AnsiStripper();
    channel.on('data', (chunk: Buffer) => {
      const s = decoder.decode(chunk, { stream: true });
      this.raw += s;
      this.text += stripper.push(s);
      for (const w of this.waiters) w();
    });
    channel.stderr.resume();
    this.exit = new Promise((resolve) => {
      let code: number | null = null;
      let signal: string | undefined;
      channel.on('exit', (c: number | null, s?: string) => {
        code = c;
        signal = s;
      });
      const done = () => {
        this.closed = true;
        for (const w of this.waiters) w();
        resolve(signal ? { code, signal } : { code });
      };
      channel.on('close', done);
      conn.on('close', done);
    });
  }

  static connect(o: LabClientOptions): Promise<LabClient> {
    return new Promise((resolve, reject) => {
      const conn = new Client();
      let received = '';
      conn.on('error', (err) => reject(err));
      conn.on('ready', () => {
        conn.setNoDelay(true);
        const pty =
          o.pty === false ? false : { term: 'xterm', ...(o.pty ?? { cols: 120, rows: 40 }) };
        conn.shell(pty === false ? false : pty, (err, channel) => {
          if (err) return reject(err);
          resolve(new LabClient(conn, channel));
        });
      });
      conn.connect({
        host: o.host ?? '127.0.0.1',
        port: o.port,
        username: o.username ?? 'ops',
        ...(o.password !== undefined ? { password: o.password } : {}),
        ...(o.privateKey ? { privateKey: o.privateKey } : {}),
        readyTimeout: o.timeoutMs ?? 10_000,
        hostVerifier: (key: Buffer) => {
          received = fingerprintOf(key);
          if (received !== o.fingerprint) {
            reject(
              new GatewalkError(
                'host_key_mismatch',
                `host key mismatch: expected ${o.fingerprint}, received ${received}`,
              ),
            );
            return false;
          }
          return true;
        },
      });
    });
  }

  /**
   * Waits until `pattern` appears in the text received since the last match, then moves past it.
   * Rejects after `timeoutMs` (or when the channel closes) with the pattern and the screen tail.
   */
  expect(pattern: RegExp | string, timeoutMs = 5000): Promise<RegExpExecArray> {
    return expectIn(this, pattern, timeoutMs, (re, why) => this.failure(re, why));
  }

  private failure(re: RegExp, why: string): Error {
    const tail = this.text.slice(Math.max(this.cursor, this.text.length - 600));
    return new GatewalkError(
      'lab_expect_failed',
      `waiting for ${re}: ${why}; last output:\n${tail}`,
    );
  }

  /** Text received since the last match (not consumed). */
  get unread(): string {
    return this.text.slice(this.cursor);
  }

  send(data: string): void {
    this.channel.write(data);
  }

  /** Types a line and presses Enter (a PTY sends `\r`). */
  sendLine(line: string): void {
    this.channel.write(`${line}\r`);
  }

  /** Sends a line and waits for a pattern: the usual step of a menu walk. */
  async answer(line: string, next: RegExp | string, timeoutMs?: number): Promise<RegExpExecArray> {
    this.sendLine(line);
    return this.expect(next, timeoutMs);
  }

  close(): void {
    this.conn.end();
  }
}
