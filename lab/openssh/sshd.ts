// The real-OpenSSH conformance lab: the system sshd on 127.0.0.1, one generated client key per
// "entry" (a gateway script or a shell), each key forced to its entry's command in a generated
// authorized_keys, so one sshd serves every entry. See lab/openssh/README.md.
//
// This module starts and stops the lab; the rest lives beside it: entries.ts (entry names and
// prompts), homes.ts (their homes' rc files), config.ts (authorized_keys and sshd_config),
// programs.ts (the programs it needs), keys.ts (keys and TOTP codes), cleanup.ts (its
// processes). Everything they export for users of the lab is re-exported here.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  appendFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { waitForExit } from '../processes.js';
import { freezeAndKill, installExitHook, labProcesses, openLabs } from './cleanup.js';
import { authorizedKeys, quoted, sshdConfig, type LabSettings } from './config.js';
import { ENTRY_NAMES, KOKO_TARGET, isRoot, userName, type EntryName } from './entries.js';
import { writeHomes } from './homes.js';
import { base32, fingerprintOf, keygen } from './keys.js';
import {
  findProgram,
  missingOpenSshLabPrograms,
  nonRootPtyProblem,
  versionAtLeast,
} from './programs.js';

export { processesCarrying } from './cleanup.js';
export { ENTRY_NAMES, INNER_PROMPTS, PROMPTS, SHELL_ENTRIES, type EntryName } from './entries.js';
export { fingerprintOf, totp } from './keys.js';
export { OPENSSH_LAB_PROGRAMS, findProgram, missingOpenSshLabPrograms } from './programs.js';

export interface OpenSshLab {
  host: '127.0.0.1';
  port: number;
  /** The current user's name: every entry logs in as it. */
  user: string;
  /** `SHA256:...` of the host key, as `ssh-keygen -lf` prints it. */
  fingerprint: string;
  /** A known_hosts file with the `[127.0.0.1]:port` line of the host key. */
  knownHosts: string;
  /** The base32 seed koko-mfa checks its TOTP codes against. */
  totpSeed: string;
  /** The lab's temporary folder: keys, homes, logs (sshd.log, events.log). */
  dir: string;
  /** `GW_OPENSSH_LAB=<id>`: the environment entry every process of the lab carries. */
  marker: string;
  /** The private key (0600, OpenSSH format, ed25519) that logs in to `entry`. */
  key(entry: EntryName): string;
  /** The HOME of that entry's shell (history files land there). */
  home(entry: EntryName): string;
  /** The lines the entries appended to the event log, `<who>: <event>`, in order. */
  events(): string[];
  /**
   * Pids of the lab's live processes: sshd and its per-connection processes (sshd's process
   * title overwrites its environment, so they are found as the listener's descendants) and
   * everything carrying the marker (sessions, daemons they started such as tmux's server).
   */
  processes(): number[];
  /** What sshd logged so far (its -e output, also in `dir`/sshd.log). */
  sshdLog(): string;
  /** Stops sshd and every process any session started, and removes the folder. */
  close(): Promise<void>;
}

/** The folder of the lab's scripts: this module's folder, from sources or from the build. */
function scriptsDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'package.json'))) return join(dir, 'lab', 'openssh');
    const parent = dirname(dir);
    if (parent === dir) return dirname(fileURLToPath(import.meta.url));
    dir = parent;
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

interface Started {
  sshd: ChildProcess;
  port: number;
}

/**
 * Starts sshd on a free port and resolves once it logs "Server listening" (event-driven: its -e
 * log is read as it comes). A port taken between the probe and the bind is retried.
 */
