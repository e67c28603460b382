import { describe, expect, it } from 'vitest';
import { LabClient } from '../lab/driver.js';
import { loadScenario, mergeFaults } from '../lab/scenario.js';
import { startLab } from '../lab/server.js';
import { parseLabArgs, runLabCommand } from '../src/cli/lab-command.js';
import type { CliIo } from '../src/cli/io.js';

function fakeIo() {
  const lines: string[] = [];
  let shutdown: (() => void | Promise<void>) | undefined;
  const io: CliIo = {
    out: (l) => lines.push(l),
    write: (t) => lines.push(t),
    err: (l) => lines.push(`ERR ${l}`),
    onShutdown: (h) => (shutdown = h),
    onToggle: () => {},
    env: {},
    cwd: process.cwd(),
  };
  return { io, lines, stop: () => shutdown?.() };
}

describe('gatewalk lab (command)', () => {
  it('maps its flags to fault knobs', () => {
    const o = parseLabArgs([
      '--port=0',
      '--chunk-bytes',
      '16',
      '--chunk-delay-ms',
      '2',
      '--colors',
      '--pager',
      '5',
      '--otp-seed',
      'JBSWY3DPEHPK3PXP',
      '--idle-logout',
      '60',
      '--drop-after-bytes',
      '1000',
    ]);
    expect(o.port).toBe(0);
    expect(o.faults).toEqual({
      chunk: { bytes: 16, delayMs: 2 },
      colors: true,
      pager: { pageSize: 5 },
      otp: { seed: 'JBSWY3DPEHPK3PXP' },
      idleLogoutS: 60,
      dropAfter: { bytes: 1000 },
    });
    expect(parseLabArgs([]).port).toBe(2222);
  });

  it('overrides only the settings a flag names', () => {
    const scenario = loadScenario();
    const base = {
      ...scenario.faults,
      chunk: { bytes: 8, delayMs: 0 },
      otp: { seed: 'JBSWY3DPEHPK3PXP', attempts: 5 },
      dropAfter: { seconds: 0, bytes: 500 },
    };
    const { faults } = parseLabArgs([
      '--chunk-delay-ms',
      '3',
      '--otp-seed',
      'GEZDGNBV',
      '--drop-after-s',
      '9',
    ]);
    expect(mergeFaults(base, faults)).toMatchObject({
      chunk: { bytes: 8, delayMs: 3 },
      otp: { seed: 'GEZDGNBV', attempts: 5 },
      dropAfter: { seconds: 9, bytes: 500 },
    });
  });

  it('says when its port is taken', async () => {
    const { io } = fakeIo();
    const first = await startLab({ port: 0 });
    try {
      await expect(runLabCommand(['--port', String(first.port)], io)).rejects.toThrow(
        `cannot listen on 127.0.0.1:${first.port}: EADDRINUSE (port in use: pick another with --port)`,
      );
    } finally {
      await first.close();
    }
  });

  it('refuses to start with an OTP seed that is not base32', async () => {
    const { io } = fakeIo();
    await expect(runLabCommand(['--port', '0', '--otp-seed', 'abc1'], io)).rejects.toThrow(
      'TOTP seed has a non-base32 character: "1"',
    );
  });

  it('rejects bad values and unknown flags with a clear message', () => {
    expect(() => parseLabArgs(['--port', 'abc'])).toThrow('--port takes a number >= 0, not "abc"');
    expect(() => parseLabArgs(['--bogus'])).toThrow(/Unknown option '--bogus'/);
  });

  it('prints where it listens, its fingerprint and the test credentials, and stops on shutdown', async () => {
    const { io, lines, stop } = fakeIo();
    const running = runLabCommand(['--port', '0'], io);
    while (!lines.some((l) => l.startsWith('try: ssh'))) await new Promise((r) => setImmediate(r));
    const port = Number(/127\.0\.0\.1:(\d+)/.exec(lines[0] ?? '')?.[1]);
    const fingerprint = /SHA256:\S+/.exec(lines[1] ?? '')?.[0] ?? '';
    expect(lines[2]).toMatch(
      /TEST credentials, lab only: user ops, password lab, or key lab\/keys\/ops_ed25519/,
    );
    const c = await LabClient.connect({ port, password: 'lab', fingerprint });
    await c.expect('Target IP: ');
    await stop();
    await running;
    await c.exit;
    expect(lines.at(-1)).toBe('gatewalk lab: stopped');
  });
});
