/**
 * Session transcripts: the audit log of one session, one JSON object per line. The first line
 * holds the session's metadata; every later line is an event with `t`, the milliseconds since
 * the session started, and a `type`. Secrets never reach the file: secret sends are written as
 * `[secret]` and every word of a known secret's shape is masked, in the output too (util/redact.ts:
 * masking the value alone would confirm an agent's guess when it reads the transcript back).
 * With the installation's audit key, every line is chained to the one before (sessions/chain.ts:
 * `n` and `h` close each line, a `note` of kind `end` closes the file) and `gatewalk transcript
 * verify` finds any line changed, removed or inserted since.
 */
import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { performance } from 'node:perf_hooks';
import { GatewalkError } from '../errors.js';
import { typedForms } from '../shell/framing.js';
import type { AuditKey } from './audit-key.js';
import { LineChain } from './chain.js';
import { MIN_SECRET_LENGTH, StreamRedactor } from './redactor.js';
import type { Pty, SentData } from '../terminal/pty.js';

export interface TranscriptMeta {
  session_id: string;
  profile: string;
  params: Record<string, string>;
  label: string | null;
  client: string | null;
  hops: string[];
  cols: number;
  rows: number;
  /** ISO 8601. */
  started_at: string;
}

export interface CommandEndRecord {
  status: string;
  exit_code: number | null;
  duration_ms: number;
  bytes: number;
}

/** Who ran a command and where: the MCP client's name, the hops from the first to its own. */
export interface CommandStartRecord {
  by?: string;
  hops?: string[];
}

export type TranscriptEvent =
  | { t: number; type: 'recv'; data: string }
  | { t: number; type: 'send'; data: string; secret?: boolean }
  | { t: number; type: 'state'; state: string; reason?: string }
  | ({ t: number; type: 'command_start'; id: string; command: string } & CommandStartRecord)
  | ({ t: number; type: 'command_end'; id: string } & CommandEndRecord)
  | { t: number; type: 'policy'; tool: string; detail: string; message: string }
  | { t: number; type: 'note'; kind: string; [field: string]: unknown };

export interface Transcript {
  meta: TranscriptMeta;
  events: TranscriptEvent[];
}

const REDACTED = '[secret]';

export function errorReason(err: unknown): string {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'EEXIST') return 'it already exists';
  return code ?? (err instanceof Error ? err.message : String(err));
}

export class TranscriptWriter {
  private readonly redactor = new StreamRedactor(REDACTED);
  /** Where a transcript that cannot be written any more says so (the server's log). */
  static onFailure: (message: string) => void = (message) => process.emitWarning(message);
  /** Where a secret too short to mask is reported: the same log as failures, unless set. */
  static onWarning: (message: string) => void = (message) => TranscriptWriter.onFailure(message);
  /** Lengths of too-short secrets already reported for this session (said once each). */
  private readonly shortReported = new Set<number>();

  /** Told every line as written (redacted already): the live viewer follows these. */
  readonly followers = new Set<(line: string) => void>();
  private fd: number | null;
  private readonly t0: number;

  private constructor(
    readonly path: string,
    fd: number,
    startedAt: string,
    /** Chains the lines (with the installation's audit key); null: plain lines, as before. */
    private readonly chain: LineChain | null,
  ) {
    this.fd = fd;
    // `t` counts from started_at (the session may have begun before its transcript was opened),
    // on the monotonic clock so that a wall-clock jump cannot reorder events.
    const before = Date.now() - Date.parse(startedAt);
    this.t0 = performance.now() - (before > 0 ? before : 0);
  }

  /**
   * Creates the file (never overwrites one) with mode 0600, its folder with 0700 if missing.
   * With `key`, the lines are chained (see sessions/chain.ts) and the session line names the key.
   */
  static create(path: string, meta: TranscriptMeta, key?: AuditKey): TranscriptWriter {
    let fd: number;
    try {
      mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
      fd = openSync(path, 'wx', 0o600);
    } catch (err) {
      throw new GatewalkError(
        'transcript_unwritable',
        `cannot create the transcript ${path}: ${errorReason(err)}`,
        { cause: err },
      );
    }
    const chain = key ? new LineChain(key) : null;
    const writer = new TranscriptWriter(path, fd, meta.started_at, chain);
    try {
      writer.line({ type: 'session', ...meta, ...(chain ? { chain: chain.info } : {}) }, false);
    } catch (err) {
      writer.fd = null;
      closeSync(fd);
      throw err;
    }
    return writer;
  }

  get closed(): boolean {
    return this.fd === null;
  }

  /**
   * Output from the remote; a secret in it is redacted even when split across chunks. Chunks
   * that arrive in one go (one read of the socket brings many SSH packets, each a few KiB of a
   * PTY's output) are written as one line, as soon as that read is handled (a microtask): one
   * write per read, not per packet. Any other event writes them first, so the order holds.
   */
  received(data: string): void {
    if (this.fd === null) return;
    const safe = this.redactor.push(data);
    if (!safe) return;
    if (this.recv.length === 0) {
      this.recvAt = this.now();
      queueMicrotask(() => this.flushReceived());
    }
    this.recv.push(safe);
  }

  private recv: string[] = [];
  private recvAt = 0;

  private flushReceived(): void {
    if (this.recv.length === 0) return;
    const data = this.recv.join('');
    this.recv = [];
    // Redacted as a stream already; a second pass over one piece alone could disagree at its edges.
    this.line({ t: this.recvAt, type: 'recv', data }, false);
  }

