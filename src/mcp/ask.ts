// Secrets asked from a person over MCP (`send_secret: { ask }`). The spec (2025-11-25) wants
// credentials asked in URL mode, never through the model: the person enters the value on a page
// of the live viewer, which hands it to the walk. A client that declares `elicitation.url` is
// sent `elicitation/create` with the page's URL and the walk waits; any other client gets the
// spec's URLElicitationRequiredError (-32042) with the URL, and the value entered there is kept
// for the call retried.
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { UrlElicitationRequiredError } from '@modelcontextprotocol/sdk/types.js';
import { GatewalkError } from '../errors.js';
import { askWhere, noAskerError, type Asker, type SecretAsk } from '../profiles/secrets.js';
import type { Viewer } from '../viewer/server.js';
import type { Extra, ToolContext } from './result.js';

/**
 * How long the page of a failed call stays open, and a value entered there is kept for the
 * call retried (once).
 */
export const ASK_KEEP_MS = 5 * 60_000;

export interface UrlElicitation {
  mode: 'url';
  message: string;
  url: string;
  elicitationId: string;
}

/** Each MCP connection keeps its own entered values: one client's retry is not another's. */
const scopes = new WeakMap<McpServer, string>();
let scopeCount = 0;

/**
 * The asker for a tool call that walks (open_session, reopen, switch_target); undefined when no
 * viewer runs (the walk then fails before connecting, saying how to give the secret).
 */
export function mcpAsker(
  server: McpServer,
  ctx: ToolContext,
  extra: Extra,
  toolName: string,
): Asker | undefined {
  const base = ctx.viewerUrl?.('ask');
  if (!base) return undefined;
  let scope = scopes.get(server);
  if (scope === undefined) scopes.set(server, (scope = `c${++scopeCount}`));
  const keyScope = scope;
  return async (ask) => {
    // Loaded already when it runs (the viewer gave the URL above).
    const { viewerAt } = await import('../viewer/server.js');
    const viewer = viewerAt(base);
    if (!viewer) throw noAskerError(askWhere(ask));
    const what = ask.label ?? 'a secret';
    const where = askWhere(ask);
    if (server.server.getClientCapabilities()?.elicitation?.url)
      return elicit(server, extra, viewer, ask, what, where);
    const key = `${keyScope}\0${ask.profile}\0${where}`;
    const given = viewer.takeAnswer(key);
    if (given !== null) {
      ctx.log(`${where}: secret given on the viewer page, used by the retried ${toolName}`);
      return given;
    }
    const pending =
      viewer.waitingAsk(key) ??
      viewer.ask({ title: what, where, ttlMs: ASK_KEEP_MS, keep: { key, ms: ASK_KEEP_MS } });
    const minutes = ASK_KEEP_MS / 60_000;
    const elicitation: UrlElicitation = {
      mode: 'url',
      message: `gatewalk needs ${what} (${where}). Enter it on this page; it goes to gatewalk, not to the assistant.`,
      url: pending.url,
      elicitationId: pending.id,
    };
    // A protocol error, not a result: the tool wrapper lets -32042 through (result.ts guarded).
    throw new UrlElicitationRequiredError(
      [elicitation],
      `${where} asks the person for ${what}: ask them to open ${pending.url} and enter it there (never in the chat), then call ${toolName} again with the same arguments within ${minutes} min (the value is used once; a one-time code must be entered just before the retry) [secret_required]`,
    );
  };
}

/**
 * URL elicitation: the client shows the page's URL to the person (and answers accept, decline
 * or cancel); the value comes by the page. Either may come first.
 */
async function elicit(
  server: McpServer,
  extra: Extra,
  viewer: Viewer,
  ask: SecretAsk,
  what: string,
  where: string,
): Promise<string> {
  const pending = viewer.ask({ title: what, where, ttlMs: ask.timeoutMs });
  // The walk stopped waiting (its ask timeout, the connection closed): the page ends too.
  const onAbort = () => pending.cancel();
  ask.signal.addEventListener('abort', onAbort, { once: true });
  // In an MCP task the call has been answered already: the question belongs to the task, which
  // waits for input meanwhile (2025-11-25 `input_required`).
  const link = extra.taskId
    ? { relatedTask: { taskId: extra.taskId } }
    : { relatedRequestId: extra.requestId };
  await taskWaits(extra, `waiting for the person to enter ${what} on ${pending.url}`);
  try {
    const answered = server.server
      .elicitInput(
        {
          mode: 'url',
          message: `gatewalk needs ${what} (${where}). Open the page and enter it there; it goes to gatewalk, not to the assistant.`,
          url: pending.url,
          elicitationId: pending.id,
        },
        // The person may take the whole ask timeout: the SDK's 60 s default would cut it.
        { ...link, signal: ask.signal, timeout: ask.timeoutMs },
      )
      .then(
        (r) => ({ kind: 'result' as const, action: r.action }),
        (err: unknown) => ({ kind: 'error' as const, err }),
      );
    const first = await Promise.race([
      pending.value.then((value) => ({ kind: 'value' as const, value })),
      answered,
    ]);
    let value: string | null;
    if (first.kind === 'value') value = first.value;
    else if (first.kind === 'result' && first.action === 'accept') value = await pending.value;
    else {
      pending.cancel();
      if (first.kind === 'result')
        throw new GatewalkError(
          'secret_declined',
          `${where}: the person ${first.action === 'decline' ? 'declined' : 'cancelled'} entering ${what}; the walk stopped and no session was opened. Call again when they can enter it.`,
        );
      const why = first.err instanceof Error ? first.err.message : String(first.err);
      throw new GatewalkError(
        'secret_unavailable',
        `${where}: the client could not show the page for ${what} (${why}); the walk stopped`,
      );
    }
    if (value === null)
      throw new GatewalkError('secret_unavailable', `${where}: the request for ${what} ended`);
    // The page was submitted: the client may close what it shows for it.
    await server.server
      .createElicitationCompletionNotifier(pending.id, link)()
      .catch(() => undefined);
    return value;
  } finally {
    ask.signal.removeEventListener('abort', onAbort);
    await taskWaits(extra, null);
  }
}

/** A task's status while the person is asked (input_required), and back to working after. */
async function taskWaits(extra: Extra, message: string | null): Promise<void> {
  const { taskId, taskStore } = extra;
  if (!taskId || !taskStore) return;
  await taskStore
    .updateTaskStatus(taskId, message ? 'input_required' : 'working', message ?? 'walking on')
    .catch(() => undefined);
}
