// MCP Tasks (revision 2025-11-25; experimental in SDK 1.32) for the calls that can take long: a
// command and a walk. A client that declares tasks may call them task-augmented and poll or wait
// with tasks/get and tasks/result; every other client calls them as before and gets the result
// in the call's own answer.
//
// Why not only the SDK's `registerToolTask`: for a call *without* `task`, its fallback polls the
// store every pollInterval (a sleep: up to that much added to every command). The store below
// knows, from the request it is given, whether the client asked for a task; when it did not, the
// work is awaited inside createTask and the task handed back already completed, so the SDK's
// fallback returns the result at once, without polling.
import { randomBytes } from 'node:crypto';
import type {
  CreateTaskOptions,
  TaskStore,
} from '@modelcontextprotocol/sdk/experimental/tasks/interfaces.js';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { RequestTaskStore } from '@modelcontextprotocol/sdk/shared/protocol.js';
import type {
  ShapeOutput,
  ZodRawShapeCompat,
} from '@modelcontextprotocol/sdk/server/zod-compat.js';
import type {
  CallToolResult,
  Request,
  RequestId,
  Result,
  Task,
  ToolAnnotations,
} from '@modelcontextprotocol/sdk/types.js';
import { GatewalkError } from '../errors.js';
import { failure, guarded, tool, type Extra, type ToolContext } from './result.js';

/** Tasks one connection may hold (results included); finished ones go first when full. */
export const MAX_TASKS = 100;
/** How long a task and its result stay after it ends, unless the client asks for less. */
export const TASK_TTL_MS = 60 * 60_000;
/** How often a client should poll tasks/get (and how often tasks/result looks again). */
export const TASK_POLL_MS = 500;

const terminal = (status: Task['status']) =>
  status === 'completed' || status === 'failed' || status === 'cancelled';

interface Held {
  task: Task;
  result?: Result;
  sessionId: string | undefined;
  /** The client asked for a task (else the call is answered in its own response). */
  augmented: boolean;
  timer?: NodeJS.Timeout;
  onCancel?: () => void;
}

/** Tasks of one MCP connection, in memory, bounded, dropped `ttl` after they end. */
export class GatewalkTaskStore implements TaskStore {
  private readonly held = new Map<string, Held>();

  constructor(private readonly pollMs = TASK_POLL_MS) {}

  private lookup(taskId: string, sessionId?: string): Held {
    const h = this.held.get(taskId);
    if (!h || (sessionId !== undefined && h.sessionId !== undefined && h.sessionId !== sessionId))
      throw new Error(`task ${taskId} not found: it ended more than its ttl ago, or never was`);
    return h;
  }

  async createTask(
    params: CreateTaskOptions,
    _requestId: RequestId,
    request: Request,
    sessionId?: string,
  ): Promise<Task> {
    if (this.held.size >= MAX_TASKS) {
      const done = [...this.held].find(([, h]) => terminal(h.task.status));
      if (!done)
        throw new GatewalkError(
          'too_many_tasks',
          `${MAX_TASKS} tasks are still working on this connection: wait for one (tasks/result) or cancel one (tasks/cancel)`,
        );
      this.drop(done[0]);
    }
    const now = new Date().toISOString();
    const ttl = Math.min(params.ttl ?? TASK_TTL_MS, TASK_TTL_MS);
    const task: Task = {
      taskId: randomBytes(12).toString('hex'),
      status: 'working',
      ttl,
      createdAt: now,
      lastUpdatedAt: now,
      pollInterval: params.pollInterval ?? this.pollMs,
    };
    const augmented = typeof (request.params as { task?: unknown } | undefined)?.task === 'object';
    this.held.set(task.taskId, { task, sessionId, augmented });
    return { ...task };
  }

  /** Whether the client asked for this task (rather than a plain call run as one). */
  augmented(taskId: string): boolean {
    return this.held.get(taskId)?.augmented ?? false;
  }

  /** What to do when the client cancels the task. */
  onCancel(taskId: string, fn: () => void): void {
    const h = this.held.get(taskId);
    if (h) h.onCancel = fn;
  }

  async getTask(taskId: string, sessionId?: string): Promise<Task | null> {
    try {
      return { ...this.lookup(taskId, sessionId).task };
    } catch {
      return null;
    }
  }

  async storeTaskResult(
    taskId: string,
    status: 'completed' | 'failed',
    result: Result,
    sessionId?: string,
  ): Promise<void> {
    const h = this.lookup(taskId, sessionId);
    if (terminal(h.task.status))
      throw new Error(`task ${taskId} is ${h.task.status} already: its result cannot change`);
    h.result = result;
    const text = (result as CallToolResult).content?.find((b) => b.type === 'text');
    // A failed task says why in its status too: clients show the status, not always the result.
    if (status === 'failed' && text?.type === 'text') h.task.statusMessage = text.text;
    this.settle(h, status);
  }

