import { parseArgs } from 'node:util';
import { LabClient } from '../../lab/driver.js';
import { startLab } from '../../lab/server.js';
import type { CliIo } from './io.js';

export const DEMO_USAGE = `Usage: gatewalk demo [--port N]

Starts the embedded CMSM lab and walks it over real SSH: the target menu, the login-user
menu, the master shell, then kubectl exec into a pod, printing what a person would see and
how long each step took.
`;

const PROMPT_MASTER = /\[root@master-a ~\]# $/m;
const PROMPT_POD = /\[pod:orders\/orders-api-7d9d65f8b4-2plxq ~\]\$ $/m;

/** `gatewalk demo`: one walk of CMSM -> master -> pod against a lab started for the occasion. */
export async function runDemoCommand(args: string[], io: CliIo): Promise<void> {
  const { values } = parseArgs({
    args,
    options: { port: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help) return io.out(DEMO_USAGE);
  const lab = await startLab({ port: Number(values.port ?? 0) });
  io.out(`lab listening on ${lab.host}:${lab.port} (host key ${lab.fingerprint})\n`);
  const started = Date.now();
  const steps: { name: string; ms: number }[] = [];
  let printed = 0;
  const client = await LabClient.connect({
    port: lab.port,
    password: 'lab',
    fingerprint: lab.fingerprint,
  });
  // Print the session as it arrives, the way it reads in a terminal.
  client.channel.on('data', () => {
    const text = client.text.slice(printed);
    printed = client.text.length;
    io.write(text);
  });
  const step = async (name: string, send: string | null, expect: RegExp | string) => {
    const t0 = Date.now();
    if (send !== null) client.sendLine(send);
    await client.expect(expect, 10_000);
    steps.push({ name, ms: Date.now() - t0 });
  };
  try {
    await step('banner', null, 'Target IP: ');
    await step('list targets', '', 'Target IP: ');
    await step('choose master-a', 'master-a', 'User number: ');
    await step('log in as root', '2', PROMPT_MASTER);
    await step('kubectl get pods', 'kubectl get pods -n orders', PROMPT_MASTER);
    await step(
      'kubectl exec',
      'kubectl exec -it orders-api-7d9d65f8b4-2plxq -n orders -- /bin/bash',
      PROMPT_POD,
    );
    await step('grep the app log', 'grep -n ERROR var/log/app/app.log', PROMPT_POD);
    await step('leave the pod', 'exit', PROMPT_MASTER);
    client.sendLine('exit');
    await client.exit;
  } finally {
    client.close();
    await lab.close();
  }
  io.out('\n\nsteps:');
  for (const s of steps) io.out(`  ${s.name.padEnd(20)} ${String(s.ms).padStart(5)} ms`);
  io.out(`  ${'total'.padEnd(20)} ${String(Date.now() - started).padStart(5)} ms`);
}
