// How tools answer: structured content plus a short text, and failures as isError results whose
// text says what happened and what to do next (never a stack trace).
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { RequestHandlerExtra } from '@modelcontextprotocol/sdk/shared/protocol.js';
import {
  ErrorCode,
  McpError,
  type CallToolResult,
  type ServerNotification,
  type ServerRequest,
  type ToolAnnotations,
} from '@modelcontextprotocol/sdk/types.js';
import type {
  ShapeOutput,
  ZodRawShapeCompat,
} from '@modelcontextprotocol/sdk/server/zod-compat.js';
import { isGatewalkError } from '../errors.js';
import { LIMITS } from './limits.js';
import type { GatewalkTaskStore } from './tasks.js';
import type { ProfileRegistry } from '../profiles/registry.js';
import type { SessionManager } from '../sessions/manager.js';

export type Extra = RequestHandlerExtra<ServerRequest, ServerNotification>;

export interface ToolContext {
  manager: SessionManager;
  /** The profiles (a promise while they still load). */
  registry: () => ProfileRegistry | Promise<ProfileRegistry>;
  /** upload/download are confined to this folder; null turns them off. */
  localRoot: string | null;
  log: (line: string) => void;
  /** The live viewer's URL for a session (with its token), when the viewer runs. */
  viewerUrl?: (sessionId: string) => string | null;
  /** This connection's MCP tasks (long commands and walks may run as tasks when present). */
  tasks?: GatewalkTaskStore;
  /** How often a long call reports that it is still working (default 5 s). */
  progressEveryMs?: number;
}

export function ok(data: Record<string, unknown>, text: string): CallToolResult {
  return { content: [{ type: 'text', text }], structuredContent: data };
}

/** Where a result's notices come from: a session (sessions/session.ts `notices`). */
export interface NoticeSource {
  notices: {
    take(options?: { reentry?: boolean }): { lines: string[]; fields: Record<string, unknown> };
  };
}

/**
 * A result that has something to say first says it on the first lines of its text and in its
 * structured content, once: what a person did while holding the session's terminal in the
 * viewer (`person`), and that the call walked its session again first (`reentered`, after a
 * drop or a logout). `reentry: false` for a call that cannot have re-entered (a read beside the
 * line): the line belongs to the call that did.
 */
export function withNotices(
  session: NoticeSource,
  result: CallToolResult,
  options: { reentry?: boolean } = {},
): CallToolResult {
  const { lines, fields } = session.notices.take(options);
  if (lines.length === 0) return result;
  const head = lines.join('\n');
  const first = result.content[0];
  const content =
    first?.type === 'text'
      ? [{ ...first, text: `${head}\n${first.text}` }, ...result.content.slice(1)]
      : [{ type: 'text' as const, text: head }, ...result.content];
  return { ...result, content, structuredContent: { ...fields, ...result.structuredContent } };
}

/** The notices of a call that may have re-entered its session (the name it had before). */
export const withReentry = (session: NoticeSource, result: CallToolResult): CallToolResult =>
  withNotices(session, result);

/** An error's text at most (issue 13): an error says what happened, it never carries data. */
export const ERROR_TEXT_MAX = 2048;

/** `text` cut to `max` characters (a surrogate pair kept whole), saying how much was cut. */
export function capText(text: string, max: number): string {
  if (text.length <= max) return text;
  const note = ` [... ${text.length - max} more characters cut]`;
  let end = Math.max(0, max - note.length);
  if (/[\ud800-\udbff]/.test(text.charAt(end - 1))) end--;
  return text.slice(0, end) + note;
}

export function failure(err: unknown): CallToolResult {
  const text = isGatewalkError(err)
    ? `${capText(err.message, ERROR_TEXT_MAX - err.code.length - 3)} [${err.code}]`
    : capText(
        `internal error: ${err instanceof Error ? err.message : String(err)}. This is a gatewalk bug; list_sessions shows whether the session is still usable.`,
        ERROR_TEXT_MAX,
      );
  return { content: [{ type: 'text', text }], isError: true };
}

/** Bytes a value takes as JSON (UTF-8), the way a transport sends it. */
export function encodedBytes(value: unknown): number {
  return Buffer.byteLength(JSON.stringify(value) ?? '');
}

interface Leaf {
  path: string;
  bytes: number;
  get(): string;
  set(v: string): void;
}

/** Every string of a result (text blocks and structured content), with where it sits. */
function leaves(result: CallToolResult): Leaf[] {
  const out: Leaf[] = [];
  const walk = (
    holder: Record<string, unknown> | unknown[],
    key: string | number,
    path: string,
  ) => {
    const v = (holder as Record<string | number, unknown>)[key];
    if (typeof v === 'string') {
      out.push({
        path,
        bytes: encodedBytes(v),
        get: () => (holder as Record<string | number, string>)[key] as string,
        set: (s) => ((holder as Record<string | number, unknown>)[key] = s),
      });
    } else if (Array.isArray(v)) v.forEach((_, i) => walk(v, i, `${path}[${i}]`));
    else if (v && typeof v === 'object')
      for (const k of Object.keys(v)) walk(v as Record<string, unknown>, k, `${path}.${k}`);
  };
  result.content.forEach((block, i) => {
    if (block.type === 'text')
      walk(block as unknown as Record<string, unknown>, 'text', `text[${i}]`);
  });
  if (result.structuredContent)
    walk(result as unknown as Record<string, unknown>, 'structuredContent', 'structured');
  return out;
}

