import { execFileSync } from 'node:child_process';

/**
 * Runs once before the suite: the lab tests need a few programs from the system. Say which are
 * missing and how to get them, instead of failing later with a confusing timeout.
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
  ];
  const missing = programs.filter(([program]) => {
    try {
      execFileSync('sh', ['-c', `command -v ${program}`], { stdio: 'ignore' });
      return false;
    } catch {
      return true;
    }
  });
  if (missing.length > 0) {
    const packages = [...new Set(missing.map(([, pkg]) => pkg))].join(' ');
    throw new Error(
      `the tests need ${missing.map(([p]) => p).join(', ')}: install them with ` +
        `\`sudo apt-get install -y ${packages}\` (or run .ci/run, which does it)`,
    );
  }
}
