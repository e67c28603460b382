// An MCP client talking to a real gatewalk server instance over the SDK's in-memory transport,
// with the lab behind it.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { ALL_CAPS } from '../../src/mcp/caps.js';
import { startInstance, type Instance, type InstanceOptions } from '../../src/mcp/instance.js';
import { packagePath } from '../../src/paths.js';

export interface Connected {
  client: Client;
  instance: Instance;
  root: string;
  call(name: string, args?: Record<string, unknown>): Promise<CallToolResult>;
  /** Calls a tool that must succeed; returns its structured content. */
  ok<T = Record<string, unknown>>(name: string, args?: Record<string, unknown>): Promise<T>;
  /** Calls a tool that must fail; returns its text. */
  fails(name: string, args?: Record<string, unknown>): Promise<string>;
  close(): Promise<void>;
}

/**
 * A client of a fresh instance. Every tool group is served unless `caps` says otherwise (the
 * tests drive every tool; `caps: []` is what `gatewalk serve` serves by default).
 */
export async function connectClient(options: Partial<InstanceOptions> = {}): Promise<Connected> {
  const root = mkdtempSync(join(tmpdir(), 'gatewalk-mcp-'));
  const instance = startInstance({
    profileDirs: [packagePath('profiles')],
    runtimeRoot: root,
    watchProfiles: false,
    caps: ALL_CAPS,
    ...options,
  });
  const client = new Client({ name: 'gatewalk-test', version: '1.0.0' });
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  await instance.newServer().connect(serverSide);
  await client.connect(clientSide);
  const call = (name: string, args: Record<string, unknown> = {}) =>
    client.callTool({ name, arguments: args }) as Promise<CallToolResult>;
  const text = (r: CallToolResult) =>
    r.content.map((c) => (c.type === 'text' ? c.text : '')).join('\n');
  return {
    client,
    instance,
    root,
    call,
    async ok<T>(name: string, args: Record<string, unknown> = {}) {
      const r = await call(name, args);
      if (r.isError) throw new Error(`${name} failed: ${text(r)}`);
      return r.structuredContent as T;
    },
    async fails(name: string, args: Record<string, unknown> = {}) {
      const r = await call(name, args);
      if (!r.isError) throw new Error(`${name} should have failed: ${text(r)}`);
      return text(r);
    },
    async close() {
      await client.close();
      await instance.shutdown('test over');
      rmSync(root, { recursive: true, force: true });
    },
  };
}

/** Asks `probe` again (a few ms apart) until `done` holds; fails after `ms`. */
export async function until<T>(
  probe: () => T | Promise<T>,
  done: (v: T) => boolean,
  ms = 5000,
): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (done(v)) return v;
    if (Date.now() > deadline) throw new Error(`still ${JSON.stringify(v)} after ${ms} ms`);
    await new Promise((r) => setTimeout(r, 5));
  }
}
