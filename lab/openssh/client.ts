// A small expect-style client for the real-OpenSSH lab, on the ssh2 client (not on gatewalk's
// navigator, which the lab tests): it logs in to an entry with that entry's key (strict host
// key check against the lab's fingerprint), opens a shell on a PTY, and matches patterns on the
// ANSI-stripped stream from where the previous match ended. Waits are event-driven (no sleeps).
import { readFileSync } from 'node:fs';
import type { Duplex } from 'node:stream';
import ssh2 from 'ssh2';
import type { ClientChannel } from 'ssh2';
import { ExpectClient } from '../expect.js';
import { fingerprintOf, type EntryName, type OpenSshLab } from './sshd.js';

const { Client } = ssh2;
export type SshClient = InstanceType<typeof Client>;

export interface ConnectOptions {
  /** A stream to run SSH over instead of a TCP connection (a jump host's forwarded channel). */
  sock?: Duplex;
  timeoutMs?: number;
}

/** Logs in to `entry` (its key, the lab's user), insisting on the lab's host key. */
export function connectEntry(
  lab: OpenSshLab,
  entry: EntryName,
  options: ConnectOptions = {},
): Promise<SshClient> {
  return new Promise((resolve, reject) => {
    const conn = new Client();
    let received: string | undefined;
    conn.on('error', (err) => {
      reject(
        received && received !== lab.fingerprint
          ? new Error(`host key mismatch: expected ${lab.fingerprint}, received ${received}`)
          : err,
      );
    });
    conn.on('ready', () => {
      if (!options.sock) conn.setNoDelay(true);
      resolve(conn);
    });
    conn.connect({
      ...(options.sock ? { sock: options.sock } : { host: lab.host, port: lab.port }),
      username: lab.user,
      privateKey: readFileSync(lab.key(entry)),
      readyTimeout: options.timeoutMs ?? 10_000,
      hostVerifier: (key: Buffer) => {
        received = fingerprintOf(key);
        return received === lab.fingerprint;
      },
    });
  });
}

export interface ShellOptions extends ConnectOptions {
  term?: string;
  cols?: number;
  rows?: number;
  /** Environment variables sent with the session (the lab accepts GW_* and KOKO_PAGE_SIZE). */
  env?: Record<string, string>;
}

/** An interactive session on one entry: a PTY shell channel with expect-style waits. */
export class EntrySession extends ExpectClient<ClientChannel> {
  private constructor(
    readonly conn: SshClient,
    channel: ClientChannel,
    readonly entry: EntryName,
  ) {
    super(conn, channel, true);
  }

  /** Connects to `entry` and opens a shell on a PTY (xterm-256color, 200x50 by default). */
  static async open(
    lab: OpenSshLab,
    entry: EntryName,
    options: ShellOptions = {},
  ): Promise<EntrySession> {
    const conn = await connectEntry(lab, entry, options);
    return new Promise((resolve, reject) => {
      conn.shell(
        {
          term: options.term ?? 'xterm-256color',
          cols: options.cols ?? 200,
          rows: options.rows ?? 50,
        },
        options.env ? { env: options.env } : {},
        (err, channel) => {
          if (err) {
            conn.end();
            return reject(err);
          }
          resolve(new EntrySession(conn, channel, entry));
        },
      );
    });
  }

  protected failure(re: RegExp, why: string): Error {
    const tail = this.text.slice(Math.max(0, this.text.length - 800));
    return new Error(
      `${this.entry}: waiting for ${re}: ${why}; last output:\n${tail}\n(raw tail: ${JSON.stringify(
        this.raw.slice(-300),
      )})`,
    );
  }

  close(): void {
    this.conn.end();
  }
}

/** A PROMPTS / INNER_PROMPTS source as a RegExp. */
export function promptRegex(source: string): RegExp {
  return new RegExp(source);
}
