// Recording for tests: a real SSH login to a lab entry on a real PTY (src/terminal/pty.ts), with
// the capture's own Recorder (the gateway's text as `out` events, what the "person" types as
// `key` events with the screen just before each), and a way to wait for what comes back.
import type { ClientChannel } from 'ssh2';
import type { RecordEvent, Snapshot } from '../../src/record/types.js';
import { Recorder, snapshotOf } from '../../src/record/capture.js';
import { Pty } from '../../src/terminal/pty.js';

/** The ssh2 client's shell call, as the lab clients expose it. */
interface ShellOpener {
  shell(
    window: { term: string; cols: number; rows: number },
    options: { env?: Record<string, string> },
    callback: (err: Error | undefined, channel: ClientChannel) => void,
  ): unknown;
  end(): unknown;
}

export interface Recording {
  pty: Pty;
  events: RecordEvent[];
  /** Types `text` one key per character (a person's pace needs no delay: bytes are bytes). */
  type(text: string): void;
  /** Sends one key event (an escape sequence, a control key). */
  key(data: string): void;
  /** Waits until `re` matches the text received since the last key (bounded). */
  until(re: RegExp, ms?: number): Promise<void>;
  /** The screen now, as the capture snapshots it. */
  snapshot(): Snapshot;
  close(): void;
}

/** Opens a shell on `conn` and starts recording. */
export function record(
  conn: ShellOpener,
  size = { cols: 200, rows: 50 },
  env?: Record<string, string>,
): Promise<Recording> {
  return new Promise((resolve, reject) => {
    conn.shell({ term: 'xterm-256color', ...size }, env ? { env } : {}, (err, channel) => {
      if (err) return reject(err);
      const pty = new Pty(channel, { ...size });
      // The capture's own recorder (src/record/capture.ts), as `gatewalk record` runs it.
      const recorder = new Recorder();
      recorder.attach(pty);
      const events = recorder.events;
      let since = '';
      const waiters = new Set<() => void>();
      pty.onText((text) => {
        since += text;
        for (const w of [...waiters]) w();
      });
      pty.once('close', () => {
        for (const w of [...waiters]) w();
      });
      const key = (data: string) => {
        since = '';
        recorder.key(data);
      };
      resolve({
        pty,
        events,
        key,
        type: (text) => {
          for (const ch of text) key(ch);
        },
        until: (re, ms = 10_000) =>
          new Promise<void>((done, fail) => {
            const check = () => {
              if (re.test(since)) {
                finish();
                done();
              } else if (pty.closed) {
                finish();
                fail(new Error(`closed while waiting for ${re}; text:\n${since.slice(-600)}`));
              }
            };
            const timer = setTimeout(() => {
              finish();
              fail(new Error(`no ${re} within ${ms} ms; text:\n${since.slice(-600)}`));
            }, ms);
            const finish = () => {
              clearTimeout(timer);
              waiters.delete(check);
            };
            waiters.add(check);
            check();
          }),
        snapshot: () => snapshotOf(pty),
        close: () => conn.end(),
      });
    });
  });
}
