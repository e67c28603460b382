// A profile's `policy:` applied to what an agent asks for at the last hop. It is a guard rail
// against accidents, not a sandbox: a command is judged by its text before it is sent (see
// shell-words.ts for what the tokenizer understands). `deny` regexes refuse what they match;
// `read_only` allows only commands known to read, in forms known to read (read-only.ts),
// and refuses everything else. What it cannot see: what a read command does with data it is
// given (a file that `cat` prints is harmless, a SQL function with side effects is not), a
// program that asks and then does not read its answer, a remote that is not what it says.

import type { ResolvedProfile } from '../profiles/types.js';
import { readOnlyFinding, type ReadOnlyFinding } from './read-only.js';

export interface PolicyRefusal {
  rule: 'read_only' | 'deny';
  /** The deny pattern that matched. */
  pattern?: string;
  message: string;
}

type Policy = ResolvedProfile['policy'];

const TAIL = 'ask a person or use a profile without read_only';

/** What the agent reads when read_only refuses a command: what, why, and what to do. */
function readOnlyMessage(f: ReadOnlyFinding): string {
  const what = `\`${f.what}\``;
  switch (f.kind) {
    case 'modifies':
      return `${what} modifies the remote; ${TAIL}`;
    case 'writes_file':
      return `${what} writes a file on the remote; ${TAIL}`;
    case 'unknown':
      return (
        `${what} is not on its list of read-only commands (ls, cat, grep, find, ps, df, ` +
        `journalctl, kubectl get, git log, ...; any other command is refused); use a read ` +
        `command, or ${TAIL}`
      );
    case 'interactive':
      return `${what} is interactive and its keys can run a shell or write files; use cat, head, tail or grep, or ${TAIL}`;
    case 'hidden':
      return `${what} is built by the shell ($, backticks, braces, globs, $'...'), so what it runs cannot be checked; write the command out plainly`;
    case 'expanded':
      return `${what}: the shell expands this argument ($, backticks, globs, braces), and this command's arguments decide whether it writes; write them out (quote globs)`;
    case 'appended':
      return `${what} would get arguments it cannot see (from xargs or find -exec); only commands without writing options (cat, grep, ls, ...) may run there; ${TAIL}`;
    case 'variable':
      return `${what} sets a variable that can change what later commands run (only LANG, LC_*, TZ, COLUMNS, LINES, TERM, NO_COLOR, KUBECONFIG and lower-case names may be set); ${TAIL}`;
    case 'history':
      return "`!` would expand the shell's history, which cannot be checked; put the ! in single quotes";
    case 'incomplete':
      return `the line is not a whole command (${what}): the shell would read on and join it with what is typed next; send the whole command in one execute_command`;
  }
}

/** Refuses a command the profile's policy does not allow; null when it may run. */
export function checkCommand(
  policy: Policy,
  command: string,
  profileName: string,
  typed = false,
): PolicyRefusal | null {
  for (const pattern of policy.deny) {
    let regex: RegExp;
    try {
      regex = new RegExp(pattern);
    } catch {
      // Patterns are compiled when profiles load; one that still does not compile refuses all.
      return {
        rule: 'deny',
        pattern,
        message:
          `profile "${profileName}" has a deny pattern that is not a valid regex (/${pattern}/), ` +
          'so it runs no command; fix the profile',
      };
    }
    if (regex.test(command)) {
      return {
        rule: 'deny',
        pattern,
        message:
          `profile "${profileName}" refuses this command: it matches /${pattern}/ in the ` +
          "profile's policy.deny; ask a person to run it, or use a profile whose policy allows it",
      };
    }
  }
  if (!policy.readOnly) return null;
  const found = readOnlyFinding(command, typed);
  return found
    ? {
        rule: 'read_only',
        message: `profile "${profileName}" is read-only: ${readOnlyMessage(found)}`,
      }
    : null;
}

/** Refuses write_file and uploads under read_only; `what` names the write (`upload app.tgz`). */
export function checkWrite(
  policy: Policy,
  profileName: string,
  what: string,
): PolicyRefusal | null {
  if (!policy.readOnly) return null;
  return {
    rule: 'read_only',
    message:
      `profile "${profileName}" is read-only: ${what} writes to the remote; ` +
      'ask a person or use a profile without read_only',
  };
}
