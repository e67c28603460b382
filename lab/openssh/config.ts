// The generated configuration of the real-OpenSSH conformance lab: the authorized_keys forcing
// each key's entry, and the sshd_config.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** A value single-quoted for the forced command of authorized_keys (itself in double quotes). */
export function quoted(value: string): string {
  if (/['"\\\n]/.test(value)) {
    throw new Error(
      `gatewalk openssh lab: the path ${JSON.stringify(value)} holds a quote, a backslash or ` +
        'a newline, which the lab cannot put in authorized_keys; move it (or set TMPDIR)',
    );
  }
  return `'${value}'`;
}

/** Where the lab lives and what its forced commands carry. */
export interface LabSettings {
  /** The lab's id: `GW_OPENSSH_LAB=<id>` is its marker. */
  id: string;
  /** The lab's temporary folder. */
  dir: string;
  /** The folder of the lab's scripts (entry.sh...). */
  scripts: string;
  /** The folder of the generated keys. */
  keysDir: string;
  /** The bash that runs entry.sh. */
  bashPath: string;
  /** The user every entry logs in as. */
  user: string;
  /** The base32 seed koko-mfa checks its TOTP codes against. */
  totpSeed: string;
}

/**
 * authorized_keys: each client's key forced to `bash entry.sh ENTRY` with the lab's settings,
 * the port left as `%PORT%` (known once sshd is listening).
 */
export function authorizedKeys(lab: LabSettings, clients: readonly string[]): string {
  const { id, dir, scripts, keysDir, bashPath } = lab;
  let authorized = '';
  for (const entry of clients) {
    const settings = [
      `GW_OPENSSH_LAB=${id}`,
      `GW_LAB_DIR=${dir}`,
      `GW_LAB_SCRIPTS=${scripts}`,
      `GW_LAB_PORT=%PORT%`,
      `GW_LAB_USER=${lab.user}`,
      `GW_NODE=${process.execPath}`,
      ...(entry === 'koko-mfa' ? [`GW_TOTP_SEED=${lab.totpSeed}`] : []),
    ];
    const command = [
      'env',
      ...settings.map(quoted),
      quoted(bashPath),
      quoted(join(scripts, 'entry.sh')),
      entry,
    ].join(' ');
    const pub = readFileSync(join(keysDir, `${entry}.pub`), 'utf8').trim();
    authorized += `command="${command}",no-agent-forwarding,no-X11-forwarding,no-user-rc ${pub}\n`;
  }
  return authorized;
}

/** The sshd_config of the lab listening on `port`; `penalties` holds the version-specific lines. */
export function sshdConfig(
  lab: Pick<LabSettings, 'dir' | 'keysDir' | 'user'>,
  marker: string,
  port: number,
  penalties: readonly string[],
): string {
  const { dir, keysDir } = lab;
  return [
    '# gatewalk real-OpenSSH conformance lab (generated; removed with the lab)',
    `Port ${port}`,
    'ListenAddress 127.0.0.1',
    'AddressFamily inet',
    `HostKey "${join(keysDir, 'host_ed25519')}"`,
    `PidFile "${join(dir, 'sshd.pid')}"`,
    `AuthorizedKeysFile "${join(dir, 'authorized_keys')}"`,
    `AllowUsers ${lab.user}`,
    'StrictModes no',
    'UsePAM no',
    'PubkeyAuthentication yes',
    'AuthenticationMethods publickey',
    'PasswordAuthentication no',
    'KbdInteractiveAuthentication no',
    'HostbasedAuthentication no',
    'PermitRootLogin prohibit-password',
    'PermitUserEnvironment no',
    'PermitUserRC no',
    // SHLVL=1: the user's login shell runs each forced command (`$SHELL -c ...`), and
    // Debian's bash, seeing SSH_CLIENT at shell level 1, would first source the user's own
    // ~/.bashrc (its output, its cost: 0.4 s with pyenv here). At level 2 it does not.
    `SetEnv ${marker} SHLVL=1`,
    'AcceptEnv GW_* KOKO_PAGE_SIZE',
    // Local forwarding to loopback only: enough for a jump host (ssh -J, a profile's via).
    'AllowTcpForwarding local',
    'PermitOpen 127.0.0.1:* localhost:*',
    'AllowAgentForwarding no',
    'AllowStreamLocalForwarding no',
    'X11Forwarding no',
    'PermitTunnel no',
    'PermitTTY yes',
    'PrintMotd no',
    'PrintLastLog no',
    'UseDNS no',
    'MaxStartups 100:30:200',
    'MaxSessions 100',
    'LoginGraceTime 30',
    'LogLevel INFO',
    ...penalties,
    '',
  ].join('\n');
}
