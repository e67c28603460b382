import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { ClientChannel } from 'ssh2';
import type { LabClient } from '../../lab/driver.js';
import { isRunning } from '../../lab/processes.js';
import { connect, labOnFreePort, processesOf, run, toMaster } from '../helpers/lab.js';

const POD = 'orders-api-7d9d65f8b4-2plxq';
const POD_PROMPT = /\[pod:orders\/orders-api-7d9d65f8b4-2plxq ~\]\$ $/;

/** Resolves when `check` holds; fails with `what` after `ms`. For teardown that is async by nature. */
async function eventually(check: () => boolean, what: string, ms = 3000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`still not true after ${ms} ms: ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('lab resources', () => {
  it('serves 20 concurrent sessions, each to its own pod shell', async () => {
    const lab = await labOnFreePort();
    try {
      const clients: LabClient[] = await Promise.all(
        Array.from({ length: 20 }, async (_, i) => {
          const c = await connect(lab);
          await toMaster(c);
          c.sendLine(`kubectl exec -it ${POD} -n orders -- bash`);
          await c.expect(POD_PROMPT, 15_000);
          const out = await run(
            c,
            `echo "session-${i} $((${i} * 2))" > mine; cat mine`,
            POD_PROMPT,
          );
          expect(out).toContain(`session-${i} ${i * 2}`);
          return c;
        }),
      );
      expect(lab.shellPids()).toHaveLength(20);
      expect(lab.connections()).toBe(20);
      // Pods are per session: every session sees only what it wrote.
      const seen = await Promise.all(clients.map((c) => run(c, 'cat mine', POD_PROMPT)));
      seen.forEach((out, i) => expect(out).toContain(`session-${i} `));
      for (const c of clients) c.close();
      await eventually(() => lab.connections() === 0, 'connections closed');
      await eventually(() => processesOf(lab).length === 0, 'session processes gone');
    } finally {
      await lab.close();
    }
  });

  it.each([
    ['as it comes', {}],
    ['in chunks', { chunk: { bytes: 65536, delayMs: 0 } }],
  ])(
    'pauses a shell whose client stops reading, and loses nothing (output %s)',
    async (_, faults) => {
      const lab = await labOnFreePort({ faults });
      try {
        const c = await connect(lab);
        await toMaster(c);
        const size = 30_000_000;
        let received = 0;
        let tail = '';
        c.channel.on('data', (d: Buffer) => {
          received += d.length;
          tail = (tail + d.toString('latin1')).slice(-200);
        });
        c.channel.pause();
        c.sendLine(`head -c ${size} /dev/zero | tr '\\0' x; echo; echo done-$((1+1))`);
        // Far more than the SSH window and socket buffers hold: without flow control the lab
        // would swallow it all in memory and the pipeline would end.
        await new Promise((r) => setTimeout(r, 800));
        const comms = processesOf(lab).map((pid) =>
          readFileSync(`/proc/${pid}/comm`, 'utf8').trim(),
        );
        expect(comms).toContain('head');
        expect(comms).toContain('tr');
        const done = new Promise<void>((resolve) => {
          c.channel.on('data', () => {
            if (/done-2\r?\n/.test(tail)) resolve();
          });
        });
        c.channel.resume();
        await done;
        expect(received).toBeGreaterThan(size);
        c.close();
      } finally {
        await lab.close();
      }
    },
  );

  it('cleans up a session whose channel closes while its connection stays open', async () => {
    const lab = await labOnFreePort();
    try {
      const c = await connect(lab);
      await toMaster(c);
      await run(c, 'sleep 300 & echo started', /\]# $/);
      // The background job's environment is unreadable for a moment while it execs `sleep`.
      await eventually(() => processesOf(lab).length >= 2, 'the shell and its background job');
      c.channel.close();
      await eventually(() => processesOf(lab).length === 0, 'shell and job gone, connection open');
      expect(lab.connections()).toBe(1);
      // The connection still serves a new shell channel.
      const shell = await new Promise<ClientChannel>((resolve, reject) =>
        c.conn.shell({ term: 'xterm', cols: 80, rows: 24 }, (err, ch) =>
          err ? reject(err) : resolve(ch),
        ),
      );
      const banner = await new Promise<string>((resolve) => {
        let text = '';
        shell.on('data', (d: Buffer) => {
          text += d.toString();
          if (text.includes('Target IP: ')) resolve(text);
        });
      });
      expect(banner).toContain(' CMSM Simulator');
      c.close();
    } finally {
      await lab.close();
    }
  });

  it('cleans up a session when the client disconnects', async () => {
    const lab = await labOnFreePort();
    try {
      const c = await connect(lab);
      await toMaster(c);
      await run(c, 'sleep 300 & echo started', /\]# $/);
      const [shell] = lab.shellPids();
      expect(shell && isRunning(shell)).toBe(true);
      // The background job's environment is unreadable for a moment while it execs `sleep`.
      await eventually(() => processesOf(lab).length >= 2, 'the shell and its background job');
      c.close();
      await eventually(() => processesOf(lab).length === 0, 'shell and its background job gone');
      expect(lab.shellPids()).toEqual([]);
    } finally {
      await lab.close();
    }
  });

  it('ends every connection and child process when it stops', async () => {
    const lab = await labOnFreePort();
    const a = await connect(lab);
    await toMaster(a);
    a.sendLine(`kubectl exec -it ${POD} -n orders -- bash`);
    await a.expect(POD_PROMPT);
    a.sendLine('sleep 300');
    await eventually(() => processesOf(lab).length >= 4, 'sleep started in the pod');
    const b = await connect(lab);
    await toMaster(b);
    await run(b, 'nohup sleep 300 >/dev/null 2>&1 & echo bg', /\]# $/);
    const menuOnly = await connect(lab);
    await menuOnly.expect('Target IP: ');
    // bash + kubectl wrapper + pod bash + sleep under a; bash + sleep under b.
    await eventually(() => processesOf(lab).length >= 6, "both sessions' processes started");
    expect(readdirSync(lab.scratchRoot)).toHaveLength(2);

    await lab.close();
    expect(processesOf(lab)).toEqual([]);
    expect(lab.connections()).toBe(0);
    expect(existsSync(lab.scratchRoot)).toBe(false);
    for (const c of [a, b, menuOnly]) await c.exit;
  });
});
