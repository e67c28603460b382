import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
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

function scratchDirs(): string[] {
  return readdirSync('/tmp').filter((d) => d.startsWith('gatewalk-lab-'));
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

  it('pauses a shell whose client stops reading, and loses nothing', async () => {
    const lab = await labOnFreePort();
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
      const comms = processesOf(lab).map((pid) => readFileSync(`/proc/${pid}/comm`, 'utf8').trim());
      expect(comms).toContain('head');
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
  });

  it('cleans up a session when the client disconnects', async () => {
    const lab = await labOnFreePort();
    try {
      const c = await connect(lab);
      await toMaster(c);
      await run(c, 'sleep 300 & echo started', /\]# $/);
      const [shell] = lab.shellPids();
      expect(shell && isRunning(shell)).toBe(true);
      expect(processesOf(lab).length).toBeGreaterThanOrEqual(2);
      c.close();
      await eventually(() => processesOf(lab).length === 0, 'shell and its background job gone');
      expect(lab.shellPids()).toEqual([]);
    } finally {
      await lab.close();
    }
  });

  it('ends every connection and child process when it stops', async () => {
    const before = new Set(scratchDirs());
    const lab = await labOnFreePort();
    const ours = scratchDirs().filter((d) => !before.has(d));
    expect(ours).toHaveLength(1);
    const a = await connect(lab);
    await toMaster(a);
    a.sendLine(`kubectl exec -it ${POD} -n orders -- bash`);
    await a.expect(POD_PROMPT);
    a.sendLine('sleep 300');
    const b = await connect(lab);
    await toMaster(b);
    await run(b, 'nohup sleep 300 >/dev/null 2>&1 & echo bg', /\]# $/);
    const menuOnly = await connect(lab);
    await menuOnly.expect('Target IP: ');
    // kubectl (node) + pod bash + sleep under a; bash + sleep under b.
    expect(processesOf(lab).length).toBeGreaterThanOrEqual(5);

    await lab.close();
    expect(processesOf(lab)).toEqual([]);
    expect(lab.connections()).toBe(0);
    expect(existsSync(`/tmp/${ours[0]}`)).toBe(false);
    for (const c of [a, b, menuOnly]) await c.exit;
  });
});
