// Secrets asked from a person (`send_secret: { ask }`): each ask is a page of the viewer,
// /ask/<id>, with a password field. The value is posted to this server, never through the agent,
// is handed to the walk that waits for it, and is never written anywhere. Single use.
import { randomBytes } from 'node:crypto';
import { askOverPage, askPage } from './pages.js';

export interface AskRequest {
  /** What is asked for ("OTP from your token"). */
  title: string;
  /** Where the walk stands (profile, hop, step, file:line:col). */
  where: string;
  /** The page is open this long unless answered; then it says it expired. */
  ttlMs: number;
  /**
   * Once given, the value is also kept this long under `key`, for `take` (a call retried after
   * the person entered it, by a client that cannot wait for the page itself).
   */
  keep?: { key: string; ms: number };
}

export interface PendingAsk {
  /** The page's id (`/ask/<id>`); also the MCP elicitation id. */
  id: string;
  /** The value once the person sends it; null when the ask ends without one. */
  value: Promise<string | null>;
  /** Ends the ask (its page then says so); a value kept for a retry stays. */
  cancel(): void;
}

interface Entry {
  request: AskRequest;
  state: 'waiting' | 'answered' | 'ended';
  settle: (value: string | null) => void;
  timer: NodeJS.Timeout;
  pending: PendingAsk;
}

/** A value longer than this is not a secret a person types. */
export const ASK_VALUE_MAX = 4096;
/** How long an ask's page still says what became of it once over. */
const TOMBSTONE_MS = 10 * 60_000;
/** Asks remembered at most (open ones and tombstones): the oldest over ones are dropped first. */
const MAX_ENTRIES = 200;

export interface AskAnswer {
  status: number;
  html: string;
}

export class AskDesk {
  private readonly entries = new Map<string, Entry>();
  private readonly kept = new Map<string, { value: string; timer: NodeJS.Timeout }>();

  open(request: AskRequest): PendingAsk {
    this.prune();
    const id = randomBytes(16).toString('base64url');
    let settle!: (value: string | null) => void;
    const value = new Promise<string | null>((resolve) => (settle = resolve));
    const pending: PendingAsk = { id, value, cancel: () => this.end(id) };
    const timer = setTimeout(() => this.end(id), request.ttlMs);
    timer.unref();
    this.entries.set(id, { request, state: 'waiting', settle, timer, pending });
    return pending;
  }

  /** The ask still waiting under `key` (a retry finds the page the person may be typing into). */
  waiting(key: string): PendingAsk | null {
    for (const e of this.entries.values())
      if (e.state === 'waiting' && e.request.keep?.key === key) return e.pending;
    return null;
  }

  /** The value kept under `key`, once: taking it forgets it. */
  take(key: string): string | null {
    const k = this.kept.get(key);
    if (!k) return null;
    clearTimeout(k.timer);
    this.kept.delete(key);
    return k.value;
  }

  page(id: string): AskAnswer {
    const e = this.entries.get(id);
    if (!e) return gone();
    if (e.state === 'answered') return used();
    if (e.state === 'ended') return expired();
    return {
      status: 200,
      html: askPage({ id, title: e.request.title, where: e.request.where }),
    };
  }

  /** The person posted `value` (null: the form had no value field). */
  answer(id: string, value: string | null): AskAnswer {
    const e = this.entries.get(id);
    if (!e) return gone();
    if (e.state === 'answered') return { ...used(), status: 409 };
    if (e.state === 'ended') return { ...expired(), status: 410 };
    const info = { id, title: e.request.title, where: e.request.where };
    if (!value)
      return { status: 400, html: askPage(info, 'Nothing was entered: enter the secret.') };
    if (value.length > ASK_VALUE_MAX)
      return {
        status: 413,
        html: askPage(info, `That is longer than ${ASK_VALUE_MAX} characters: enter the secret.`),
      };
    e.state = 'answered';
    clearTimeout(e.timer);
    this.tombstone(id, e);
    const keep = e.request.keep;
    if (keep) {
      const old = this.kept.get(keep.key);
      if (old) clearTimeout(old.timer);
      const timer = setTimeout(() => this.kept.delete(keep.key), keep.ms);
      timer.unref();
      this.kept.set(keep.key, { value, timer });
    }
    e.settle(value);
    return {
      status: 200,
      html: askOverPage(
        'Sent',
        'gatewalk got it and types it into the session. You can close this tab.',
      ),
    };
  }

  /** Ends every ask (the viewer stops). */
  close(): void {
    for (const id of [...this.entries.keys()]) this.end(id);
    for (const e of this.entries.values()) clearTimeout(e.timer);
    for (const k of this.kept.values()) clearTimeout(k.timer);
    this.entries.clear();
    this.kept.clear();
  }

  private end(id: string): void {
    const e = this.entries.get(id);
    if (!e || e.state !== 'waiting') return;
    e.state = 'ended';
    clearTimeout(e.timer);
    this.tombstone(id, e);
    e.settle(null);
  }

  /** An ask that is over is forgotten after a while (its page says what became of it until then). */
  private tombstone(id: string, e: Entry): void {
    e.timer = setTimeout(() => this.entries.delete(id), TOMBSTONE_MS);
    e.timer.unref();
  }

  private prune(): void {
    for (const [id, e] of this.entries) {
      if (this.entries.size < MAX_ENTRIES) return;
      if (e.state === 'waiting') continue;
      clearTimeout(e.timer);
      this.entries.delete(id);
    }
  }
}

const gone = (): AskAnswer => ({
  status: 404,
  html: askOverPage(
    'Unknown or expired',
    'No secret is asked at this address: it expired or was never asked. Call the tool again; it gives a new address.',
  ),
});
const used = (): AskAnswer => ({
  status: 200,
  html: askOverPage(
    'Already sent',
    'This secret was sent already (it is sent once). You can close this tab.',
  ),
});
const expired = (): AskAnswer => ({
  status: 200,
  html: askOverPage(
    'Expired',
    'This request ended before a secret was sent (it timed out, was declined or the walk stopped). Call the tool again; it gives a new address.',
  ),
});
