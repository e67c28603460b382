// A recording on the ssh2 lab's CMSM bastion: a target typed by name, a login user picked by
// number, the master's shell, `kubectl exec` into a pod whose name (and so its prompt) holds a
// replicaset and pod hash: the pod becomes a parameter, the draft walks to the pod.
import { readFileSync } from 'node:fs';
import ssh2 from 'ssh2';
import { describe, expect, it } from 'vitest';
import { LAB_CLIENT_KEY } from '../../lab/server.js';
import { analyse } from '../../src/record/analyse.js';
import { closeSession, openSession } from '../../src/navigator/session.js';
import { ShellExecutor } from '../../src/shell/executor.js';
import { MASTER_ROOT_PROMPT, ORDERS_POD_PROMPT } from '../helpers/lab.js';
import { useLab } from '../helpers/nav.js';
import { loadFromTexts } from '../helpers/profiles.js';
import { record } from './recorder.js';

const { Client } = ssh2;
const fx = useLab();

function connect(): Promise<InstanceType<typeof Client>> {
  return new Promise((resolve, reject) => {
    const conn = new Client();
    conn.on('ready', () => resolve(conn)).on('error', reject);
    conn.connect({
      host: '127.0.0.1',
      port: fx.lab.port,
      username: 'ops',
      privateKey: readFileSync(LAB_CLIENT_KEY),
      hostVerifier: () => true,
    });
  });
}

describe('record analysis on the CMSM bastion (ssh2 lab)', () => {
  it('a pod prompt with a hash: the typed pod name becomes a param, commented as changing with each deploy', async () => {
    const size = { cols: 120, rows: 40 };
    const r = await record(await connect(), size);
    await r.until(/Target IP: $/);
    r.type('master-a\r');
    await r.until(/User number: $/);
    r.type('2\r');
    await r.until(MASTER_ROOT_PROMPT);
    r.type('kubectl exec -it orders-api-7d9d65f8b4-2plxq -n orders -- bash\r');
    await r.until(ORDERS_POD_PROMPT);
    const draft = analyse(r.events, {
      name: 'orders-pod',
      connect: {
        host: '127.0.0.1',
        port: fx.lab.port,
        user: 'ops',
        private_key: { file: LAB_CLIENT_KEY },
        host_key: { fingerprint: fx.lab.fingerprint },
      },
      extends: null,
      terminal: size,
      final: r.snapshot(),
      lastShell: { kind: 'posix', name: 'bash' },
      recordedAt: '2026-12-01T12:00:00.000Z',
    });
    r.close();
    const text = draft.render();
    const { registry, errors } = loadFromTexts({ 'draft.yaml': text });
    expect(errors.map((e) => e.message)).toEqual([]);
    const hops = draft.profile.hops ?? [];
    expect(hops.map((h) => [h.name, h.shell])).toEqual([
      ['menu', 'none'],
      ['master-a', 'posix'],
      ['pod', 'posix'],
    ]);
    expect(draft.profile.params?.pod).toMatchObject({ default: 'orders-api-7d9d65f8b4-2plxq' });
    expect(text).toContain('changes with each deploy: pass -p pod=... or exec deploy/NAME');
    expect(hops[2]?.prompt).toBe('\\[pod:${namespace}\\/${pod} [^\\]]*\\]\\$ $');
    expect(text).toContain("item: '^${user}$'");

    const session = await openSession(registry.resolve('orders-pod'), fx.options());
    try {
      expect(session.at).toBe(2);
      const r2 = await new ShellExecutor(session).execute('echo "$PS1" >/dev/null; hostname');
      expect(r2).toMatchObject({ status: 'done', exit_code: 0 });
    } finally {
      await closeSession(session);
    }
    // Another pod of the same deployment, through the param.
    const other = registry.resolve('orders-pod', { pod: 'orders-worker-6b7f4d6db9-x9zrt' });
    expect(other.hops[2]?.prompt).toContain('orders-worker-6b7f4d6db9-x9zrt');
  }, 60_000);
});
