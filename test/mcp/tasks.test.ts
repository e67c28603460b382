// MCP Tasks and progress through the SDK's real Client against the lab: long commands run as
// tasks for clients that ask, plain calls stay plain (and are never polled), progress tells the
// elapsed time and what the call waits for, and a cancelled task interrupts its command.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult, Progress, Task } from '@modelcontextprotocol/sdk/types.js';
import { CallToolResultSchema } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Lab } from '../../lab/server.js';
import { GatewalkTaskStore, MAX_TASKS } from '../../src/mcp/tasks.js';
import { serveHttp } from '../helpers/io.js';
import { labOnFreePort } from '../helpers/lab.js';
import { connectClient, type Connected, until } from './helpers.js';

let lab: Lab;
let c: Connected;
let sid: string;
/** A server telling clients to poll once a minute: a plain call it polled would time out. */
let slowPoll: Connected;

const openPod = async (client: Connected) =>
  (
    await client.ok<{ session_id: string }>('open_session', {
      profile: 'orders-pod',
      params: { lab_port: lab.port },
    })
  ).session_id;

beforeAll(async () => {
  lab = await labOnFreePort();
  c = await connectClient({ progressEveryMs: 100 });
  slowPoll = await connectClient({ taskPollMs: 60_000 });
  sid = await openPod(c);
});

afterAll(async () => {
  await c.close();
  await slowPoll.close();
  await lab.close();
});

const text = (r: CallToolResult) =>
  r.content.map((x) => (x.type === 'text' ? x.text : '')).join('\n');

/** Runs a tool as a task; returns what the stream yielded. */
async function asTask(name: string, args: Record<string, unknown>, client = c.client) {
  const tasks: Task[] = [];
  let result: CallToolResult | undefined;
  let error: Error | undefined;
  const stream = client.experimental.tasks.callToolStream(
    { name, arguments: args },
    CallToolResultSchema,
    { task: { ttl: 60_000 } },
  );
  for await (const m of stream) {
    if (m.type === 'taskCreated' || m.type === 'taskStatus') tasks.push(m.task);
    else if (m.type === 'result') result = m.result as CallToolResult;
    else error = m.error;
  }
  return { tasks, result, error };
}

describe('MCP tasks', () => {
  it('advertises tasks for tools/call and task support on the long tools only', async () => {
    expect(c.client.getServerCapabilities()?.tasks?.requests?.tools?.call).toBeDefined();
    const { tools } = await c.client.listTools();
    const support = Object.fromEntries(tools.map((t) => [t.name, t.execution?.taskSupport]));
    expect(support.execute_command).toBe('optional');
    expect(support.open_session).toBe('optional');
    expect(support.list_sessions).not.toBe('optional');
  });

  it('answers a plain call in its own response, never polled, and leaves no task behind', async () => {
    const own = await openPod(slowPoll);
    const r = await slowPoll.ok<{ output: string; exit_code: number }>('execute_command', {
      session_id: own,
      command: 'echo plain',
    });
    expect(r).toMatchObject({ output: 'plain\n', exit_code: 0 });
    expect((await slowPoll.client.experimental.tasks.listTasks()).tasks).toEqual([]);
  });

  it('runs a command as a task: created, working with elapsed time, then its result', async () => {
    const store = c.client.experimental.tasks;
    const created = await c.client.request(
      {
        method: 'tools/call',
        params: {
          name: 'execute_command',
          arguments: { session_id: sid, command: 'sleep 1; echo slow; false' },
          task: { ttl: 60_000 },
        },
      },
      (await import('@modelcontextprotocol/sdk/experimental/tasks/types.js'))
        .CreateTaskResultSchema,
    );
    const id = created.task.taskId;
    expect(created.task.status).toBe('working');
    const working = await until(
      () => store.getTask(id),
      (t) =>
        /running \d+\.\d s, \d+ B of output, waiting for it to end/.test(t.statusMessage ?? ''),
    );
    expect(working.status).toBe('working');
    expect(working.statusMessage).toMatch(/^cmd_\w+ running/);
    const result = (await store.getTaskResult(id, CallToolResultSchema)) as CallToolResult;
    expect(result.isError).toBeFalsy();
    expect(result.structuredContent).toMatchObject({ output: 'slow\n', exit_code: 1 });
    expect((await store.getTask(id)).status).toBe('completed');
    // The task is listed (the client asked for it), with its status.
    const { tasks } = await store.listTasks();
    expect(tasks.find((t) => t.taskId === id)?.status).toBe('completed');
  });

  it('a failed task says why in its status and its result tells what to do', async () => {
    const { tasks, error } = await asTask('execute_command', {
      session_id: 's_nosuch',
      command: 'true',
    });
    const last = tasks.at(-1);
    expect(last?.status).toBe('failed');
    expect(error?.message).toMatch(/failed/);
    const id = tasks[0]?.taskId as string;
    expect((await c.client.experimental.tasks.getTask(id)).statusMessage).toMatch(
      /no session s_nosuch.*list_sessions|list_sessions.*s_nosuch|s_nosuch/,
    );
    const result = (await c.client.experimental.tasks.getTaskResult(
      id,
      CallToolResultSchema,
    )) as CallToolResult;
    expect(result.isError).toBe(true);
    expect(text(result)).toMatch(/\[\w+\]$/);
  });

  it('cancelling a task interrupts its command: the session is free again', async () => {
    const created = await c.client.request(
      {
        method: 'tools/call',
        params: {
          name: 'execute_command',
          arguments: { session_id: sid, command: 'sleep 30' },
          task: {},
        },
      },
      (await import('@modelcontextprotocol/sdk/experimental/tasks/types.js'))
        .CreateTaskResultSchema,
    );
    const id = created.task.taskId;
    await until(
      () => c.client.experimental.tasks.getTask(id),
      (t) => /running/.test(t.statusMessage ?? ''),
    );
    const cancelled = await c.client.experimental.tasks.cancelTask(id);
    expect(cancelled.status).toBe('cancelled');
    // `sleep 30` was interrupted: a command without wait_if_busy_s runs now.
    const r = await until(
      () => c.call('execute_command', { session_id: sid, command: 'echo free' }),
      (x) => !x.isError,
      10_000,
    );
    expect(r.structuredContent).toMatchObject({ output: 'free\n', exit_code: 0 });
    const { commands } = await c.ok<{ commands: { command: string; exit_code: number }[] }>(
      'list_commands',
      { session_id: sid },
    );
    expect(commands.find((x) => x.command === 'sleep 30')?.exit_code).toBe(130);
  });

  it('walks a profile as a task: the session opens and is usable', async () => {
    const { tasks, result } = await asTask('open_session', {
      profile: 'orders-pod',
      params: { lab_port: lab.port },
    });
    expect(tasks[0]?.status).toBe('working');
    expect(result?.isError, result && text(result)).toBeFalsy();
    const id = (result?.structuredContent as { session_id: string }).session_id;
    expect(await c.ok('execute_command', { session_id: id, command: 'hostname' })).toMatchObject({
      exit_code: 0,
    });
    await c.ok('close_session', { session_id: id });
  });
});

