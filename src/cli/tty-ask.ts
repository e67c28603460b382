// `send_secret: { ask }` in `gatewalk open` and `run`: the person types the value on their
// terminal, echo off. /dev/tty, not stdin: `run` may forward stdin to the remote command, and a
// person at a terminal is still there when stdin is a pipe.
import { openSync, writeSync } from 'node:fs';
import tty from 'node:tty';
import { GatewalkError } from '../errors.js';

/** Longest value taken (as the viewer's page): a secret is never this long by accident. */
const MAX_CHARS = 4096;

/** Asks on /dev/tty with echo off; rejects when there is no terminal, on Ctrl-C, or on `signal`. */
export function askOnTty(prompt: string, signal: AbortSignal): Promise<string> {
  let fd: number;
  try {
    fd = openSync('/dev/tty', 'r+');
  } catch {
    return Promise.reject(
      new GatewalkError(
        'secret_unavailable',
        'the profile asks a person for a secret and there is no terminal to ask on: run it from a terminal, use gatewalk serve (its viewer asks), or give the secret as { env }, { file } or { command }',
      ),
    );
  }
  const input = new tty.ReadStream(fd);
  const say = (text: string) => {
    try {
      writeSync(fd, text);
    } catch {
      // The terminal went away: the read below ends too.
    }
  };
  say(prompt);
  input.setRawMode(true);
  return new Promise<string>((resolve, reject) => {
    let value = '';
    const end = (err?: Error) => {
      input.off('data', onData);
      signal.removeEventListener('abort', onAbort);
      input.setRawMode(false);
      say('\r\n');
      input.destroy();
      if (err) reject(err);
      else resolve(value);
    };
    const onData = (chunk: Buffer) => {
      for (const ch of chunk.toString('utf8')) {
        if (ch === '\r' || ch === '\n') return end();
        if (ch === '\x03' || ch === '\x04')
          return end(new GatewalkError('secret_declined', 'the secret was not entered (Ctrl-C)'));
        if (ch === '\x7f' || ch === '\b') value = [...value].slice(0, -1).join('');
        else if (ch === '\x15') value = '';
        else if (ch >= ' ' && value.length < MAX_CHARS) value += ch;
      }
    };
    const onAbort = () =>
      end(new GatewalkError('secret_unavailable', 'the walk stopped waiting for the secret'));
    input.on('data', onData);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
