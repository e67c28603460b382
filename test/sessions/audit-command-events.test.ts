// Who ran each command, and where: a command run through the real MCP client is recorded with
// the client's name (its `clientInfo`), the hops from the first to the one it ran at, its start
// (`t`), duration and exit code.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Lab } from '../../lab/server.js';
import { runTranscriptCommand } from '../../src/cli/transcript-command.js';
import { readTranscript, type TranscriptEvent } from '../../src/sessions/transcript.js';
import { labOnFreePort } from '../helpers/lab.js';
import { collectingIo } from '../helpers/io.js';
import { connectClient, type Connected } from '../mcp/helpers.js';

let lab: Lab;
let c: Connected;
let file: string;

beforeAll(async () => {
  lab = await labOnFreePort();
  c = await connectClient();
  const { session_id: sid } = await c.ok<{ session_id: string }>('open_session', {
    profile: 'orders-pod',
    params: { lab_port: lab.port },
  });
  await c.ok('execute_command', { session_id: sid, command: 'echo who-ran-me' });
  await c.ok('execute_command', { session_id: sid, command: 'false' });
  await c.ok('close_session', { session_id: sid });
  file = join(c.instance.runtime.transcripts, `${sid}.jsonl`);
}, 60_000);

afterAll(async () => {
  await c?.close();
  await lab?.close();
});

type Start = Extract<TranscriptEvent, { type: 'command_start' }>;
type End = Extract<TranscriptEvent, { type: 'command_end' }>;

describe('command events in the transcript', () => {
  it('carry the MCP client name and the hop path, with start, duration and exit code', () => {
    const { meta, events } = readTranscript(file);
    const starts = events.filter((e): e is Start => e.type === 'command_start');
    expect(starts.map((e) => [e.command, e.by, e.hops])).toEqual([
      ['echo who-ran-me', 'gatewalk-test', ['menu', 'master', 'pod']],
      ['false', 'gatewalk-test', ['menu', 'master', 'pod']],
    ]);
    expect(meta.hops).toEqual(['menu', 'master', 'pod']);
    const ends = events.filter((e): e is End => e.type === 'command_end');
    expect(ends.map((e) => [e.id, e.exit_code])).toEqual([
      [starts[0]?.id, 0],
      [starts[1]?.id, 1],
    ]);
    for (const [i, end] of ends.entries()) {
      expect(end.duration_ms).toBeGreaterThanOrEqual(0);
      expect(end.t).toBeGreaterThanOrEqual((starts[i] as Start).t);
    }
    // As written on disk (hashed): the fields are in the line itself.
    expect(readFileSync(file, 'utf8')).toMatch(
      /"type":"command_start","id":"[^"]+","command":"echo who-ran-me","by":"gatewalk-test","hops":\["menu","master","pod"\],"n":\d+,"h":"/,
    );
  });

  it('show who ran it and where in `gatewalk transcript show`', async () => {
    const { io, out } = collectingIo();
    expect(await runTranscriptCommand(['show', file], io)).toBe(0);
    expect(out.join('')).toContain(
      'start: echo who-ran-me [by gatewalk-test] [at menu -> master -> pod]',
    );
  });
});
