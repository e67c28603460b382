// What the real-OpenSSH conformance lab needs from the machine: its programs, PTYs a non-root
// sshd can hand out, and the version of sshd.
import { execFile } from 'node:child_process';
import { accessSync, constants, readFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { isRoot } from './entries.js';

/** The programs the lab needs, with the Debian package providing each. */
export const OPENSSH_LAB_PROGRAMS: [program: string, debianPackage: string][] = [
  ['sshd', 'openssh-server'],
  ['ssh', 'openssh-client'],
  ['ssh-keygen', 'openssh-client'],
  ['bash', 'bash'],
  ['dash', 'dash'],
  ['busybox', 'busybox'],
  ['mksh', 'mksh'],
  ['zsh', 'zsh'],
  ['fish', 'fish'],
  ['tcsh', 'tcsh'],
  ['tmux', 'tmux'],
  ['screen', 'screen'],
  ['stty', 'coreutils'],
  ['env', 'coreutils'],
];

/** Where programs are looked for: PATH, then the sbin folders a non-root PATH lacks (sshd). */
export function findProgram(program: string): string | undefined {
  const dirs = [
    ...(process.env.PATH ?? '').split(delimiter).filter(Boolean),
    '/usr/local/sbin',
    '/usr/sbin',
    '/sbin',
  ];
  for (const dir of dirs) {
    const file = join(dir, program);
    try {
      accessSync(file, constants.X_OK);
      return file;
    } catch {
      // Not there.
    }
  }
  return undefined;
}

/** The programs of OPENSSH_LAB_PROGRAMS this machine lacks, and the command that installs them. */
export function missingOpenSshLabPrograms(): { programs: string[]; install: string } | undefined {
  const missing = OPENSSH_LAB_PROGRAMS.filter(([program]) => !findProgram(program));
  if (missing.length === 0) return undefined;
  const packages = [...new Set(missing.map(([, pkg]) => pkg))];
  return {
    programs: missing.map(([program]) => program),
    install: `apt-get install -y ${packages.join(' ')}`,
  };
}

/**
 * Why a non-root sshd cannot hand out PTYs here, if it cannot: it chowns each new /dev/pts/N to
 * the `tty` group, which only root may do, unless devpts is mounted with `gid=<tty>` (the
 * usual mount; some containers mount it without) so that the PTY already has that group.
 */
export function nonRootPtyProblem(): string | undefined {
  if (isRoot) return undefined;
  let ttyGid: string | undefined;
  let mounts: string;
  try {
    ttyGid = /^tty:[^:]*:(\d+):/m.exec(readFileSync('/etc/group', 'utf8'))?.[1];
    mounts = readFileSync('/proc/mounts', 'utf8');
  } catch {
    return undefined;
  }
  if (ttyGid === undefined) return undefined;
  const devpts = mounts.split('\n').find((line) => line.split(' ')[1] === '/dev/pts');
  if (!devpts) return undefined;
  const options = devpts.split(' ')[3]?.split(',') ?? [];
  if (options.includes(`gid=${ttyGid}`)) return undefined;
  return (
    `as a non-root user, sshd cannot give sessions a PTY here: /dev/pts is mounted without ` +
    `gid=${ttyGid} (the tty group), so sshd's chown of each PTY fails and the session dies. ` +
    `Run the tests as root, or remount devpts with gid=${ttyGid},mode=620`
  );
}

/** Whether the sshd at `sshdPath` is OpenSSH `major`.`minor` or newer. */
export function versionAtLeast(sshdPath: string, major: number, minor: number): Promise<boolean> {
  // `sshd -V` prints "OpenSSH_9.2, OpenSSL ..." (to stderr) and exits non-zero on older ones.
  return new Promise((resolve) => {
    execFile(sshdPath, ['-V'], (_err, stdout, stderr) => {
      const m = /OpenSSH_(\d+)\.(\d+)/.exec(`${stdout}${stderr}`);
      if (!m) return resolve(false);
      const [maj, min] = [Number(m[1]), Number(m[2])];
      resolve(maj > major || (maj === major && min >= minor));
    });
  });
}
