/**
 * Export of a transcript to asciinema's asciicast v2 (`asciinema play out.cast`): a header line,
 * then one `[seconds, code, data]` line per event. Only what the remote printed ("o") and
 * resizes ("r") go in: input is left out, since it may hold typed text the remote never echoed.
 */
import type { Transcript } from './transcript.js';

/** Seconds with at most 6 decimals, never before the previous event (players expect order). */
function seconds(ms: number, previous: number): number {
  return Math.max(previous, Number((ms / 1000).toFixed(6)));
}

function positiveInteger(value: unknown): value is number {
  return Number.isInteger(value) && (value as number) > 0;
}

export function toAsciicast(transcript: Transcript): string {
  const { meta, events } = transcript;
  const startedMs = Date.parse(meta.started_at);
  const header = {
    version: 2,
    width: meta.cols,
    height: meta.rows,
    // Optional in v2: left out rather than made up when started_at does not parse.
    ...(Number.isNaN(startedMs) ? {} : { timestamp: Math.floor(startedMs / 1000) }),
    title: `gatewalk ${meta.profile} ${meta.session_id}`,
    env: { TERM: 'xterm-256color' },
  };
  const lines = [JSON.stringify(header)];
  let at = 0;
  for (const e of events) {
    if (e.type === 'recv') {
      at = seconds(e.t, at);
      lines.push(JSON.stringify([at, 'o', e.data]));
    } else if (e.type === 'note' && e.kind === 'resize') {
      if (!positiveInteger(e.cols) || !positiveInteger(e.rows)) continue;
      at = seconds(e.t, at);
      lines.push(JSON.stringify([at, 'r', `${e.cols}x${e.rows}`]));
    }
  }
  return `${lines.join('\n')}\n`;
}
