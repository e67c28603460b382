import { parseArgs } from 'node:util';
import { startLab } from '../../lab/server.js';
import { closeSession, openSession, switchTarget } from '../navigator/session.js';
import { ShellExecutor } from '../shell/executor.js';
import { loadProfiles } from '../profiles/registry.js';
import { packagePath } from '../paths.js';
import type { CliIo } from './io.js';

export const DEMO_USAGE = `Usage: gatewalk demo [--port N]

Starts the embedded CMSM lab and walks it with gatewalk's navigator, as an agent would: the
orders-pod profile (CMSM menu -> master-a -> kubectl exec into the pod), a command there, a
move to the payments pod on the same connection, and a clean exit, printing the screen and
how long each hop took.`;

/** `gatewalk demo`: the navigator against a lab started for the occasion. */
export async function runDemoCommand(args: string[], io: CliIo): Promise<void> {
  const { values } = parseArgs({
    args,
    options: { port: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help) return io.out(DEMO_USAGE);
  const lab = await startLab({ port: Number(values.port ?? 0) });
  const { registry } = loadProfiles([packagePath('profiles')]);
  const at = (name: string) => registry.resolve(name, { lab_port: lab.port });
  io.out(`lab listening on ${lab.host}:${lab.port} (host key ${lab.fingerprint})`);
  try {
    io.out('\n$ gatewalk open orders-pod');
    let shown = 0;
    let session = await openSession(at('orders-pod'), {
      lookup: (n) => registry.resolveVia(n),
      onProgress: (p) => {
        if (p.hop !== shown) io.out(`  [${p.hop}/${p.hops}] ${p.name}`);
        shown = p.hop;
      },
    });
    io.out(
      `  open in ${Math.round(session.walk.ms)} ms: ${session.walk.hops.map((h) => `${h.name} ${h.ms.toFixed(1)} ms`).join(', ')}`,
    );
    io.out('\nscreen:');
    for (const line of (await session.pty.screen.text()).split('\n')) io.out(`  | ${line}`);
    const command = 'grep -n ERROR var/log/app/app.log';
    io.out(`\n$ ${command}`);
    const result = await new ShellExecutor(session).execute(command, { timeoutMs: 10_000 });
    io.write(result.output.replace(/^(?=.)/gm, '  '));
    io.out(`  (exit code ${result.exit_code}, ${result.duration_ms} ms)`);
    io.out('\n$ move to payments-api-pod (same connection: exit the pod, exec into the other)');
    const t0 = performance.now();
    session = await switchTarget(session, at('payments-api-pod'));
    io.out(`  moved in ${Math.round(performance.now() - t0)} ms`);
    io.out(`  | ${(await session.pty.screen.text()).split('\n').at(-1) ?? ''}`);
    await closeSession(session);
    io.out('\nclosed: left every hop with its exit.');
  } finally {
    await lab.close();
  }
}