  async getTaskResult(taskId: string, sessionId?: string): Promise<Result> {
    const h = this.lookup(taskId, sessionId);
    if (!h.result)
      throw new Error(
        h.task.status === 'cancelled'
          ? `task ${taskId} was cancelled: it has no result`
          : `task ${taskId} has no result yet`,
      );
    // A plain call run as a task: this read hands its result back; nobody else knows the task.
    if (!h.augmented) this.drop(taskId);
    return h.result;
  }

  async updateTaskStatus(
    taskId: string,
    status: Task['status'],
    statusMessage?: string,
    sessionId?: string,
  ): Promise<void> {
    const h = this.lookup(taskId, sessionId);
    if (terminal(h.task.status))
      throw new Error(`task ${taskId} is ${h.task.status} already: its status cannot change`);
    if (statusMessage !== undefined) h.task.statusMessage = statusMessage;
    if (status === 'cancelled') {
      this.settle(h, status);
      h.onCancel?.();
    } else {
      h.task.status = status;
      h.task.lastUpdatedAt = new Date().toISOString();
    }
  }

  async listTasks(
    cursor?: string,
    sessionId?: string,
  ): Promise<{ tasks: Task[]; nextCursor?: string }> {
    const ids = [...this.held]
      .filter(([, h]) => h.augmented && (sessionId === undefined || h.sessionId === sessionId))
      .map(([id]) => id);
    const start = cursor === undefined ? 0 : ids.indexOf(cursor) + 1;
    if (cursor !== undefined && start === 0) throw new Error(`unknown cursor ${cursor}`);
    const page = ids.slice(start, start + 20);
    const next = start + 20 < ids.length ? page.at(-1) : undefined;
    const tasks = page.map((id) => ({ ...(this.held.get(id) as Held).task }));
    return next ? { tasks, nextCursor: next } : { tasks };
  }

  /** The connection ended: work still running is told to stop, and everything is dropped. */
  close(): void {
    for (const [id, h] of this.held) {
      if (!terminal(h.task.status)) h.onCancel?.();
      this.drop(id);
    }
  }

  private settle(h: Held, status: Task['status']): void {
    h.task.status = status;
    h.task.lastUpdatedAt = new Date().toISOString();
    clearTimeout(h.timer);
    h.timer = setTimeout(() => this.drop(h.task.taskId), h.task.ttl ?? TASK_TTL_MS);
    h.timer.unref();
  }

  private drop(taskId: string): void {
    clearTimeout(this.held.get(taskId)?.timer);
    this.held.delete(taskId);
  }
}

type Shape = ZodRawShapeCompat;
type TaskExtra = Extra & { taskStore: RequestTaskStore };

/**
 * Registers a tool that clients declaring tasks may run as an MCP task (taskSupport optional).
 * The handler is the same as a plain tool's; in a task, `extra.taskId` is set, `extra.signal`
 * aborts on tasks/cancel, and progress goes to the task's status message.
 */
export function taskTool<I extends Shape>(
  server: McpServer,
  ctx: ToolContext,
  name: string,
  config: { title: string; description: string; input: I; annotations: ToolAnnotations },
  handler: (args: ShapeOutput<I>, extra: Extra) => Promise<CallToolResult>,
): void {
  const store = ctx.tasks;
  if (!store) {
    tool(server, name, config, handler);
    return;
  }
  const run = guarded(handler);
  server.experimental.tasks.registerToolTask(
    name,
    {
      title: config.title,
      description: config.description,
      inputSchema: config.input,
      annotations: config.annotations,
      execution: { taskSupport: 'optional' },
    },
    {
      // The SDK types the callbacks from the shape; ours are the same functions, typed by hand.
      createTask: (async (args: ShapeOutput<I>, extra: TaskExtra) => {
        const task = await extra.taskStore.createTask(
          extra.taskRequestedTtl !== undefined ? { ttl: extra.taskRequestedTtl } : {},
        );
        const id = task.taskId;
        if (!store.augmented(id)) {
          // A plain call: answered in its own response, as if no task existed. The result is
          // stored straight in the store (no status notification about a task nobody knows).
          const result = await run(args, extra);
          await store.storeTaskResult(id, result.isError ? 'failed' : 'completed', result);
          return { task: await store.getTask(id) };
        }
        const cancel = new AbortController();
        store.onCancel(id, () => cancel.abort());
        void run(args, { ...extra, taskId: id, signal: cancel.signal })
          // A protocol error (a URL the person must open first) ends the task as failed, saying so.
          .catch((err: unknown) => failure(err))
          .then((result) =>
            // Through the request's store view: the client is told the task ended.
            extra.taskStore
              .storeTaskResult(id, result.isError ? 'failed' : 'completed', result)
              .catch(() => undefined /* cancelled meanwhile: the result has nowhere to go */),
          );
        return { task };
      }) as never,
      getTask: (async (_args: unknown, extra: TaskExtra & { taskId: string }) =>
        extra.taskStore.getTask(extra.taskId)) as never,
      getTaskResult: (async (_args: unknown, extra: TaskExtra & { taskId: string }) =>
        extra.taskStore.getTaskResult(extra.taskId)) as never,
    },
  );
}
