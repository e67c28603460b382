// Issue 13, transport and files: an oversize stdio request is refused without ending the server,
// results stay under their bound, large files move in chunks, a file's content never reaches the
// transcript (encoded or not) and its secrets are masked, errors are short, a stalled search is
// stopped, and bad local paths get clear errors. Through the SDK's real client against the lab.
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, type Readable, type Writable } from 'node:stream';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { ReadBuffer, serializeMessage } from '@modelcontextprotocol/sdk/shared/stdio.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { CallToolResult, JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Lab } from '../../lab/server.js';
import { runServeCommand } from '../../src/cli/serve-command.js';
import type { CliIo } from '../../src/cli/io.js';
import { LIMITS } from '../../src/mcp/limits.js';
import { boundResult, encodedBytes } from '../../src/mcp/result.js';
import { recoverId } from '../../src/mcp/stdio-guard.js';
import { packagePath } from '../../src/paths.js';
import { searchLogs } from '../../src/shell/search-logs.js';
import { labOnFreePort } from '../helpers/lab.js';
import { connectClient, until, type Connected } from './helpers.js';

const MiB = 1024 * 1024;
const sha = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');
const textOf = (r: CallToolResult) =>
  r.content.map((c) => (c.type === 'text' ? c.text : '')).join('\n');

/** The client half of a stdio connection over two streams, as StdioClientTransport frames it. */
class StreamTransport implements Transport {
  onmessage?: (message: JSONRPCMessage) => void;
  onclose?: () => void;
  onerror?: (error: Error) => void;
  private readonly buffer = new ReadBuffer();

  constructor(
    private readonly input: Readable,
    private readonly output: Writable,
  ) {}

  start(): Promise<void> {
    this.input.on('data', (chunk: Buffer) => {
      try {
        this.buffer.append(chunk);
        for (let m = this.buffer.readMessage(); m; m = this.buffer.readMessage())
          this.onmessage?.(m);
      } catch (err) {
        this.onerror?.(err as Error);
      }
    });
    return Promise.resolve();
  }

  /** Writes a message in 64 KiB pieces, as a pipe delivers it. */
  send(message: JSONRPCMessage): Promise<void> {
    const bytes = Buffer.from(serializeMessage(message));
    for (let at = 0; at < bytes.length; at += 64 * 1024)
      this.output.write(bytes.subarray(at, at + 64 * 1024));
    return Promise.resolve();
  }

  close(): Promise<void> {
    this.output.end();
    this.onclose?.();
    return Promise.resolve();
  }
}

let lab: Lab;
beforeAll(async () => {
  lab = await labOnFreePort();
});
afterAll(async () => {
  await lab?.close();
});

