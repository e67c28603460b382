import { EventEmitter } from 'node:events';
import type { Writable } from 'node:stream';

export interface OutputOptions {
  /** Fault knob: send at most this many bytes at a time (0: as they come). */
  chunkBytes: number;
  /** Fault knob: wait this long between chunks. */
  chunkDelayMs: number;
  /** Called with the running total after every write, for the drop-after-bytes knob. */
  onBytes?: (total: number) => void;
}

const HIGH_WATER = 64 * 1024;

/**
 * Everything the lab sends to a client goes through here, so the fault knobs (chunked, slow
 * output) apply to the menu and to the shells alike, and the order of writes is kept.
 * `write` returns false when the producer should pause; 'drain' says when to resume.
 */
export class LabOutput extends EventEmitter {
  private readonly queue: Buffer[] = [];
  private queued = 0;
  private pumping = false;
  private closed = false;
  private timer: NodeJS.Timeout | undefined;
  total = 0;

  constructor(
    private readonly channel: Writable,
    private readonly options: OutputOptions,
  ) {
    super();
    channel.on('drain', () => {
      if (!this.chunked()) this.emit('drain');
    });
  }

  private chunked(): boolean {
    return this.options.chunkBytes > 0;
  }

  write(data: string | Buffer): boolean {
    if (this.closed) return true;
    const buf = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    if (buf.length === 0) return true;
    if (!this.chunked()) {
      this.count(buf.length);
      return this.channel.write(buf);
    }
    this.queue.push(buf);
    this.queued += buf.length;
    if (!this.pumping) this.pump();
    return this.queued < HIGH_WATER;
  }

  private count(n: number): void {
    this.total += n;
    this.options.onBytes?.(this.total);
  }

  private pump(): void {
    if (this.closed) return;
    const head = this.queue[0];
    if (!head) {
      this.pumping = false;
      this.emit('flushed');
      return;
    }
    this.pumping = true;
    const n = Math.min(this.options.chunkBytes, head.length);
    const chunk = head.subarray(0, n);
    if (n === head.length) this.queue.shift();
    else this.queue[0] = head.subarray(n);
    this.queued -= n;
    this.count(n);
    const next = () => {
      if (this.queued < HIGH_WATER) this.emit('drain');
      if (this.options.chunkDelayMs > 0) {
        this.timer = setTimeout(() => this.pump(), this.options.chunkDelayMs);
      } else setImmediate(() => this.pump());
    };
    // A client that stops reading stops the pump too, so the queue (and the shell behind it,
    // paused at HIGH_WATER) waits instead of piling up in the channel.
    if (this.channel.write(chunk)) next();
    else this.channel.once('drain', next);
  }

  /** Resolves once everything queued has been handed to the channel. */
  flushed(): Promise<void> {
    if (!this.pumping || this.closed) return Promise.resolve();
    return new Promise((resolve) => this.once('flushed', resolve));
  }

  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.queue.length = 0;
    this.emit('flushed');
  }
}
