/**
 * Export of a transcript to asciinema's asciicast v2 (`asciinema play out.cast`): a header line,
 * then one `[seconds, code, data]` line per event. What the remote printed ("o"), resizes ("r")
 * and markers ("m": each hop reached and each command, for a player's seek bar) go in: input is
 * left out, since it may hold typed text the remote never echoed.
 */
import { unframe } from '../viewer/unframe.js';
import type { Transcript, TranscriptEvent } from './transcript.js';

/** A moment worth seeking to: a hop reached or a command started. */
export interface Marker {
  /** Milliseconds since the session started. */
  t: number;
  kind: 'hop' | 'command';
  label: string;
  /** The command's id (command markers). */
  id?: string;
}

/** Markers carry a label a player shows in one line: long commands are cut. */
const LABEL_MAX = 120;
const label = (text: string) =>
  (text.length > LABEL_MAX ? `${text.slice(0, LABEL_MAX - 1)}…` : text).replace(/\s+/g, ' ');

/**
 * The markers of a transcript, in time order. A walk is written as one note once it ended, with
 * each hop's duration: a hop was reached at the walk's start plus the durations up to its own.
 */
export function markersOf(events: TranscriptEvent[]): Marker[] {
  const out: Marker[] = [];
  for (const e of events) {
    if (e.type === 'command_start')
      out.push({ t: e.t, kind: 'command', label: label(e.command), id: e.id });
    else if (e.type === 'note' && e.kind === 'walk' && Array.isArray(e.hops)) {
      const hops = e.hops as { name?: unknown; ms?: unknown }[];
      let at = e.t - (typeof e.ms === 'number' ? e.ms : 0);
      for (const h of hops) {
        at += typeof h.ms === 'number' ? h.ms : 0;
        if (typeof h.name === 'string')
          out.push({
            t: Math.max(0, Math.min(e.t, Math.round(at))),
            kind: 'hop',
            label: label(h.name),
          });
      }
    } else if (e.type === 'note' && e.kind === 'switch' && typeof e.hop === 'string')
      out.push({ t: e.t, kind: 'hop', label: label(e.hop) });
  }
  return out.sort((a, b) => a.t - b.t);
}

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
  // Markers merge into the events by time: a walk's hops are known only when it ends.
  const markers = markersOf(events);
  let m = 0;
  const lines = [JSON.stringify(header)];
  let at = 0;
  const markUntil = (t: number) => {
    for (; m < markers.length && (markers[m]?.t ?? Infinity) <= t; m++) {
      const marker = markers[m] as Marker;
      at = seconds(marker.t, at);
      lines.push(
        JSON.stringify([
          at,
          'm',
          marker.kind === 'hop' ? `hop: ${marker.label}` : `$ ${marker.label}`,
        ]),
      );
    }
  };
  for (const e of events) {
    if (e.type === 'recv') {
      markUntil(e.t);
      at = seconds(e.t, at);
      // What a person sees: a framed line still in the output shows as the command typed.
      lines.push(JSON.stringify([at, 'o', unframe(e.data)]));
    } else if (e.type === 'note' && e.kind === 'resize') {
      if (!positiveInteger(e.cols) || !positiveInteger(e.rows)) continue;
      markUntil(e.t);
      at = seconds(e.t, at);
      lines.push(JSON.stringify([at, 'r', `${e.cols}x${e.rows}`]));
    }
  }
  markUntil(Infinity);
  return `${lines.join('\n')}\n`;
}