describe('gatewalk serve over stdio', () => {
  it('refuses a 12 MiB request with an error; the server and its sessions go on', async () => {
    const runtime = mkdtempSync(join(tmpdir(), 'gatewalk-guard-'));
    const toServer = new PassThrough();
    const fromServer = new PassThrough();
    let stderr = '';
    const io: CliIo = {
      out: () => undefined,
      write: () => undefined,
      err: (line) => (stderr += `${line}\n`),
      onShutdown: () => undefined,
      onToggle: () => undefined,
      env: { PATH: process.env.PATH ?? '', HOME: runtime },
      cwd: runtime,
      protocol: { input: toServer, output: fromServer },
    };
    let ended: number | null = null;
    const serving = runServeCommand(
      ['--profiles', packagePath('profiles'), '--runtime', runtime, '--no-viewer'],
      io,
    ).then((code) => (ended = code));
    const client = new Client({ name: 'guard-test', version: '1.0.0' });
    const problems: Error[] = [];
    client.onerror = (err) => problems.push(err);
    await client.connect(new StreamTransport(fromServer, toServer));
    const call = async (name: string, args: Record<string, unknown>) => {
      const r = (await client.callTool({ name, arguments: args })) as CallToolResult;
      expect(r.isError, textOf(r)).toBeFalsy();
      return r.structuredContent as Record<string, unknown>;
    };
    const opened = await call('open_session', {
      profile: 'orders-pod',
      params: { lab_port: lab.port },
    });
    const sid = opened.session_id as string;

    const huge = client.callTool({
      name: 'write_file',
      arguments: { session_id: sid, path: 'huge.bin', content: 'A'.repeat(12 * MiB) },
    });
    await expect(huge).rejects.toThrow(/12\.0 MiB, over the 10 MiB limit.*write_file with offset/);
    // The server is up, the session still works, and more calls are answered.
    expect(ended).toBeNull();
    const r = await call('execute_command', { session_id: sid, command: 'echo still-here' });
    expect(r).toMatchObject({ status: 'done', output: 'still-here\n' });
    const { sessions } = await call('list_sessions', {});
    expect(sessions).toEqual([expect.objectContaining({ session_id: sid, state: 'ready' })]);
    expect(stderr).toMatch(
      /dropped a 1258\d{4}-byte message over the 10485760-byte limit \(id \d+\)/,
    );
    expect(problems).toEqual([]);

    await call('close_session', { session_id: sid });
    await client.close();
    await serving;
    expect(ended).toBe(0);
    await until(
      () => lab.connections(),
      (n) => n === 0,
    );
    rmSync(runtime, { recursive: true, force: true });
  }, 60_000);

  it("finds a request's id at either end of an oversize line, top level only", () => {
    expect(recoverId('{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"a":"AAA', '')).toBe(
      7,
    );
    expect(
      recoverId('{"method":"tools/call","params":{"x":"', 'AAAA"}},"jsonrpc":"2.0","id":42}'),
    ).toBe(42);
    expect(recoverId('{"id":"req-1","method":"x"', '')).toBe('req-1');
    // An "id" inside the params is not the request's.
    expect(recoverId('{"method":"x","params":{"id":3,"c":"', 'AAA"}}')).toBeUndefined();
    expect(recoverId('{"method":"x","params":{"c":"', 'AAA\\",\\"id\\":5}"}}')).toBeUndefined();
  });
});