/** A prefix of `s` whose JSON encoding takes at most `bytes`. */
function prefixWithin(s: string, bytes: number): string {
  const total = encodedBytes(s);
  if (total <= bytes) return s;
  let n = Math.floor((s.length * bytes) / total);
  for (;;) {
    if (n > 0 && /[\ud800-\udbff]/.test(s.charAt(n - 1))) n--;
    const cut = s.slice(0, n);
    if (n === 0 || encodedBytes(cut) <= bytes) return cut;
    n = Math.floor(n * 0.9);
  }
}

/** The longest array in a value, with where it sits. */
function longestArray(value: unknown, path: string): { arr: unknown[]; path: string } | null {
  let best: { arr: unknown[]; path: string } | null = null;
  const visit = (v: unknown, p: string) => {
    if (Array.isArray(v)) {
      if (!best || v.length > best.arr.length) best = { arr: v, path: p };
      v.forEach((x, i) => visit(x, `${p}[${i}]`));
    } else if (v && typeof v === 'object')
      for (const [k, x] of Object.entries(v)) visit(x, `${p}.${k}`);
  };
  visit(value, path);
  return best;
}

/**
 * A result that fits `limit` bytes as JSON (text and structured content together), so the
 * transport can carry it (issue 13). One that does not has its longest strings shortened (then,
 * if need be, its longest lists), and its text says what was cut and how to get the rest.
 */
export function boundResult(result: CallToolResult, limit: number = LIMITS.result): CallToolResult {
  const size = encodedBytes(result);
  if (size <= limit) return result;
  const bounded = structuredClone(result);
  // Room for the note, and the JSON-RPC envelope around the result.
  const budget = limit - 4096;
  const cut = new Set<string>();
  const all = leaves(bounded);
  const fixed = size - all.reduce((n, l) => n + l.bytes, 0);
  // Water-filling: the largest cap at which the strings fit; only strings above it are cut.
  const sizes = all.map((l) => l.bytes).sort((a, b) => a - b);
  let room = budget - fixed;
  let cap = 0;
  for (let i = 0; i < sizes.length; i++) {
    const left = sizes.length - i;
    const each = Math.floor(room / left);
    if ((sizes[i] as number) > each) {
      cap = each;
      break;
    }
    room -= sizes[i] as number;
    cap = sizes[i] as number;
  }
  for (const leaf of all) {
    if (leaf.bytes <= cap) continue;
    leaf.set(prefixWithin(leaf.get(), Math.max(2, cap)));
    cut.add(leaf.path);
  }
  // Still over: the structure itself is too big (many small entries). Lists are halved.
  for (let i = 0; i < 64 && encodedBytes(bounded) > budget; i++) {
    const longest = longestArray(bounded.structuredContent, 'structured');
    if (!longest || longest.arr.length <= 1) break;
    longest.arr.length = Math.floor(longest.arr.length / 2);
    cut.add(`${longest.path} (list)`);
  }
  const fields =
    [...cut].slice(0, 8).join(', ') + (cut.size > 8 ? ` and ${cut.size - 8} more` : '');
  const note = `\n[result cut to fit the ${Math.round(limit / 1024)} KiB bound of a result (it was ${size} bytes): shortened ${fields}. Ask for less at a time: read_file with offset and length, get_command with offset and length, download to a file, or a narrower pattern or tail]`;
  const first = bounded.content.find((b) => b.type === 'text');
  if (first && first.type === 'text') first.text += note;
  else bounded.content.unshift({ type: 'text', text: note.trimStart() });
  return bounded;
}

type Shape = ZodRawShapeCompat;

/**
 * A tool handler whose errors become isError results and whose result is bounded. A request for
 * URL elicitation (-32042) stays a JSON-RPC error: the client shows the URL and retries.
 */
export function guarded<A>(
  handler: (args: A, extra: Extra) => Promise<CallToolResult>,
): (args: A, extra: Extra) => Promise<CallToolResult> {
  return async (args, extra) => {
    try {
      return boundResult(await handler(args, extra));
    } catch (err) {
      if (err instanceof McpError && err.code === ErrorCode.UrlElicitationRequired) throw err;
      return failure(err);
    }
  };
}

/**
 * Registers a tool whose handler's errors become isError results. No output schema is declared
 * (issue 14): they were nearly half of tools/list, sent to the model on every turn, while the
 * text of each result already says what the structured content holds. structuredContent is
 * still returned.
 */
export function tool<I extends Shape>(
  server: McpServer,
  name: string,
  config: {
    title: string;
    description: string;
    input: I;
    annotations: ToolAnnotations;
  },
  handler: (args: ShapeOutput<I>, extra: Extra) => Promise<CallToolResult>,
): void {
  server.registerTool(
    name,
    {
      title: config.title,
      description: config.description,
      inputSchema: config.input,
      annotations: config.annotations,
    },
    // The SDK types the handler from the shape; ours is the same function, typed by hand.
    guarded(handler) as never,
  );
}