describe('MCP tasks over Streamable HTTP', () => {
  it('runs a command as a task and hands its result back', async () => {
    const runtime = mkdtempSync(join(tmpdir(), 'gatewalk-tasks-'));
    const { stop, url } = await serveHttp(runtime, 'tok-tasks', []);
    const client = new Client({ name: 'tasks-http', version: '1.0.0' });
    try {
      await client.connect(
        new StreamableHTTPClientTransport(new URL(url), {
          requestInit: { headers: { Authorization: 'Bearer tok-tasks' } },
        }),
      );
      const opened = await asTask(
        'open_session',
        { profile: 'orders-pod', params: { lab_port: lab.port } },
        client,
      );
      const id = (opened.result?.structuredContent as { session_id: string }).session_id;
      const { tasks, result } = await asTask(
        'execute_command',
        { session_id: id, command: 'sleep 0.3; echo over-http' },
        client,
      );
      expect(tasks[0]?.status).toBe('working');
      expect(tasks.at(-1)?.status).toBe('completed');
      expect(result?.structuredContent).toMatchObject({ output: 'over-http\n', exit_code: 0 });
    } finally {
      await client.close().catch(() => undefined);
      await stop();
      rmSync(runtime, { recursive: true, force: true });
    }
  });
});

describe('progress of a plain call', () => {
  it('tells a long command’s elapsed time and what it waits for, always growing', async () => {
    const notes: Progress[] = [];
    const r = (await c.client.callTool(
      { name: 'execute_command', arguments: { session_id: sid, command: 'sleep 0.6; echo ok' } },
      undefined,
      { onprogress: (p) => notes.push(p) },
    )) as CallToolResult;
    expect(r.structuredContent).toMatchObject({ output: 'ok\n' });
    expect(notes.length).toBeGreaterThan(0);
    for (const n of notes) expect(n.message).toMatch(/^cmd_\w+ running \d+\.\d s, .* of output/);
    for (let i = 1; i < notes.length; i++)
      expect(notes[i]?.progress).toBeGreaterThan(notes[i - 1]?.progress ?? Infinity);
  });
});

describe('the task store', () => {
  const request = { method: 'tools/call', params: { name: 'x', task: {} } };

  it('holds at most MAX_TASKS: finished ones make room, working ones refuse more', async () => {
    const store = new GatewalkTaskStore();
    const ids: string[] = [];
    for (let i = 0; i < MAX_TASKS; i++) ids.push((await store.createTask({}, i, request)).taskId);
    await expect(store.createTask({}, 'x', request)).rejects.toThrow(/still working/);
    await store.storeTaskResult(ids[5] as string, 'completed', { content: [] });
    const extra = await store.createTask({}, 'y', request);
    expect(await store.getTask(ids[5] as string)).toBeNull();
    expect(await store.getTask(extra.taskId)).toMatchObject({ status: 'working' });
    store.close();
    expect(await store.getTask(extra.taskId)).toBeNull();
  });

  it('never keeps a task longer than an hour, whatever ttl is asked', async () => {
    const store = new GatewalkTaskStore();
    const t = await store.createTask({ ttl: 10 * 24 * 3600_000 }, 1, request);
    expect(t.ttl).toBe(3600_000);
    store.close();
  });

  it('keeps sessions apart and tells the cancel hook', async () => {
    const store = new GatewalkTaskStore();
    const t = await store.createTask({}, 1, request, 'A');
    expect(await store.getTask(t.taskId, 'B')).toBeNull();
    expect((await store.listTasks(undefined, 'B')).tasks).toEqual([]);
    let told = 0;
    store.onCancel(t.taskId, () => told++);
    await store.updateTaskStatus(t.taskId, 'cancelled', 'by test', 'A');
    expect(told).toBe(1);
    await expect(
      store.storeTaskResult(t.taskId, 'completed', { content: [] }, 'A'),
    ).rejects.toThrow(/cancelled already/);
    store.close();
  });
});
