import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LabClient } from '../../lab/driver.js';
import type { Lab } from '../../lab/server.js';
import { loadProfiles } from '../../src/profiles/registry.js';
import type { ResolvedProfile, Step } from '../../src/profiles/types.js';
import { packagePath } from '../../src/paths.js';
import { labOnFreePort } from '../helpers/lab.js';

// The shipped lab profiles against the real lab: a minimal reading of their send_text and
// wait_for steps (the navigator proper is its own module), to prove that their patterns match
// what the lab really prints and that their parameters lead where they say.
const { registry } = loadProfiles([packagePath('profiles')]);
let lab: Lab;
beforeAll(async () => {
  lab = await labOnFreePort();
});
afterAll(() => lab.close());

async function follow(c: LabClient, steps: Step[]): Promise<void> {
  for (const step of steps) {
    if (step.kind === 'send_text') {
      if (step.enter) c.sendLine(step.text);
      else c.send(step.text);
    } else if (step.kind === 'wait_for') {
      const any = new RegExp(step.alternatives.map((a) => `(?:${a.match})`).join('|'), 'm');
      const m = await c.expect(any, step.timeoutMs);
      const alt = step.alternatives.find((a) => new RegExp(a.match, 'm').test(m[0]));
      if (alt?.fail) throw new Error(alt.fail);
      await follow(c, alt?.then ?? []);
    } else {
      throw new Error(`this test reads send_text and wait_for only, not ${step.kind}`);
    }
  }
}

async function walk(profile: ResolvedProfile): Promise<LabClient> {
  const key = profile.connect.privateKey;
  if (!key || !('file' in key) || profile.connect.hostKey.kind !== 'fingerprint') {
    throw new Error('lab profiles use a key file and a pinned fingerprint');
  }
  const c = await LabClient.connect({
    port: profile.connect.port ?? 22,
    username: profile.connect.user ?? 'ops',
    privateKey: readFileSync(key.file),
    fingerprint: profile.connect.hostKey.fingerprint,
    pty: { cols: profile.terminal.cols, rows: profile.terminal.rows, term: profile.terminal.term },
  });
  for (const hop of profile.hops) {
    await follow(c, hop.steps);
    await c.expect(new RegExp(hop.prompt ?? '$^', 'm'), profile.timeoutMs);
  }
  return c;
}

describe('the lab profiles, walked against the lab', () => {
  it.each([
    ['cmsm', {}, 'Target IP: '],
    ['master-a', {}, '[root@master-a ~]# '],
    ['master-a', { ip: 'master-b', user: 'app' }, '[app@master-b ~]$ '],
    ['orders-pod', {}, '[pod:orders/orders-api-7d9d65f8b4-2plxq ~]$ '],
    ['payments-api-pod', {}, '[pod:payments/payments-api-6cc447f559-k8mvp ~]$ '],
    ['alpine-pod', {}, '/ # '],
  ])('%s %j reaches its prompt', async (name, params, prompt) => {
    const c = await walk(registry.resolve(name, { lab_port: lab.port, ...params }));
    expect(c.text.endsWith(prompt)).toBe(true);
    c.close();
  });

  it("fails with the profile's message when the menu does not know the target", async () => {
    await expect(
      walk(registry.resolve('master-a', { lab_port: lab.port, ip: '10.9.9.9' })),
    ).rejects.toThrow('the CMSM menu does not know 10.9.9.9');
  });

  it("fails with the profile's message when the pod does not exist", async () => {
    await expect(
      walk(registry.resolve('orders-pod', { lab_port: lab.port, pod: 'nope' })),
    ).rejects.toThrow('no pod nope in namespace orders');
  });
});
