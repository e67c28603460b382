// `gatewalk serve --http-idle`: checked before anything starts, and it reaches the HTTP
// transport (an unused MCP session expires after it).
import { serveHttp, serveIo } from '../helpers/io.js';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runServeCommand } from '../../src/cli/serve-command.js';
import { packagePath } from '../../src/paths.js';
import { until } from './helpers.js';

const testIo = (runtime: string) => serveIo(runtime, 'tok-123');

describe('serve --http-idle', () => {
  it('refuses a value that is not minutes, before anything starts', async () => {
    const runtime = mkdtempSync(join(tmpdir(), 'gatewalk-flags-'));
    try {
      const { io, errs } = testIo(runtime);
      expect(await runServeCommand(['--http', '0', '--http-idle', 'soon'], io)).toBe(2);
      expect(errs.join('\n')).toMatch(/--http-idle takes minutes/);
    } finally {
      rmSync(runtime, { recursive: true, force: true });
    }
  });

  it('ends an unused HTTP MCP session after that many minutes', async () => {
    const runtime = mkdtempSync(join(tmpdir(), 'gatewalk-flags-'));
    const { errs, stop, url } = await serveHttp(runtime, 'tok-123', ['--http-idle', '0.002']);
    try {
      const post = (body: unknown, session?: string) =>
        fetch(url, {
          method: 'POST',
          headers: {
            authorization: 'Bearer tok-123',
            'content-type': 'application/json',
            accept: 'application/json, text/event-stream',
            ...(session ? { 'mcp-session-id': session } : {}),
          },
          body: JSON.stringify(body),
        });
      const init = await post({
        jsonrpc: '2.0',
        id: 1,
        method: 'initialize',
        params: {
          protocolVersion: '2025-06-18',
          capabilities: {},
          clientInfo: { name: 'flags-test', version: '1' },
        },
      });
      expect(init.status).toBe(200);
      const session = init.headers.get('mcp-session-id') as string;
      await init.text();
      // 0.002 min = 120 ms unused: the server ends it (and logs so), and tells the client.
      await until(
        () => errs.some((l) => l.includes(`MCP session ${session} expired`)),
        (expired) => expired,
        10_000,
      );
      const after = await post({ jsonrpc: '2.0', method: 'notifications/initialized' }, session);
      await after.text();
      expect(after.status).toBe(404);
    } finally {
      await stop();
      rmSync(runtime, { recursive: true, force: true });
    }
  });

  it('keeps its bearer token 0600 in the runtime folder, the same after a restart', async () => {
    const runtime = mkdtempSync(join(tmpdir(), 'gatewalk-flags-'));
    const tokens: string[] = [];
    try {
      for (let start = 0; start < 2; start++) {
        const { io, errs, stop } = testIo(runtime);
        delete io.env.GATEWALK_HTTP_TOKEN;
        void runServeCommand(
          [
            ...['--http', '0', '--no-viewer', '--runtime', runtime],
            '--profiles',
            packagePath('profiles'),
          ],
          io,
        );
        const line = await until(
          () => errs.find((l) => l.includes('bearer token')),
          (l) => l !== undefined,
          10_000,
        );
        const m = /bearer token (\S+) \(kept in (\S+)\)/.exec(line ?? '');
        expect(m?.[2]).toBe(join(runtime, 'http-token'));
        expect(statSync(join(runtime, 'http-token')).mode & 0o777).toBe(0o600);
        expect(readFileSync(join(runtime, 'http-token'), 'utf8')).toContain(m?.[1] ?? '?');
        tokens.push(m?.[1] ?? '');
        await stop();
      }
      expect(tokens[0]).toBe(tokens[1]);
    } finally {
      rmSync(runtime, { recursive: true, force: true });
    }
  });
});
