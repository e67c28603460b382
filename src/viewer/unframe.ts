// What a person sees is what was typed. The PTY's display stream already shows a framed line's
// echo as the command itself (terminal/pty.ts); an echo that was shown as it came (held too
// long, or the shell lost gatewalk's functions and complained) still carries the framing of
// shell/framing.ts. The viewer shows the command in its place; the transcript keeps what came.

/** A posix or zsh framed line: ` __gwS N&&[command ]eval ' cmd'&&__gwE 0||__gwE $?`. */
const POSIX =
  /__gwS [0-9a-f]+&&(?:command )?eval (?:'((?:[^']|'\\'')*)'|" \$\(printf -- '([^']*)'\)")&&__gwE 0\|\|__gwE \$\?/g;
/** A fish framed line: ` __gwS N; and eval ' cmd'; __gwE $status`. */
const FISH =
  /__gwS [0-9a-f]+; and eval (?:'((?:[^'\\]|\\.)*)'|\(printf ' ((?:[^'\\]|\\.)*)' \| string collect\)); __gwE \$status/g;
/** The marker functions' definitions, typed before a hop's first (gatewalk's own) command. */
const HELPERS =
  / ?(?:if \[ -n "\$\{KSH_VERSION-\}" \];then __gwP\(\)|function __gwS;)[^\r\n]*?;(?= ?__gwS [0-9a-f]+)/g;

/** `\101` octal escapes (shell/framing.ts printfFormat) back to the UTF-8 text they spell. */
function fromOctal(format: string): string {
  const bytes: number[] = [];
  for (let i = 0; i < format.length; i++) {
    const m = /^\\([0-7]{3})/.exec(format.slice(i, i + 4));
    if (m?.[1]) {
      bytes.push(parseInt(m[1], 8));
      i += 3;
    } else bytes.push(...Buffer.from(format[i] ?? '', 'utf8'));
  }
  return Buffer.from(bytes).toString('utf8');
}

/** The command a framed body holds, without the space that keeps it from reading as an option. */
const bare = (text: string) => text.replace(/^ /, '').replace(/\n/g, '\r\n');

/**
 * Text with every framed line it holds whole replaced by the command typed. A line framed
 * around gatewalk's own preparation (the helpers defined first) shows as nothing.
 */
export function unframe(text: string): string {
  if (!text.includes('__gwS')) return text;
  let own = false;
  const out = text
    .replace(HELPERS, () => {
      own = true;
      return '\uE000';
    })
    .replace(POSIX, (_m, quoted?: string, octal?: string) =>
      bare(quoted !== undefined ? quoted.replace(/'\\''/g, "'") : fromOctal(octal ?? '')),
    )
    .replace(FISH, (_m, quoted?: string, octal?: string) =>
      bare(
        quoted !== undefined
          ? quoted.replace(/\\(.)/g, '$1')
          : fromOctal((octal ?? '').replace(/\\'/g, "'")),
      ),
    );
  // gatewalk's own line: nothing of it is shown (the line up to the next line break goes).
  return own ? out.replace(/\uE000[^\r\n]*/g, '') : out;
}

/** A transcript event as the viewer shows it: a `recv` event's framed lines unframed. */
export function shownEvent<E extends { type: string; data?: unknown }>(e: E): E {
  return e.type === 'recv' && typeof e.data === 'string' && e.data.includes('__gwS')
    ? { ...e, data: unframe(e.data) }
    : e;
}

/** One transcript line (JSON) as the viewer sends it: unchanged unless a recv holds framing. */
export function shownLine(line: string): string {
  if (!line.includes('__gwS') || !line.includes('"type":"recv"')) return line;
  try {
    return JSON.stringify(shownEvent(JSON.parse(line) as { type: string; data?: unknown }));
  } catch {
    return line;
  }
}
