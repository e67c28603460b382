import { findProgram, OPENSSH_LAB_PROGRAMS } from '../lab/openssh/sshd.js';

/**
 * Runs once before the suite: the lab tests need a few programs from the system. Say which are
 * missing and how to get them, instead of failing later with a confusing timeout (or skipping).
 * Programs are looked for on PATH and in the sbin folders (sshd is /usr/sbin/sshd, and a
 * non-root PATH often lacks /usr/sbin).
 */
export default function checkPrerequisites(): void {
  const programs: [string, string][] = [
    ['bash', 'bash'],
    ['busybox', 'busybox'],
    ['ssh', 'openssh-client'],
    ['ssh-keygen', 'openssh-client'],
    ['ssh-agent', 'openssh-client'],
    ['ssh-add', 'openssh-client'],
    ['chromium', 'chromium'],
    // The real-OpenSSH conformance lab (lab/openssh): sshd and the shells it serves.
    ...OPENSSH_LAB_PROGRAMS,
  ];
  const missing = programs.filter(([program]) => findProgram(program) === undefined);
  if (missing.length > 0) {
    const packages = [...new Set(missing.map(([, pkg]) => pkg))].join(' ');
    const sudo = process.getuid?.() === 0 ? '' : 'sudo ';
    throw new Error(
      `the tests need ${[...new Set(missing.map(([p]) => p))].join(', ')}: install them with ` +
        `\`${sudo}apt-get install -y ${packages}\` (or run .ci/run, which does it)`,
    );
  }
}
