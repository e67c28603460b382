import { describe, expect, it } from 'vitest';
import { toAsciicast } from '../../src/sessions/asciicast.js';
import type { Transcript } from '../../src/sessions/transcript.js';

const transcript: Transcript = {
  meta: {
    session_id: 's-42',
    profile: 'orders-pod',
    params: {},
    label: null,
    client: null,
    hops: ['menu', 'pod'],
    cols: 100,
    rows: 30,
    started_at: '2024-05-01T10:00:00.500Z',
  },
  events: [
    { t: 0, type: 'state', state: 'walking' },
    { t: 12.3, type: 'recv', data: 'Password: ' },
    { t: 20, type: 'send', data: 'typed but never echoed', secret: false },
    { t: 1500.1, type: 'recv', data: '\x1b[1m$ \x1b[0m' },
    { t: 1600, type: 'note', kind: 'resize', cols: 132, rows: 50 },
    { t: 1650, type: 'note', kind: 'typed_by', who: 'user' },
    { t: 1700, type: 'command_start', id: 'c1', command: 'uptime' },
    // Out of order (a hand-edited file): the cast must still not go back in time.
    { t: 1599.9, type: 'recv', data: 'up 3 days\r\n' },
  ],
};

describe('toAsciicast', () => {
  const lines = toAsciicast(transcript)
    .trimEnd()
    .split('\n')
    .map((l) => JSON.parse(l) as unknown);

  it('starts with a v2 header', () => {
    expect(lines[0]).toEqual({
      version: 2,
      width: 100,
      height: 30,
      timestamp: Date.UTC(2024, 4, 1, 10, 0, 0) / 1000,
      title: 'gatewalk orders-pod s-42',
      env: { TERM: 'xterm-256color' },
    });
  });

  it('has output, resize and marker events, in time order, in seconds', () => {
    expect(lines.slice(1)).toEqual([
      [0.0123, 'o', 'Password: '],
      [1.5001, 'o', '\x1b[1m$ \x1b[0m'],
      [1.6, 'r', '132x50'],
      [1.6, 'o', 'up 3 days\r\n'],
      [1.7, 'm', '$ uptime'],
    ]);
    const times = lines.slice(1).map((l) => (l as [number])[0]);
    expect([...times].sort((a, b) => a - b)).toEqual(times);
    expect(toAsciicast(transcript)).not.toContain('typed but never echoed');
  });

  it('ends with a newline and leaves out a timestamp it cannot know', () => {
    const cast = toAsciicast({ ...transcript, meta: { ...transcript.meta, started_at: 'x' } });
    expect(cast.endsWith('\n')).toBe(true);
    expect(JSON.parse(cast.split('\n')[0] ?? '')).not.toHaveProperty('timestamp');
  });
});
