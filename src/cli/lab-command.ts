import { parseArgs } from 'node:util';
import { userInfo } from 'node:os';
import { relative } from 'node:path';
import { GatewalkError } from '../errors.js';
import { startFreezableProxy } from '../../lab/proxy.js';
import { LAB_CLIENT_KEY, LAB_DEFAULT_PORT, startLab } from '../../lab/server.js';
import type { FaultOverrides } from '../../lab/scenario.js';
import type { CliIo } from './io.js';

export const LAB_USAGE = `Usage: gatewalk lab [options]

Starts the CMSM lab: a real SSH server on 127.0.0.1 that reproduces the CMSM bastion
(menu -> master shell -> kubectl exec into pods). Test credentials only: user ops,
password lab, or the key lab/keys/ops_ed25519.

Options:
  --port N              port on 127.0.0.1 (default ${LAB_DEFAULT_PORT}; 0 picks a free one)
  --scenario FILE       scenario file (default lab/scenarios/cmsm.yaml)
  --verbose             print connections and logins
Fault knobs (override the scenario's faults:):
  --chunk-bytes N       send output N bytes at a time
  --chunk-delay-ms MS   wait MS between chunks
  --colors              ANSI colours in the menus
  --pager N             --More-- after every N rows of a listing
  --pager-style S       more (default) or prompt: "Page 1/3: n for the next page, or ..." 
  --otp-seed BASE32     ask "Verification code: " (TOTP of this seed) before the menu
  --idle-logout S       log out after S seconds without input
  --drop-after-s S      drop the connection S seconds after it opens
  --drop-after-bytes N  drop the connection once N bytes were sent
  --keyboard-interactive  log in by keyboard-interactive only (Password:, then the OTP if set)
  --proxy-port N        also listen on N through a TCP proxy that can freeze (hung bastion)
  --freeze-after-s S    freeze that proxy S seconds after start; SIGUSR2 toggles it
`;

function number(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) {
    throw new GatewalkError('usage', `--${name} takes a number >= 0, not ${JSON.stringify(value)}`);
  }
  return n;
}

export function parseLabArgs(args: string[]) {
  const { values } = parseArgs({
    args,
    strict: true,
    options: {
      port: { type: 'string' },
      scenario: { type: 'string' },
      verbose: { type: 'boolean' },
      'chunk-bytes': { type: 'string' },
      'chunk-delay-ms': { type: 'string' },
      colors: { type: 'boolean' },
      pager: { type: 'string' },
      'pager-style': { type: 'string' },
      'otp-seed': { type: 'string' },
      'idle-logout': { type: 'string' },
      'drop-after-s': { type: 'string' },
      'drop-after-bytes': { type: 'string' },
      'keyboard-interactive': { type: 'boolean' },
      'proxy-port': { type: 'string' },
      'freeze-after-s': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  // Each flag overrides one setting; the scenario keeps the others.
  const faults: FaultOverrides = {};
  const chunkBytes = number('chunk-bytes', values['chunk-bytes']);
  const chunkDelay = number('chunk-delay-ms', values['chunk-delay-ms']);
  if (chunkBytes !== undefined || chunkDelay !== undefined) {
    faults.chunk = {
      ...(chunkBytes === undefined ? {} : { bytes: chunkBytes }),
      ...(chunkDelay === undefined ? {} : { delayMs: chunkDelay }),
    };
  }
  if (values.colors) faults.colors = true;
  if (values['keyboard-interactive']) faults.keyboardInteractive = true;
  const pager = number('pager', values.pager);
  const style = values['pager-style'];
  if (style !== undefined && style !== 'more' && style !== 'prompt') {
    throw new GatewalkError(
      'usage',
      `--pager-style is more or prompt, not ${JSON.stringify(style)}`,
    );
  }
  if (pager !== undefined || style !== undefined) {
    faults.pager = {
      ...(pager === undefined ? {} : { pageSize: pager }),
      ...(style ? { style } : {}),
    };
  }
  if (values['otp-seed']) faults.otp = { seed: values['otp-seed'] };
  const idle = number('idle-logout', values['idle-logout']);
  if (idle !== undefined) faults.idleLogoutS = idle;
  const dropS = number('drop-after-s', values['drop-after-s']);
  const dropBytes = number('drop-after-bytes', values['drop-after-bytes']);
  if (dropS !== undefined || dropBytes !== undefined) {
    faults.dropAfter = {
      ...(dropS === undefined ? {} : { seconds: dropS }),
      ...(dropBytes === undefined ? {} : { bytes: dropBytes }),
    };
  }
  return {
    help: values.help === true,
    port: number('port', values.port) ?? LAB_DEFAULT_PORT,
    scenario: values.scenario,
    verbose: values.verbose === true,
    faults,
    proxyPort: number('proxy-port', values['proxy-port']),
    freezeAfterS: number('freeze-after-s', values['freeze-after-s']),
  };
}

/** `gatewalk lab`: runs until SIGINT/SIGTERM, then ends every connection and shell. */
export async function runLabCommand(args: string[], io: CliIo): Promise<void> {
  const o = parseLabArgs(args);
  if (o.help) return io.out(LAB_USAGE);
  const lab = await startLab({
    port: o.port,
    ...(o.scenario ? { scenario: o.scenario } : {}),
    faults: o.faults,
    ...(o.verbose ? { log: (line: string) => io.err(`lab: ${line}`) } : {}),
  });
  const key = relative(io.cwd, LAB_CLIENT_KEY) || LAB_CLIENT_KEY;
  io.out(`gatewalk lab: CMSM simulator listening on ${lab.host}:${lab.port}`);
  io.out(`host key fingerprint: ${lab.fingerprint}`);
  io.out(
    `TEST credentials, lab only: user ${lab.scenario.auth.user}, password ${lab.scenario.auth.password}, or key ${key}`,
  );
  io.out(`try: ssh -p ${lab.port} ${lab.scenario.auth.user}@${lab.host}`);
  io.out(
    `note: logins get real shells running as ${userInfo().username} on this machine; ` +
      'run the lab only where local users may have that',
  );
  const proxy =
    o.proxyPort === undefined ? undefined : await startFreezableProxy(lab.port, o.proxyPort);
  if (proxy) {
    io.out(`freezable proxy on ${lab.host}:${proxy.port} (SIGUSR2 freezes / thaws it)`);
    const toggle = () => {
      if (proxy.frozen) proxy.thaw();
      else proxy.freeze();
      io.out(`proxy ${proxy.frozen ? 'frozen' : 'thawed'}`);
    };
    io.onToggle(toggle);
    if (o.freezeAfterS !== undefined)
      setTimeout(() => proxy.frozen || toggle(), o.freezeAfterS * 1000).unref();
  }
  await new Promise<void>((resolve) => {
    io.onShutdown(async () => {
      await proxy?.close();
      await lab.close();
      io.out('gatewalk lab: stopped');
      resolve();
    });
  });
}