describe('files and results', () => {
  let c: Connected;
  let sid: string;
  let transfers: string;
  const run = async (command: string) =>
    c.ok<{ output: string; exit_code: number }>('execute_command', { session_id: sid, command });

  beforeAll(async () => {
    transfers = mkdtempSync(join(tmpdir(), 'gatewalk-transfers-'));
    c = await connectClient({ transferDir: transfers });
    sid = (
      await c.ok<{ session_id: string }>('open_session', {
        profile: 'orders-pod',
        params: { lab_port: lab.port },
      })
    ).session_id;
    await run('mkdir -p hardening && cd hardening');
  });

  afterAll(async () => {
    await c?.close();
    if (transfers) rmSync(transfers, { recursive: true, force: true });
  });

  it('writes an 8 MiB binary in chunks and reads it back in chunks, both verified', async () => {
    const data = randomBytes(8 * MiB);
    const chunk = (LIMITS.content / 4) * 3;
    for (let at = 0; at < data.length; at += chunk) {
      const part = data.subarray(at, at + chunk);
      const content = part.toString('base64');
      expect(content.length).toBeLessThanOrEqual(LIMITS.content);
      const w = await c.ok<{ bytes: number; size?: number; sha256: string }>('write_file', {
        session_id: sid,
        path: 'big.bin',
        content,
        encoding: 'base64',
        offset: at,
      });
      expect(w).toMatchObject({ bytes: part.length, sha256: sha(part) });
      if (at > 0) expect(w.size).toBe(at + part.length);
    }
    // Checked on the remote side.
    expect((await run('sha256sum big.bin')).output).toBe(`${sha(data)}  big.bin\n`);
    // A chunk sent twice is refused, not appended again.
    const again = await c.fails('write_file', {
      session_id: sid,
      path: 'big.bin',
      content: 'AAAA',
      encoding: 'base64',
      offset: chunk,
    });
    expect(again).toMatch(
      /the file is 8388608 bytes; offset must equal its size.*\[file_offset_mismatch\]/,
    );

    const parts: Buffer[] = [];
    let offset: number | null = 0;
    let calls = 0;
    while (offset !== null) {
      const r = await c.call('read_file', { session_id: sid, path: 'big.bin', offset });
      expect(encodedBytes(r)).toBeLessThanOrEqual(LIMITS.result);
      const s = r.structuredContent as {
        content: string;
        encoding: string;
        bytes: number;
        offset: number;
        size: number;
        next_offset: number | null;
        sha256: string;
      };
      expect(s).toMatchObject({ encoding: 'base64', offset, size: data.length });
      const got = Buffer.from(s.content, 'base64');
      expect(got.length).toBeLessThanOrEqual(LIMITS.readBytes);
      expect(s.sha256).toBe(sha(got));
      parts.push(got);
      offset = s.next_offset;
      calls++;
    }
    expect(calls).toBe(Math.ceil(data.length / LIMITS.readBytes));
    expect(sha(Buffer.concat(parts))).toBe(sha(data));
    // An offset off the block boundary reads the right bytes too.
    const mid = await c.ok<{ content: string; bytes: number }>('read_file', {
      session_id: sid,
      path: 'big.bin',
      offset: 1_000_003,
      length: 100_000,
    });
    expect(Buffer.from(mid.content, 'base64').equals(data.subarray(1_000_003, 1_100_003))).toBe(
      true,
    );
  }, 180_000);

  it('keeps every result under its bound: text that escapes, a huge label', async () => {
    // Quotes double when JSON-encoded, and text goes out twice: 2 MiB of them cannot fit.
    await run(`head -c ${2 * MiB} /dev/zero | tr '\\0' '"' > quotes.txt`);
    const r = await c.call('read_file', { session_id: sid, path: 'quotes.txt' });
    expect(r.isError, textOf(r)).toBeFalsy();
    expect(encodedBytes(r)).toBeLessThanOrEqual(LIMITS.result);
    const s = r.structuredContent as {
      content: string;
      next_offset: number | null;
      sha256: string;
    };
    expect(s.next_offset).toBe(s.content.length);
    expect(s.sha256).toBe(sha(s.content));

    const session = c.instance.manager.get(sid);
    const label = session.spec.label;
    session.spec.label = 'L'.repeat(7 * MiB);
    try {
      const listed = await c.call('list_sessions');
      expect(encodedBytes(listed)).toBeLessThanOrEqual(LIMITS.result);
      const rows = (listed.structuredContent as { sessions: { label: string }[] }).sessions;
      expect(rows[0]?.label.length).toBeLessThanOrEqual(LIMITS.label);
    } finally {
      session.spec.label = label;
    }

    // Whatever a tool returns, the wrapper's bound holds, and the text says what was cut.
    const big = boundResult({
      content: [{ type: 'text', text: '\u0001'.repeat(3 * MiB) }],
      structuredContent: {
        output: 'é'.repeat(4 * MiB),
        rows: Array.from({ length: 10 }, () => 'x'),
      },
    });
    expect(encodedBytes(big)).toBeLessThanOrEqual(LIMITS.result);
    expect(textOf(big)).toMatch(/result cut to fit .*structured\.output.*read_file with offset/);
    expect((big.structuredContent as { rows: string[] }).rows).toHaveLength(10);
  }, 60_000);

  it('keeps file contents out of the transcript and masks secrets in file results', async () => {
    const SECRET = 'Tk-91-hardening-secret';
    const asked = await c.ok<{ status: string; command_id: string }>('execute_command', {
      session_id: sid,
      command: 'read -s -p "Token: " t; echo "len ${#t}"',
      timeout_s: 1,
    });
    expect(asked.status).toBe('awaiting_input');
    await c.ok('send_text', { session_id: sid, text: SECRET, sensitive: true });
    await c.ok('get_command', { session_id: sid, command_id: asked.command_id, wait_s: 10 });

    const marker = `file-marker-${randomBytes(6).toString('hex')}`;
    const body = Buffer.from(
      `${marker}\npassword=${SECRET}\n${randomBytes(3000).toString('hex')}\n`,
    );
    await c.ok('write_file', { session_id: sid, path: 'conf.txt', content: body.toString() });
    const read = await c.ok<{ content: string; redacted: boolean; sha256: string }>('read_file', {
      session_id: sid,
      path: 'conf.txt',
    });
    expect(read.content).toContain(marker);
    expect(read.content).toContain('password=******\n');
    expect(read.content).not.toContain(SECRET);
    expect(read.redacted).toBe(true);
    expect(read.sha256).toBe(sha(body));
    const down = await c.ok<{ local_path: string; redacted: boolean }>('download', {
      session_id: sid,
      remote_path: 'conf.txt',
      local_path: 'conf.txt',
    });
    expect(down.redacted).toBe(true);
    const local = readFileSync(down.local_path, 'utf8');
    expect(local).toContain(marker);
    expect(local).not.toContain(SECRET);

    const file = readFileSync(c.instance.manager.get(sid).transcript.path, 'utf8');
    expect(file).toContain('[write_file conf.txt:');
    expect(file).toContain('[read_file conf.txt:');
    expect(file).not.toContain(SECRET);
    expect(file).not.toContain(marker);
    // No line of the content's base64 (as typed or as printed, 76 characters a line).
    for (const line of body.toString('base64').match(/.{1,76}/g) ?? [])
      expect(file).not.toContain(line);
  }, 60_000);

  it('stops a stalled search_logs: no search left running, the session ready', async () => {
    // A find that never ends, at the session's own shell.
    await run('find() { sleep 37.31; }');
    const session = c.instance.manager.get(sid);
    const started = Date.now();
    const err = await session
      .serial(() => searchLogs(session.shell, 'x', '.', '*', 10, 800))
      .catch((e: unknown) => e);
    expect(session.shell.busy).toBeNull();
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(String(err)).toMatch(
      /did not finish within 0\.8 s.*it was interrupted and the session is ready/,
    );
    const { sessions } = await c.ok<{ sessions: { state: string }[] }>('list_sessions');
    expect(sessions[0]?.state).toBe('ready');
    await run('unset -f find');
    expect((await run("ps -eo args | grep -c '[s]leep 37.31' || true")).output).toBe('0\n');
  }, 60_000);

  it('says clearly what is wrong with a long or NUL local path', async () => {
    mkdirSync(transfers, { recursive: true });
    for (const local_path of ['a\0b.txt', `${'n'.repeat(300)}.txt`, `${'d/'.repeat(2040)}x`]) {
      const up = await c.fails('upload', { session_id: sid, local_path, remote_path: 'x.txt' });
      expect(up).toMatch(
        /^local path ".*"(\.\.\.)? (holds a control character|has a name over 255 bytes|is \d+ (characters|bytes)).*\[local_path_invalid\]$/s,
      );
      const down = await c.fails('download', {
        session_id: sid,
        remote_path: 'conf.txt',
        local_path,
      });
      expect(down).toMatch(/\[local_path_invalid\]$/);
      expect(`${up}${down}`).not.toMatch(/gatewalk bug/);
    }
    // Over the advertised length: refused by the schema, before any work.
    const long = await c.fails('upload', {
      session_id: sid,
      local_path: 'x'.repeat(LIMITS.path + 1),
      remote_path: 'x.txt',
    });
    expect(long).toMatch(/Input validation error/);
    // A remote path with NUL is refused before anything is typed, at once.
    for (const [tool, args] of [
      ['read_file', { path: 'a\0b' }],
      ['write_file', { path: 'a\0b', content: 'x' }],
      ['download', { remote_path: 'a\0b', local_path: 'n.txt' }],
      ['search_logs', { pattern: 'x', path: 'a\0b' }],
    ] as const) {
      const started = Date.now();
      expect(await c.fails(tool, { session_id: sid, ...args }), tool).toMatch(
        /cannot hold a NUL character \[path_invalid\]/,
      );
      expect(Date.now() - started, tool).toBeLessThan(1000);
    }
  }, 60_000);

  it('answers a drop during read_file with a short error', async () => {
    await run(`head -c ${3 * MiB} /dev/urandom > drop.bin`);
    const session = c.instance.manager.get(sid);
    const pty = session.nav.pty;
    let seen = 0;
    const onRaw = (chunk: Buffer) => {
      seen += chunk.length;
      // Well into the first chunk's base64: the connection goes, as a network drop would.
      if (seen > 400_000) {
        pty.off('raw', onRaw);
        session.nav.connection.client.destroy();
      }
    };
    const reading = c.call('read_file', { session_id: sid, path: 'drop.bin' });
    pty.on('raw', onRaw);
    const r = await reading;
    expect(r.isError).toBe(true);
    const text = textOf(r);
    expect(text.length).toBeLessThanOrEqual(2048);
    expect(text).toMatch(/went away|broken|connection/i);
    expect(text).not.toMatch(/[A-Za-z0-9+/]{200}/);
  }, 60_000);
});
