// The HTTP bearer token kept in the runtime root (0600) across restarts, and the 401 that names
// its scheme.
import {
  chmodSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { listenHttp } from '../../src/mcp/http.js';
import { startInstance, type Instance } from '../../src/mcp/instance.js';
import { TOKEN_FILE, stableToken } from '../../src/mcp/token.js';
import { packagePath } from '../../src/paths.js';

let root: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'gatewalk-token-'));
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

describe('stableToken', () => {
  it('makes a 0600 token file in the runtime root once, and returns the same token after', () => {
    const state = join(root, 'state', 'gatewalk');
    const first = stableToken(state);
    expect(first).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const file = join(state, TOKEN_FILE);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(state).mode & 0o777).toBe(0o700);
    expect(readFileSync(file, 'utf8')).toBe(`${first}\n`);
    expect(stableToken(state)).toBe(first);
    // Another root, another token: nothing is shared between state folders.
    expect(stableToken(join(root, 'other'))).not.toBe(first);
  });

  it('hands out one token to servers starting at the same moment', async () => {
    const tokens = await Promise.all(
      Array.from({ length: 8 }, () => Promise.resolve().then(() => stableToken(root))),
    );
    expect(new Set(tokens).size).toBe(1);
    // No temporary file is left behind.
    expect(readFileSync(join(root, TOKEN_FILE), 'utf8').trim()).toBe(tokens[0]);
  });

  it('refuses a token file that others may read', () => {
    const token = stableToken(root);
    chmodSync(join(root, TOKEN_FILE), 0o644);
    expect(() => stableToken(root)).toThrow(/may be read by others \(mode 0644\).*delete it/);
    chmodSync(join(root, TOKEN_FILE), 0o600);
    expect(stableToken(root)).toBe(token);
  });

  it('refuses a symbolic link and a file that holds no token', () => {
    const elsewhere = join(root, 'elsewhere');
    writeFileSync(elsewhere, `${'a'.repeat(43)}\n`, { mode: 0o600 });
    symlinkSync(elsewhere, join(root, TOKEN_FILE));
    expect(() => stableToken(root)).toThrow(/is a symbolic link/);
    rmSync(join(root, TOKEN_FILE));
    writeFileSync(join(root, TOKEN_FILE), 'short\n', { mode: 0o600 });
    expect(() => stableToken(root)).toThrow(/does not hold a token/);
  });
});

describe('HTTP with the kept token', () => {
  let instance: Instance;
  let runtime: string;
  beforeAll(() => {
    runtime = mkdtempSync(join(tmpdir(), 'gatewalk-token-http-'));
    instance = startInstance({
      profileDirs: [packagePath('profiles')],
      runtimeRoot: runtime,
      watchProfiles: false,
    });
  });
  afterAll(async () => {
    await instance?.shutdown('test over');
    rmSync(runtime, { recursive: true, force: true });
  });

  /** A server as `gatewalk serve --http` starts it: its token from the runtime root. */
  const serve = (port: number) =>
    listenHttp({
      port,
      token: stableToken(instance.runtime.root),
      newServer: () => instance.newServer(),
      log: () => undefined,
    });

  it('a client configured once still connects after the server restarts', async () => {
    const first = await serve(0);
    // What a person saves in a client's configuration: the URL and the header.
    const saved = { url: first.url, headers: { Authorization: `Bearer ${stableToken(runtime)}` } };
    const connectSaved = async () => {
      const client = new Client({ name: 'saved-config', version: '1.0.0' });
      await client.connect(
        new StreamableHTTPClientTransport(new URL(saved.url), {
          requestInit: { headers: saved.headers },
        }),
      );
      const tools = await client.listTools();
      await client.close();
      return tools.tools.length;
    };
    expect(await connectSaved()).toBeGreaterThan(0);
    await first.close();
    // A restart takes a new process: time enough for this process's fetch to see the old
    // connections closed (here the same event loop runs both ends).
    await new Promise((resolve) => setTimeout(resolve, 50));
    const second = await serve(first.port);
    try {
      expect(await connectSaved()).toBeGreaterThan(0);
    } finally {
      await second.close();
    }
  });

  it('answers 401 with WWW-Authenticate: Bearer, without a token and with a wrong one', async () => {
    const listener = await serve(0);
    try {
      for (const auth of [
        undefined,
        'Bearer wrong',
        `Basic ${Buffer.from('a:b').toString('base64')}`,
      ]) {
        const res = await fetch(listener.url, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            accept: 'application/json, text/event-stream',
            ...(auth ? { authorization: auth } : {}),
          },
          body: '{}',
        });
        expect(res.status).toBe(401);
        expect(res.headers.get('www-authenticate')).toBe('Bearer realm="gatewalk"');
        expect(((await res.json()) as { error: { message: string } }).error.message).toContain(
          'bearer token',
        );
      }
    } finally {
      await listener.close();
    }
  });
});
