// A guard between stdin and the SDK's stdio transport (issue 13). The SDK's reader gives up on a
// message over its buffer limit by closing the transport, and gatewalk ends with the transport:
// one oversize request would take every session down. The guard passes whole lines only, and a
// line over the limit is dropped as it streams in (never held whole) and answered with a JSON-RPC
// error that names the limit, under the request's id when one can be read from its ends.
import { Transform, type TransformCallback, type Writable } from 'node:stream';

/** The SDK's own limit (shared/stdio.js, STDIO_DEFAULT_MAX_BUFFER_SIZE): clients read with it. */
export const STDIO_MAX_MESSAGE = 10 * 1024 * 1024;

/** How much of an oversize line's start and end is kept to find its id. */
const KEEP = 4096;

const MiB = 1024 * 1024;

/**
 * The id of a JSON-RPC request from the start or the end of its line: `{"jsonrpc":"2.0","id":7,`
 * (Python clients) or `,"id":7}` (the TypeScript SDK puts it last). Only a top-level member
 * matches: the start must open the object with it, the end must close the object after it.
 */
export function recoverId(head: string, tail: string): string | number | undefined {
  const value = String.raw`(-?\d{1,16}|"(?:[^"\\\n]|\\.){0,256}")`;
  const atStart = new RegExp(
    String.raw`^\s*\{\s*(?:"jsonrpc"\s*:\s*"2\.0"\s*,\s*)?"id"\s*:\s*${value}\s*[,}]`,
  );
  const atEnd = new RegExp(String.raw`[{,]\s*"id"\s*:\s*${value}\s*\}\s*$`);
  const raw = atStart.exec(head)?.[1] ?? atEnd.exec(tail)?.[1];
  if (raw === undefined) return undefined;
  try {
    const id = JSON.parse(raw) as unknown;
    return typeof id === 'string' || typeof id === 'number' ? id : undefined;
  } catch {
    return undefined;
  }
}

export interface StdioGuardOptions {
  /** Bytes a message may take, its newline not counted (default STDIO_MAX_MESSAGE). */
  maxMessage?: number;
  /** Told about each dropped message (the server log). */
  log?: (line: string) => void;
}

/**
 * A stream to hand the transport instead of stdin. Answers to dropped messages are written to
 * `output` as whole lines (one write each), so they never interleave with the transport's.
 */
export function guardStdin(output: Writable, options: StdioGuardOptions = {}): Transform {
  const max = options.maxMessage ?? STDIO_MAX_MESSAGE;
  /** The line so far (under the limit). */
  let parts: Buffer[] = [];
  let held = 0;
  /** Set while an oversize line is being dropped: its start, its end so far, its length. */
  let dropping: { head: string; tail: Buffer; bytes: number } | null = null;

  const refuse = (d: { head: string; tail: Buffer; bytes: number }) => {
    const id = recoverId(d.head, d.tail.toString('utf8'));
    const message = `request refused: it is ${(d.bytes / MiB).toFixed(1)} MiB, over the ${max / MiB} MiB limit of a message on gatewalk's stdio transport; nothing was done. Send large files in chunks: write_file with offset (content per call within its advertised maxLength), read_file with offset and length; or upload/download through the transfer folder`;
    options.log?.(
      `dropped a ${d.bytes}-byte message over the ${max}-byte limit${id === undefined ? ' (no id found)' : ` (id ${JSON.stringify(id)})`}`,
    );
    const reply = {
      jsonrpc: '2.0',
      ...(id === undefined ? {} : { id }),
      error: { code: -32600, message },
    };
    output.write(`${JSON.stringify(reply)}\n`);
  };

  const startDropping = (first: Buffer) => {
    const start = Buffer.concat([...parts, first]);
    dropping = {
      head: start.subarray(0, KEEP).toString('utf8'),
      tail: start.subarray(-KEEP),
      bytes: start.length,
    };
    parts = [];
    held = 0;
  };

  return new Transform({
    transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback) {
      let at = 0;
      while (at < chunk.length) {
        const nl = chunk.indexOf(0x0a, at);
        const piece = chunk.subarray(at, nl === -1 ? chunk.length : nl);
        at = nl === -1 ? chunk.length : nl + 1;
        if (dropping) {
          dropping.bytes += piece.length;
          dropping.tail = Buffer.concat([dropping.tail, piece]).subarray(-KEEP);
        } else if (held + piece.length > max) startDropping(piece);
        else {
          parts.push(piece);
          held += piece.length;
        }
        if (nl === -1) break;
        if (dropping) {
          refuse(dropping);
          dropping = null;
        } else {
          // One whole line per push: the transport's buffer never holds more than one.
          parts.push(Buffer.from('\n'));
          this.push(Buffer.concat(parts));
          parts = [];
          held = 0;
        }
      }
      done();
    },
    flush(done: TransformCallback) {
      // A last line without its newline is never a message to the SDK either: dropped quietly.
      if (dropping) refuse(dropping);
      done();
    },
  });
}
