import { afterAll, beforeAll, beforeEach, afterEach, describe, expect, it } from 'vitest';
import type { LabClient } from '../../lab/driver.js';
import type { Lab } from '../../lab/server.js';
import {
  MASTER_ROOT_PROMPT,
  ORDERS_POD_PROMPT,
  connect,
  labOnFreePort,
  run,
  toMaster,
} from '../helpers/lab.js';

let lab: Lab;
let c: LabClient;
beforeAll(async () => {
  lab = await labOnFreePort();
});
afterAll(() => lab.close());
beforeEach(async () => {
  c = await connect(lab);
  await toMaster(c);
});
afterEach(() => c.close());

const master = (command: string) => run(c, command, MASTER_ROOT_PROMPT);
const ORDERS_API = 'orders-api-7d9d65f8b4-2plxq';

describe('fake kubectl on the master', () => {
  it("is the lab's kubectl, first on PATH, whatever the machine has", async () => {
    expect(await master('command -v kubectl')).toMatch(/\/session-[^/]+\/bin\/kubectl\n/);
  });

  it('lists namespaces', async () => {
    const out = await master('kubectl get ns');
    const rows = out
      .trim()
      .split('\n')
      .map((l) => l.split(/\s+/)[0]);
    expect(rows).toEqual(['NAME', 'default', 'orders', 'payments', 'kube-system']);
    expect(out).toMatch(/^NAME\s+STATUS\s+AGE\n/);
  });

  it('lists pods of a namespace with their status', async () => {
    const out = await master('kubectl get pods -n payments');
    expect(out).toMatch(/^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE\n/);
    expect(out).toMatch(/payments-api-6cc447f559-k8mvp\s+1\/1\s+Running\s+0\s+/);
    expect(out).toMatch(/payments-worker-59cd87bf5f-vm2qs\s+0\/1\s+CrashLoopBackOff\s+17\s+/);
    const all = await master('kubectl get pods --namespace=default');
    expect(all).toContain('alpine-tools-0');
    expect(all).toContain('demo-shell-7789f879df-7kq4m');
  });

  it('gets one pod by name, and NotFound for a name that is no pod', async () => {
    const one = await master('kubectl get pods -n orders orders-worker-6b7f4d6db9-x9zrt');
    expect(one.trim().split('\n')).toHaveLength(2);
    expect(await master('kubectl get pods -n orders NAME; echo "rc=$?"')).toContain(
      'Error from server (NotFound): pods "NAME" not found\nrc=1',
    );
  });

  it('rejects a --tail that is not a number, like kubectl', async () => {
    expect(await master(`kubectl logs ${ORDERS_API} -n orders --tail=abc; echo "rc=$?"`)).toContain(
      'error: invalid argument "abc" for "--tail" flag: strconv.ParseInt: parsing "abc": invalid syntax\nrc=1',
    );
  });

  it("runs a pod command with the pod's PATH, not the master's", async () => {
    const path = await master(`kubectl exec ${ORDERS_API} -n orders -- printenv PATH`);
    expect(path).toMatch(/^\/usr\/local\/sbin:/);
    expect(path).not.toContain('/bin/kubectl');
    expect(path).not.toMatch(/session-[^/]+\/bin/);
  });

  it('prints pod logs, with --tail', async () => {
    const out = await master(`kubectl logs ${ORDERS_API} -n orders --tail=2`);
    expect(out.trim().split('\n')).toEqual([
      expect.stringContaining('upstream timeout after 3000ms traceId=lab-timeout-002'),
      expect.stringContaining('order created orderId=O-10087'),
    ]);
    const full = await master(`kubectl logs ${ORDERS_API} -n orders`);
    expect(full).toContain('payment failed orderId=O-10086');
    expect(full.trim().split('\n')).toHaveLength(9);
  });

  it('fails like kubectl for an unknown pod (exit 1)', async () => {
    const out = await master('kubectl exec -it nope -n orders -- /bin/bash; echo "rc=$?"');
    expect(out).toContain('Error from server (NotFound): pods "nope" not found\nrc=1');
  });

  it('rejects unsupported commands (exit 2)', async () => {
    const out = await master('kubectl delete pod x; echo "rc=$?"');
    expect(out).toContain('kubectl simulator: unsupported command: delete pod x\nrc=2');
  });

  it('cannot exec into a CrashLoopBackOff pod', async () => {
    const out = await master(
      'kubectl exec -it payments-worker-59cd87bf5f-vm2qs -n payments -- /bin/bash; echo "rc=$?"',
    );
    expect(out).toContain(
      'error: unable to upgrade connection: container not found ("payments-worker")\nrc=1',
    );
  });

  it('execs into a bash pod with its fake root, and exit returns to the master', async () => {
    c.sendLine(`kubectl exec -it ${ORDERS_API} -n orders -- /bin/bash`);
    await c.expect(ORDERS_POD_PROMPT);
    expect(c.text).toContain(
      `Connected to pod orders/${ORDERS_API}.\n[pod:orders/${ORDERS_API} ~]$ `,
    );
    const pod = (command: string) => run(c, command, ORDERS_POD_PROMPT);
    expect((await pod('ls -1 var/log/app etc/app')).trim()).toBe(
      'etc/app:\napplication.yaml\n\nvar/log/app:\napp.log\nerror.log',
    );
    expect(await pod('grep -c "traceId=lab-timeout-001" var/log/app/*.log')).toContain(
      'var/log/app/app.log:1\nvar/log/app/error.log:1',
    );
    expect(await pod('cat etc/app/application.yaml')).toContain(
      `name: ${ORDERS_API}\n  namespace: orders`,
    );
    c.sendLine('cd var/log');
    await c.expect(/\[pod:orders\/orders-api-7d9d65f8b4-2plxq log\]\$ $/);
    c.sendLine('exit');
    await c.expect(MASTER_ROOT_PROMPT);
    expect(await master('echo back-on-$HOSTNAME')).toContain('back-on-master-a');
  });

  it('keeps what was written in a pod for the rest of the SSH session', async () => {
    c.sendLine(`kubectl exec -it ${ORDERS_API} -n orders -- bash`);
    await c.expect(ORDERS_POD_PROMPT);
    await run(c, 'echo kept > note.txt', ORDERS_POD_PROMPT);
    c.sendLine('exit');
    await c.expect(MASTER_ROOT_PROMPT);
    expect(await master(`kubectl exec ${ORDERS_API} -n orders -- cat note.txt`)).toContain('kept');
  });

  it('reports a pod shell exit status like kubectl', async () => {
    c.sendLine(`kubectl exec -it ${ORDERS_API} -n orders -- /bin/bash`);
    await c.expect(ORDERS_POD_PROMPT);
    c.sendLine('exit 7');
    await c.expect(MASTER_ROOT_PROMPT);
    expect(await master('echo "rc=$?"')).toContain('rc=7');
    expect(c.text).toContain('command terminated with exit code 7');
  });

  it('execs into the alpine pod with busybox ash', async () => {
    c.sendLine('kubectl exec -it alpine-tools-0 -n default -- sh');
    await c.expect('Connected to pod default/alpine-tools-0.\n');
    // Debian's busybox greets with its banner (Alpine's build is quiet); the prompt is the same.
    await c.expect(/\n\/ # $/);
    c.sendLine('readlink /proc/$$/exe; echo "shell=$0"');
    await c.expect(/\n\/ # $/);
    expect(c.text).toMatch(/\/busybox\n/);
    c.sendLine('exit');
    await c.expect(MASTER_ROOT_PROMPT);
  });

  it('takes ash by name in the alpine pod', async () => {
    c.sendLine('kubectl exec -it alpine-tools-0 -- ash');
    await c.expect(/\n\/ # $/);
    c.sendLine('exit');
    await c.expect(MASTER_ROOT_PROMPT);
  });

  it('fails like kubectl when bash is missing from the pod (exit 126)', async () => {
    const out = await master('kubectl exec -it alpine-tools-0 -- bash; echo "rc=$?"');
    expect(out).toContain(
      'OCI runtime exec failed: exec failed: unable to start container process: exec: "bash": executable file not found in $PATH: unknown',
    );
    expect(out).toContain('command terminated with exit code 126\nrc=126');
    const abs = await master('kubectl exec -it alpine-tools-0 -- /bin/bash; echo "rc=$?"');
    expect(abs).toContain('exec: "/bin/bash": stat /bin/bash: no such file or directory: unknown');
  });

  it('interrupts a following log with Ctrl-C', async () => {
    c.sendLine(`kubectl logs -f ${ORDERS_API} -n orders --tail=1`);
    await c.expect('order created orderId=O-10087\n');
    c.send('\x03');
    await c.expect(MASTER_ROOT_PROMPT);
    expect(await master('echo "rc=$?"')).toContain('rc=130');
  });
});
