// search_logs: find + grep on the remote side, stopped if it stalls.
import { GatewalkError } from '../errors.js';
import type { ShellExecutor } from './executor.js';
import { READ_CHUNK, requirePosix, requireShellHop, shPath, shQuote } from './files.js';

export interface LogMatch {
  file: string;
  line: number;
  text: string;
}

/** find + grep on the remote side: matches as { file, line, text }, at most `maxMatches`. */
export async function searchLogs(
  sh: ShellExecutor,
  pattern: string,
  path = '.',
  include = '*',
  maxMatches = 100,
  timeoutMs = 60_000,
): Promise<{ matches: LogMatch[]; truncated: boolean }> {
  requireShellHop(sh, `searching ${path}`);
  const out = await sh.execute(
    `find ${shPath(path)} -type f -name ${shQuote(include)} -exec grep -nHE -e ${shQuote(pattern)} {} + 2>/dev/null | head -n ${maxMatches + 1}`,
    { timeoutMs, maxOutput: Number.MAX_SAFE_INTEGER, memoryChars: 4 * READ_CHUNK },
  );
  requirePosix(sh, `searching ${path}`);
  if (out.status !== 'done') {
    // The search must not go on behind the caller's back, holding the session busy: Ctrl-C
    // (then Ctrl-\) brings the prompt back before the error is told.
    const stopped = await sh
      .interrupt()
      .then(() => true)
      .catch(() => false);
    throw new GatewalkError(
      'search_stalled',
      `search in ${path} did not finish within ${timeoutMs / 1000} s (command ${out.command_id}); ${stopped ? 'it was interrupted and the session is ready: narrow the path or include, or use a simpler pattern' : 'it ignored Ctrl-C and Ctrl-\\ and still runs: interrupt it again or reopen the session'}`,
    );
  }
  const matches = out.output.split('\n').flatMap((l) => {
    const m = /^(.*?):(\d+):(.*)$/.exec(l);
    return m ? [{ file: m[1] as string, line: Number(m[2]), text: m[3] as string }] : [];
  });
  return { matches: matches.slice(0, maxMatches), truncated: matches.length > maxMatches };
}