async function startSshd(
  sshdPath: string,
  dir: string,
  config: (port: number) => string,
  env: NodeJS.ProcessEnv,
  onPort: (port: number) => void,
): Promise<Started> {
  const logFile = join(dir, 'sshd.log');
  let lastError = '';
  for (let attempt = 0; attempt < 5; attempt++) {
    const port = await freePort();
    onPort(port);
    const configFile = join(dir, 'sshd_config');
    writeFileSync(configFile, config(port));
    const sshd = spawn(sshdPath, ['-D', '-e', '-f', configFile], {
      env,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    const outcome = await new Promise<'up' | 'retry' | string>((resolve) => {
      let log = '';
      const timer = setTimeout(() => resolve(`sshd did not listen within 5 s:\n${log}`), 5000);
      const done = (result: string) => {
        clearTimeout(timer);
        resolve(result);
      };
      sshd.stderr?.on('data', (chunk: Buffer) => {
        const text = chunk.toString('utf8');
        try {
          appendFileSync(logFile, text);
        } catch {
          // The lab's folder is being removed.
        }
        log += text;
        if (log.includes(`Server listening on 127.0.0.1 port ${port}`)) done('up');
      });
      sshd.on('error', (err) => done(`sshd did not start: ${err.message}`));
      sshd.on('exit', (code) => {
        if (/Address already in use|Cannot bind any address/.test(log)) done('retry');
        else done(`sshd exited (status ${code}) before listening:\n${log}`);
      });
    });
    if (outcome === 'up') return { sshd, port };
    sshd.kill('SIGKILL');
    if (outcome !== 'retry') throw new Error(`gatewalk openssh lab: ${outcome}`);
    lastError = `port ${port} was taken`;
  }
  throw new Error(`gatewalk openssh lab: sshd could not bind a port (${lastError})`);
}

/**
 * Starts the lab: generated host and client keys, homes with their rc files, the
 * authorized_keys forcing each key's entry, and the system sshd on a free port of 127.0.0.1.
 * Throws, naming the programs and the `apt-get install -y ...` line, when one is missing.
 */
export async function startOpenSshLab(): Promise<OpenSshLab> {
  const missing = missingOpenSshLabPrograms();
  if (missing) {
    throw new Error(
      `gatewalk openssh lab: missing ${missing.programs.join(', ')}: install with ` +
        `\`${missing.install}\` (as root; .ci/run does it)`,
    );
  }
  const ptyProblem = nonRootPtyProblem();
  if (ptyProblem) throw new Error(`gatewalk openssh lab: ${ptyProblem}`);
  const sshdPath = findProgram('sshd') as string;
  const bashPath = findProgram('bash') as string;
  const scripts = scriptsDir();
  const dir = mkdtempSync(join(tmpdir(), 'gatewalk-openssh-'));
  const id = randomBytes(9).toString('base64url');
  const marker = `GW_OPENSSH_LAB=${id}`;
  const totpSeed = base32(randomBytes(20));
  const knownHosts = join(dir, 'known_hosts');
  const keysDir = join(dir, 'keys');
  const events = join(dir, 'events.log');
  const settings: LabSettings = { id, dir, scripts, keysDir, bashPath, user: userName, totpSeed };
  try {
    quoted(dir);
    quoted(scripts);
    quoted(process.execPath);
    if (isRoot) mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
    for (const sub of ['keys', 'home', 'assets', 'pods', 'bin']) mkdirSync(join(dir, sub));
    writeFileSync(events, '');

    // Keys: the host key, one per entry, one for koko's internal target.
    const clients = [...ENTRY_NAMES, KOKO_TARGET];
    await Promise.all([
      keygen(join(keysDir, 'host_ed25519'), 'gatewalk-openssh-lab host'),
      ...clients.map((entry) => keygen(join(keysDir, entry), `gatewalk-openssh-lab ${entry}`)),
    ]);

    // Homes and their rc files; the pods' folders; the master's kubectl.
    writeHomes(dir, scripts, bashPath);

    // authorized_keys: each key forced to `bash entry.sh ENTRY` with the lab's settings.
    const authorized = authorizedKeys(settings, clients);

    const hostPub = readFileSync(join(keysDir, 'host_ed25519.pub'), 'utf8').trim().split(' ');
    const fingerprint = fingerprintOf(Buffer.from(hostPub[1] ?? '', 'base64'));
    const penalties = (await versionAtLeast(sshdPath, 9, 8)) ? ['PerSourcePenalties no'] : [];

    const config = (port: number) => sshdConfig(settings, marker, port, penalties);

    const { sshd, port } = await startSshd(
      sshdPath,
      dir,
      config,
      // sshd and its per-connection children carry the marker; sessions get it from SetEnv.
      { PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', GW_OPENSSH_LAB: id },
      (candidate) => {
        writeFileSync(
          join(dir, 'authorized_keys'),
          authorized.replaceAll('%PORT%', String(candidate)),
        );
        writeFileSync(knownHosts, `[127.0.0.1]:${candidate} ${hostPub[0]} ${hostPub[1]}\n`);
      },
    );
    const exited = new Promise<void>((resolve) => {
      if (sshd.exitCode !== null || sshd.signalCode !== null) resolve();
      else sshd.once('exit', () => resolve());
    });
    openLabs.set(id, { marker, sshd, dir });
    installExitHook();

    let closing: Promise<void> | undefined;
    const close = async (): Promise<void> => {
      // Sessions outlive the listener (and tmux servers their sessions): stop and kill the
      // listener's tree and everything carrying the marker, until a look finds none.
      for (let round = 0; round < 10; round++) {
        const killed = freezeAndKill(sshd, marker);
        if (killed.length === 0) break;
        await waitForExit(killed, 3000);
      }
      sshd.kill('SIGKILL');
      await exited;
      openLabs.delete(id);
      rmSync(dir, { recursive: true, force: true });
    };

    return {
      host: '127.0.0.1',
      port,
      user: userName,
      fingerprint,
      knownHosts,
      totpSeed,
      dir,
      marker,
      key: (entry) => join(keysDir, entry),
      home: (entry) => join(dir, 'home', entry),
      events: () => {
        try {
          return readFileSync(events, 'utf8').split('\n').filter(Boolean);
        } catch {
          return [];
        }
      },
      processes: () => labProcesses(sshd, marker),
      sshdLog: () => {
        try {
          return readFileSync(join(dir, 'sshd.log'), 'utf8');
        } catch {
          return '';
        }
      },
      close: () => (closing ??= close()),
    };
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}