  /** Input to the remote. A secret one is written as `[secret]` and redacted from then on. */
  sent(data: string, options?: { secret?: boolean; by?: string }): void {
    if (this.fd === null) return;
    // Who typed, when not the agent (a person in the viewer).
    const by = options?.by ? { by: options.by } : {};
    if (options?.secret) {
      // Typed with its Enter, which is not part of the secret: an echo shows it as \r\n.
      this.addSecret(data.replace(/[\r\n]+$/, ''));
      this.event('send', { data: REDACTED, secret: true, ...by });
    } else this.event('send', { data, ...by });
  }

  /** A secret known from elsewhere (a resolved password, before it is typed). */
  addSecret(value: string): void {
    // A secret used in a command shows up in the typed line quoted or octal-escaped
    // (shell/framing.ts), as `P@ss\040w0rd`, which anyone can decode: those forms go too.
    // A value too short to mask is not masked in any form (its octal form alone would give it
    // away as well as the value does), and the log says so, without the value.
    if (value.length < MIN_SECRET_LENGTH) {
      if (value.length > 0 && !this.shortReported.has(value.length)) {
        this.shortReported.add(value.length);
        TranscriptWriter.onWarning(
          `${this.path}: a secret of ${value.length} characters is not redacted (under ${MIN_SECRET_LENGTH}, masking every word of its shape would garble ordinary output); it shows wherever the remote prints it`,
        );
      }
      return;
    }
    for (const form of typedForms(value)) this.redactor.addSecret(form);
  }

  state(state: string, reason?: string): void {
    this.event('state', { state, reason });
  }

  commandStart(id: string, command: string, who: CommandStartRecord = {}): void {
    const { by, hops } = who;
    this.event('command_start', { id, command, by, hops });
  }

  commandEnd(id: string, r: CommandEndRecord): void {
    const { status, exit_code, duration_ms, bytes } = r;
    this.event('command_end', { id, status, exit_code, duration_ms, bytes });
  }

  policyRefusal(tool: string, detail: string, message: string): void {
    this.event('policy', { tool, detail, message });
  }

  /** Any other event (resize, hop progress, who typed): `fields` cannot override t, type, kind. */
  note(kind: string, fields: Record<string, unknown>): void {
    this.event('note', Object.assign({ kind }, fields, { kind }));
  }

  /**
   * Writes what the redactor still holds, then (chained) the end line, then closes the file.
   * Later calls do nothing.
   */
  close(): void {
    const fd = this.fd;
    if (fd === null) return;
    try {
      const rest = this.redactor.flush();
      if (rest) this.recv.push(rest);
      this.flushReceived();
      // The last line written: a chained file without it was cut short (or is still open).
      if (this.chain) this.event('note', { kind: 'end' }, false);
    } finally {
      this.fd = null;
      closeSync(fd);
    }
  }

  private now(): number {
    return Math.round((performance.now() - this.t0) * 10) / 10;
  }

  private event(type: string, fields: Record<string, unknown>, redact = true): void {
    if (this.fd === null) return;
    this.flushReceived();
    const t = this.now();
    this.line(Object.assign({ t, type }, fields, { t, type }), redact);
  }

  private line(value: Record<string, unknown>, redact: boolean): void {
    const fd = this.fd;
    if (fd === null) return;
    if (this.chain) {
      // The chain's own fields close the line, whatever a note's fields say.
      delete value.h;
      delete value.n;
      value.n = this.chain.next;
    }
    const json = JSON.stringify(
      value,
      redact
        ? (_key, v: unknown) => (typeof v === 'string' ? this.redactor.redact(v) : v)
        : undefined,
    );
    // Redacted first: the hash covers what is written.
    const text = this.chain ? this.chain.seal(json) : json;
    const bytes = Buffer.from(`${text}\n`, 'utf8');
    for (const follow of this.followers) follow(json);
    try {
      // Synchronous, straight to the file: what was written survives a crash of the process.
      for (let done = 0; done < bytes.length;)
        done += writeSync(fd, bytes, done, bytes.length - done);
    } catch (err) {
      // Called from terminal events and command ends: throwing there would take the server
      // down. The transcript stops (said once, in the server log); the session goes on.
      this.fd = null;
      try {
        closeSync(fd);
      } catch {
        // Already unusable.
      }
      TranscriptWriter.onFailure(
        `cannot write to the transcript ${this.path}: ${errorReason(err)}; it stops here`,
      );
    }
  }
}

export { readMeta, readTranscript, tailTranscript } from './transcript-read.js';

/** Copies what the PTY receives and sends into the transcript; returns how to stop. */
export function recordPty(pty: Pty, transcript: TranscriptWriter): () => void {
  for (const secret of pty.secrets) transcript.addSecret(secret);
  // A transcript that cannot be written (disk full) must not take the session down with it.
  const safely = (write: () => void) => {
    try {
      write();
    } catch {
      // The writer reported it when it failed to open; later failures are dropped.
    }
  };
  // What the screen shows: a framed line's echo is recorded as the command typed (the line
  // itself is in the `send` event).
  const onDisplay = (text: string) => safely(() => transcript.received(text));
  const onSent = (s: SentData) =>
    safely(() =>
      // A person's keystrokes may be a password typed with echo off, one key at a time (too
      // short to redact): the transcript says who typed and how much, the echo shows the rest.
      s.by
        ? transcript.note('typed', { by: s.by, bytes: Buffer.byteLength(s.data) })
        : transcript.sent(s.data, { secret: s.secret }),
    );
  pty.on('display', onDisplay);
  pty.on('sent', onSent);
  return () => {
    pty.off('display', onDisplay);
    pty.off('sent', onSent);
  };
}
