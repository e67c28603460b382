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
    this.bytes += Buffer.byteLength(text);
    if (this.all !== null) {
      this.all += text;
      if (this.all.length <= this.limits.memoryChars) return;
      // Outgrown: keep the ends in memory, and everything on disk.
      const half = Math.floor(this.limits.memoryChars / 2);
      this.head = this.all.slice(0, half);
      this.tail = [this.all.slice(-half)];
      this.tailChars = this.tail[0]?.length ?? 0;
      this.spill(this.all);
      this.all = null;
      return;
    }
    this.spill(text);
    // Chunks in, whole chunks out: no copy of the tail per chunk.
    const half = Math.floor(this.limits.memoryChars / 2);
    this.tail.push(text);
    this.tailChars += text.length;
    while (this.tail.length > 1 && this.tailChars - (this.tail[0]?.length ?? 0) >= half) {
      this.tailChars -= this.tail.shift()?.length ?? 0;
    }
  }

  private spill(text: string): void {
    if (!this.limits.spillDir) return;
    if (this.fd === null) {
      mkdirSync(this.limits.spillDir, { recursive: true, mode: 0o700 });
      this.spillFile = join(this.limits.spillDir, `${this.id}.out`);
      this.fd = openSync(this.spillFile, 'w', 0o600);
    }
    const bytes = Buffer.from(text, 'utf8');
    this.unwritten.push(bytes);
    this.unwrittenBytes += bytes.length;
    if (this.unwrittenBytes >= SPILL_BATCH) this.flush();
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
    const start = whole !== null ? whole.slice(0, half) : this.head.slice(0, half);
    const end = whole !== null ? whole.slice(-half) : this.tail.join('').slice(-half);
    const omitted = this.chars - start.length - end.length;
    const where = this.spillFile
      ? ` The whole output is kept (${this.spillFile}): ask for a byte range to read any part of it.`
      : '';
    return {
      text: `${start}\n[... ${omitted} characters omitted of ${this.chars} (${this.bytes} bytes).${where} ...]\n${end}`,
      truncated: true,
    };
  }
}
