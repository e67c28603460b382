import { closeSync, mkdirSync, openSync, readSync, rmSync, writevSync } from 'node:fs';
import { join } from 'node:path';

export interface OutputLimits {
  /** Characters kept in memory at most; past them the start and the end are kept. */
  memoryChars: number;
  /** Where the full output is written once it outgrows memory (0600), if anywhere. */
  spillDir?: string;
}

// Spill writes are batched: a big output arrives in PTY-sized chunks (4 KiB), one write each
// would cost more than everything else done with them.
const SPILL_BATCH = 256 * 1024; // bytes

// Characters of each end of a spilled output kept in memory (a bigger view reads the file).
const ENDS_KEPT = 16 * 1024;

/** The chunks after the first `skip` bytes (after a short write). */
function rest(chunks: Buffer[], skip: number): Buffer[] {
  const out: Buffer[] = [];
  for (const chunk of chunks) {
    if (skip >= chunk.length) skip -= chunk.length;
    else {
      out.push(skip > 0 ? chunk.subarray(skip) : chunk);
      skip = 0;
    }
  }
  return out;
}

/**
 * A command's output with bounded memory: all of it while it is small; then its first and last
 * parts in memory and every byte in a spill file, so nothing is lost and nothing floods.
 */
export class CommandOutput {
  private head = '';
  /** The last chunks, about half the memory budget: joined only when a result is made. */
  private tail: string[] = [];
  private tailChars = 0;
  private all: string | null = '';
  private fd: number | null = null;
  /** Spilled text not written yet: one write per SPILL_BATCH bytes, not one per chunk. */
  private unwritten: Buffer[] = [];
  private unwrittenBytes = 0;
  spillFile: string | null = null;
  chars = 0;
  bytes = 0;

  constructor(
    private readonly id: string,
    private readonly limits: OutputLimits,
  ) {}

  push(text: string): void {
    if (text === '') return;
    this.chars += text.length;
    if (this.all !== null) {
      this.bytes += Buffer.byteLength(text);
      this.all += text;
      if (this.all.length <= this.limits.memoryChars) return;
      // Outgrown: keep the ends in memory (copies: a slice would keep the whole text alive),
      // and everything on disk.
      const kept = this.kept;
      this.head = detached(this.all.slice(0, kept));
      this.tail = [detached(this.all.slice(-kept))];
      this.tailChars = this.tail[0]?.length ?? 0;
      this.spill(this.all);
      this.all = null;
      return;
    }
    this.bytes += this.spill(text);
    // Chunks in, whole chunks out: no copy of the tail per chunk.
    this.tail.push(text);
    this.tailChars += text.length;
    while (this.tail.length > 1 && this.tailChars - (this.tail[0]?.length ?? 0) >= this.kept) {
      this.tailChars -= this.tail.shift()?.length ?? 0;
    }
  }

  /**
   * Characters of each end kept in memory once the output outgrew it: with a spill file, what a
   * result shows by default (a bigger view reads the file); without one, half the budget.
   */
  private get kept(): number {
    const half = Math.floor(this.limits.memoryChars / 2);
    return this.limits.spillDir ? Math.min(half, ENDS_KEPT) : half;
  }

  /** Writes to the spill file (batched); the text's size in bytes. */
  private spill(text: string): number {
    if (!this.limits.spillDir) return Buffer.byteLength(text);
    if (this.fd === null) {
      mkdirSync(this.limits.spillDir, { recursive: true, mode: 0o700 });
      this.spillFile = join(this.limits.spillDir, `${this.id}.out`);
      this.fd = openSync(this.spillFile, 'w', 0o600);
    }
    const bytes = Buffer.from(text, 'utf8');
    this.unwritten.push(bytes);
    this.unwrittenBytes += bytes.length;
    if (this.unwrittenBytes >= SPILL_BATCH) this.flush();
    return bytes.length;
  }

  private flush(): void {
    if (this.fd === null || this.unwrittenBytes === 0) return;
    const chunks = this.unwritten;
    this.unwritten = [];
    this.unwrittenBytes = 0;
    // Gathered by the kernel: no copy into one buffer first.
    for (let done = 0, total = chunks.reduce((n, c) => n + c.length, 0); done < total;) {
      const n = writevSync(this.fd, done === 0 ? chunks : rest(chunks, done));
      done += n;
    }
  }

  /** Bytes `offset` to `offset + length` of the whole output (from the spill file once spilled). */
  range(offset: number, length: number): Buffer {
    if (this.all !== null) return Buffer.from(this.all, 'utf8').subarray(offset, offset + length);
    if (!this.spillFile) return Buffer.alloc(0);
    this.flush();
    const fd = openSync(this.spillFile, 'r');
    try {
      const buf = Buffer.alloc(Math.max(0, Math.min(length, this.bytes - offset)));
      const n = readSync(fd, buf, 0, buf.length, offset);
      return buf.subarray(0, n);
    } finally {
      closeSync(fd);
    }
  }

  /** Drops the output: memory and spill file. */
  discard(): void {
    this.unwritten = [];
    this.unwrittenBytes = 0;
    this.close();
    this.all = '';
    this.tail = [];
    if (this.spillFile) rmSync(this.spillFile, { force: true });
  }

  close(): void {
    this.flush();
    // An ended output keeps one compact copy of its end, not the chunks it arrived in.
    if (this.all === null && this.tail.length > 1)
      this.tail = [detached(this.tail.join('').slice(-this.kept))];
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }

  /** Everything, when it is all in memory. */
  full(): string | null {
    return this.all;
  }

  /**
   * What a result shows: all of it when it fits `maxChars`, else its start and end with a marker
   * saying how much was left out and where the rest is.
   */
  view(maxChars: number): { text: string; truncated: boolean } {
    const whole = this.all;
    if (whole !== null && whole.length <= maxChars) return { text: whole, truncated: false };
    const half = Math.floor(maxChars / 2);
    if (whole === null && half > this.kept && this.spillFile) return this.viewFromFile(half);
    const start = whole !== null ? whole.slice(0, half) : this.head.slice(0, half);
    const end = whole !== null ? whole.slice(-half) : this.tail.join('').slice(-half);
    return this.shortened(start, end);
  }

  private shortened(start: string, end: string): { text: string; truncated: boolean } {
    const omitted = this.chars - start.length - end.length;
    const where = this.spillFile
      ? ` The whole output is kept (${this.spillFile}): ask for a byte range to read any part of it.`
      : '';
    return {
      text: `${start}\n[... ${omitted} characters omitted of ${this.chars} (${this.bytes} bytes).${where} ...]\n${end}`,
      truncated: true,
    };
  }

  /** A view larger than the ends kept in memory: read from the spill file. */
  private viewFromFile(half: number): { text: string; truncated: boolean } {
    if (2 * half >= this.bytes)
      return { text: this.range(0, this.bytes).toString('utf8'), truncated: false };
    const start = this.range(0, half);
    const end = this.range(this.bytes - half, half);
    // Cut at whole characters: no half of a UTF-8 sequence at either edge.
    let from = 0;
    while (from < end.length && ((end[from] ?? 0) & 0xc0) === 0x80) from++;
    return this.shortened(
      new TextDecoder().decode(start, { stream: true }),
      end.subarray(from).toString('utf8'),
    );
  }
}

/** A copy of a string that does not keep the (much larger) string it was sliced from alive. */
function detached(text: string): string {
  return Buffer.from(text, 'utf8').toString('utf8');
}
