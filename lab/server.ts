import { spawn } from 'node:child_process';
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { connect, createServer, type Server as NetServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ssh2 from 'ssh2';
import type { AuthContext, Connection, ParsedKey, Session } from 'ssh2';
import { GatewalkError } from '../src/errors.js';
import { fingerprintOf } from '../src/ssh/host-keys.js';
import { packagePath } from '../src/paths.js';
import type { SessionTools } from './cluster.js';
import { decodeBase32, verifyTotp } from '../src/secrets/totp.js';
import { loadScenario, mergeFaults, type FaultOverrides, type Scenario } from './scenario.js';
import { LabSession, type PtyRequest } from './session.js';
import { loadNodePty } from './shell.js';

const { Server, utils } = ssh2;

export const LAB_HOST = '127.0.0.1';
export const LAB_DEFAULT_PORT = 2222;
const LOGIN_GRACE_MS = 60_000;
export const LAB_HOST_KEY = packagePath('lab', 'keys', 'host_ed25519');
export const LAB_CLIENT_KEY = packagePath('lab', 'keys', 'ops_ed25519');

export interface LabOptions {
  /** TCP port on 127.0.0.1; 0 picks a free one. Default 2222. */
  port?: number;
  /** A loaded scenario or the path of a scenario file. Default: lab/scenarios/cmsm.yaml. */
  scenario?: Scenario | string;
  /** Fault settings that override the scenario's, each on its own. */
  faults?: FaultOverrides;
  /** Where the lab prints what happens (connections, logins); silent when absent. */
  log?: (line: string) => void;
  /** Called when client input arrives and when output leaves, for benchmarks. */
  onIo?: (direction: 'in' | 'out') => void;
  /** Accept plain `exec` requests (a raw baseline for benchmarks); refused by default. */
  allowExec?: boolean;
}

export interface Lab {
  host: string;
  port: number;
  /** SHA256 fingerprint of the lab's host key, as `ssh-keygen -l` prints it. */
  fingerprint: string;
  scenario: Scenario;
  /** The folder holding every session's scratch directory; removed by close(). */
  scratchRoot: string;
  /** The marker (GATEWALK_LAB_ID) in the environment of every process the lab starts. */
  labId: string;
  /** Open SSH connections. */
  connections(): number;
  /** Pids of the shells now running (master shells; pods run beneath them). */
  shellPids(): number[];
  /** Ends every connection and child process, removes scratch files, stops listening. */
  close(): Promise<void>;
}

export { fingerprintOf };

function parseKeyFile(file: string): ParsedKey {
  const key = utils.parseKey(readFileSync(file));
  if (key instanceof Error) throw new GatewalkError('key_invalid', `${file}: ${key.message}`);
  const first = Array.isArray(key) ? key[0] : key;
  if (!first) throw new GatewalkError('key_invalid', `${file}: no key found`);
  return first;
}

function which(program: string, path: string): string | null {
  for (const dir of path.split(':'))
    if (dir && existsSync(join(dir, program))) return join(dir, program);
  return null;
}

function sameSecret(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

/** Starts the lab's SSH server on 127.0.0.1 and resolves once it listens. */
export async function startLab(options: LabOptions = {}): Promise<Lab> {
  await loadNodePty();
  const loaded =
    typeof options.scenario === 'object' ? options.scenario : loadScenario(options.scenario);
  const scenario: Scenario = { ...loaded, faults: mergeFaults(loaded.faults, options.faults) };
  // A bad seed would fail every session at its first prompt: refuse to start instead.
  if (scenario.faults.otp.seed) decodeBase32(scenario.faults.otp.seed);
  const log = options.log ?? (() => {});
  const hostKey = readFileSync(LAB_HOST_KEY);
  const fingerprint = fingerprintOf(parseKeyFile(LAB_HOST_KEY).getPublicSSH());
  const clientKey = parseKeyFile(scenario.auth.publicKeyFile);
  const systemPath = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
  const bash = which('bash', systemPath);
  if (!bash) throw new GatewalkError('lab_no_bash', 'the lab needs bash on this machine');
  const tools: SessionTools = { bash, busybox: which('busybox', systemPath), systemPath };
  const labId = randomBytes(8).toString('hex');
  const scratchRoot = mkdtempSync(join(tmpdir(), 'gatewalk-lab-'));
  const sockets = new Map<number, Socket>();
  const sessions = new Set<LabSession>();

  // The MFA style of some gateways: the password and the one-time code as SSH prompts.
  const keyboardInteractive = (ctx: AuthContext): void => {
    if (ctx.method !== 'keyboard-interactive') return ctx.reject(['keyboard-interactive']);
    const seed = scenario.faults.otp.seed;
    const prompts = [
      { prompt: 'Password: ', echo: false },
      ...(seed ? [{ prompt: 'Verification code: ', echo: true }] : []),
    ];
    ctx.prompt(prompts, 'gatewalk lab', '', (answers) => {
      const passwordOk =
        ctx.username === scenario.auth.user && sameSecret(answers[0] ?? '', scenario.auth.password);
      const codeOk = !seed || verifyTotp(seed, answers[1] ?? '');
      if (passwordOk && codeOk) ctx.accept();
      else ctx.reject(['keyboard-interactive']);
    });
  };

  const authenticate = (ctx: AuthContext): void => {
    if (ctx.method !== 'none') log(`auth attempt: ${ctx.method} as ${ctx.username}`);
    if (scenario.faults.keyboardInteractive) return keyboardInteractive(ctx);
    const methods: ('password' | 'publickey')[] = ['publickey', 'password'];
    if (ctx.username !== scenario.auth.user) return ctx.reject(methods);
    if (ctx.method === 'password') {
      return sameSecret(ctx.password, scenario.auth.password) ? ctx.accept() : ctx.reject(methods);
    }
    if (ctx.method === 'publickey') {
      const known =
        ctx.key.algo === clientKey.type && ctx.key.data.equals(clientKey.getPublicSSH());
      if (!known) return ctx.reject(methods);
      // Without a signature the client only asks whether the key would do; with one, check it.
      if (!ctx.signature || !ctx.blob) return ctx.accept();
      return clientKey.verify(ctx.blob, ctx.signature, ctx.hashAlgo) === true
        ? ctx.accept()
        : ctx.reject(methods);
    }
    return ctx.reject(methods);
  };

  const onSession = (client: Connection, accept: () => Session, socket: Socket | undefined) => {
    const session = accept();
    let pty: PtyRequest | null = null;
    let lab: LabSession | undefined;
    session.on('pty', (ok, _no, info) => {
      pty = { term: info.term || 'xterm', cols: info.cols, rows: info.rows };
      ok?.();
    });
    session.on('window-change', (ok, _no, info) => {
      if (pty) Object.assign(pty, { cols: info.cols, rows: info.rows });
      lab?.resize(info.cols, info.rows);
      ok?.();
    });
    session.on('env', (ok) => ok?.());
    session.on('exec', (ok, no, info) => {
      // A bastion offers its menu only; benchmarks may ask for plain exec as a baseline.
      if (!options.allowExec) return no?.();
      const channel = ok();
      const child = spawn(tools.bash, ['-c', info.command], {
        cwd: scratchRoot,
        env: { PATH: systemPath, GATEWALK_LAB_ID: labId },
      });
      child.stdout.pipe(channel, { end: false });
      child.stderr.pipe(channel.stderr, { end: false });
      child.on('close', (code) => {
        channel.exit(code ?? 255);
        channel.end();
      });
    });
    session.on('subsystem', (_ok, no) => no?.());
    session.on('shell', (ok) => {
      const channel = ok();
      const current = new LabSession({
        channel,
        pty,
        scenario,
        scratchRoot,
        tools,
        labId,
        disconnect: () => socket?.destroy(),
        log,
        ...(options.onIo ? { onIo: options.onIo } : {}),
      });
      lab = current;
      sessions.add(current);
      void current.run().then((code) => {
        sessions.delete(current);
        log(`session ended (exit ${code})`);
        if (!channel.destroyed) {
          channel.exit(code);
          channel.end();
        }
      });
      client.once('close', () => void current.dispose());
    });
  };

  const ssh = new Server({ hostKeys: [hostKey], ident: 'gatewalk-lab' }, (client, info) => {
    const socket = sockets.get(info.port);
    log(`connection from ${info.ip}:${info.port}`);
    client.on('error', (err) => log(`connection ${info.port}: ${err.message}`));
    client.on('authentication', authenticate);
    // Like sshd's LoginGraceTime: a client that never finishes logging in is let go.
    const grace = setTimeout(() => socket?.destroy(), LOGIN_GRACE_MS);
    socket?.once('close', () => clearTimeout(grace));
    client.on('ready', () => {
      clearTimeout(grace);
      log(`connection ${info.port}: logged in`);
      client.on('session', (accept) => onSession(client, accept, socket));
      // Jump-host use (ssh -J, gatewalk's via): forward to loopback only, never beyond.
      client.on('tcpip', (accept, reject, dest) => {
        if (!['127.0.0.1', 'localhost', '::1'].includes(dest.destIP)) return reject?.();
        const upstream = connect(dest.destPort, '127.0.0.1');
        let accepted = false;
        upstream.once('connect', () => {
          accepted = true;
          const channel = accept();
          channel.pipe(upstream).pipe(channel);
          channel.on('close', () => upstream.destroy());
          upstream.on('close', () => channel.destroy());
        });
        upstream.once('error', () => {
          if (!accepted) reject?.();
        });
      });
    });
    const { seconds } = scenario.faults.dropAfter;
    if (seconds > 0 && socket) {
      const timer = setTimeout(() => socket.destroy(), seconds * 1000);
      socket.once('close', () => clearTimeout(timer));
    }
  });

  const net: NetServer = createServer((socket) => {
    const port = socket.remotePort ?? 0;
    sockets.set(port, socket);
    socket.once('close', () => sockets.delete(port));
    socket.on('error', () => {});
    // Interactive traffic: without this, Nagle and delayed ACKs add ~40 ms to every keystroke.
    socket.setNoDelay(true);
    ssh.injectSocket(socket);
  });
  await new Promise<void>((resolve, reject) => {
    net.once('error', (err: NodeJS.ErrnoException) => {
      rmSync(scratchRoot, { recursive: true, force: true });
      reject(
        new GatewalkError(
          'lab_listen_failed',
          `cannot listen on ${LAB_HOST}:${options.port ?? LAB_DEFAULT_PORT}: ${err.code ?? err.message}` +
            (err.code === 'EADDRINUSE' ? ' (port in use: pick another with --port)' : ''),
          { cause: err },
        ),
      );
    });
    net.listen(options.port ?? LAB_DEFAULT_PORT, LAB_HOST, resolve);
  });
  const address = net.address();
  const port = typeof address === 'object' && address ? address.port : 0;

  let closing: Promise<void> | undefined;
  return {
    host: LAB_HOST,
    port,
    fingerprint,
    scenario,
    labId,
    scratchRoot,
    connections: () => sockets.size,
    shellPids: () => [...sessions].flatMap((s) => (s.shellPid ? [s.shellPid] : [])),
    close: () => {
      closing ??= (async () => {
        const disposed = [...sessions].map((session) => session.dispose());
        const gone = [...sockets.values()].map(
          (socket) => new Promise((resolve) => socket.once('close', resolve).destroy()),
        );
        await Promise.all([...gone, ...disposed, new Promise((resolve) => net.close(resolve))]);
        try {
          await rm(scratchRoot, { recursive: true, force: true, maxRetries: 3 });
        } catch (err) {
          log(`cannot remove ${scratchRoot}: ${String(err)}`);
        }
      })();
      return closing;
    },
  };
}
