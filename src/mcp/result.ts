// How tools answer: structured content plus a short text, and failures as isError results whose
// text says what happened and what to do next (never a stack trace).
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { RequestHandlerExtra } from '@modelcontextprotocol/sdk/shared/protocol.js';
import type {
  CallToolResult,
  ServerNotification,
  ServerRequest,
  ToolAnnotations,
} from '@modelcontextprotocol/sdk/types.js';
import type {
  ShapeOutput,
  ZodRawShapeCompat,
} from '@modelcontextprotocol/sdk/server/zod-compat.js';
import { isGatewalkError } from '../errors.js';
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
}

export function ok(data: Record<string, unknown>, text: string): CallToolResult {
  return { content: [{ type: 'text', text }], structuredContent: data };
}

export function failure(err: unknown): CallToolResult {
  const text = isGatewalkError(err)
    ? `${err.message} [${err.code}]`
    : `internal error: ${err instanceof Error ? err.message : String(err)}. This is a gatewalk bug; list_sessions shows whether the session is still usable.`;
  return { content: [{ type: 'text', text }], isError: true };
}

type Shape = ZodRawShapeCompat;

/** Registers a tool whose handler's errors become isError results. */
export function tool<I extends Shape, O extends Shape>(
  server: McpServer,
  name: string,
  config: {
    title: string;
    description: string;
    input: I;
    output: O;
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
      outputSchema: config.output,
      annotations: { title: config.title, ...config.annotations },
    },
    // The SDK types the handler from the shapes; ours is the same function, typed by hand.
    (async (args: ShapeOutput<I>, extra: Extra) => {
      try {
        return await handler(args, extra);
      } catch (err) {
        return failure(err);
      }
    }) as never,
  );
}

/** Sends an MCP progress notification when the client asked for progress. */
export function progress(extra: Extra, done: number, total: number, message: string): void {
  const token = extra._meta?.progressToken;
  if (token === undefined) return;
  void extra
    .sendNotification({
      method: 'notifications/progress',
      params: { progressToken: token, progress: done, total, message },
    })
    .catch(() => undefined);
}

/** Progress per hop entered, for walks: values must only ever grow, so repeats are dropped. */
export function hopProgress(
  extra: Extra,
): (p: { hop: number; hops: number; name: string }) => void {
  let reported = 0;
  return (p) => {
    if (p.hop <= reported) return;
    reported = p.hop;
    progress(extra, p.hop - 1, p.hops, `hop ${p.hop}/${p.hops}: ${p.name}`);
  };
}
