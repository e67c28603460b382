import ssh2 from 'ssh2';
import type { ClientChannel } from 'ssh2';
import { GatewalkError } from '../src/errors.js';
import { stripAnsi } from '../src/terminal/ansi.js';
import { ExpectClient } from './expect.js';
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
export class LabClient extends ExpectClient<ClientChannel> {
  private constructor(
    readonly conn: InstanceType<typeof Client>,
    channel: ClientChannel,
  ) {
    super(conn, channel, false);
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

  protected failure(re: RegExp, why: string): Error {
    const tail = this.text.slice(Math.max(this.cursor, this.text.length - 600));
    return new GatewalkError(
      'lab_expect_failed',
      `waiting for ${re}: ${why}; last output:\n${tail}`,
    );
  }

  close(): void {
    this.conn.end();
  }
}
