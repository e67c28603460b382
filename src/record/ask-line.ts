// One line asked on the person's terminal in raw mode (record's questions: secret names, "walk
// it now?", and keyboard-interactive prompts at login). Echo on for names; off for secrets.
import type { UserTerminal } from '../cli/io.js';
import { GatewalkError } from '../errors.js';

/** Longest answer taken: a name or a one-time code is never this long. */
const MAX_CHARS = 4096;

/** Reads a line; Ctrl-C or Ctrl-D rejects (`declined`). Leaves raw mode as it found it off. */
export function askLine(
  terminal: UserTerminal,
  prompt: string,
  options: { echo: boolean; keepRaw?: boolean },
): Promise<string> {
  terminal.setRaw(true);
  terminal.output(prompt);
  return new Promise((resolve, reject) => {
    let value = '';
    const end = (err?: Error) => {
      off();
      if (!options.keepRaw) terminal.setRaw(false);
      terminal.output('\r\n');
      if (err) reject(err);
      else resolve(value);
    };
    const off = terminal.onInput((data) => {
      for (const ch of data.toString('utf8')) {
        if (ch === '\r' || ch === '\n') return end();
        if (ch === '\x03' || ch === '\x04')
          return end(new GatewalkError('declined', 'not answered (Ctrl-C)'));
        if (ch === '\x7f' || ch === '\b') {
          if (value === '') continue;
          value = [...value].slice(0, -1).join('');
          if (options.echo) terminal.output('\b \b');
        } else if (ch >= ' ' && value.length < MAX_CHARS) {
          value += ch;
          if (options.echo) terminal.output(ch);
        }
      }
    });
  });
}
