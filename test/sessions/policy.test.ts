import { describe, expect, it } from 'vitest';
import { checkCommand, checkWrite } from '../../src/sessions/policy.js';

const READ_ONLY = { readOnly: true, deny: [] };
const OPEN = { readOnly: false, deny: [] };

// Commands a read-only profile lets through: reading, and text that only looks like a write.
const ALLOWED: string[] = [
  'ls -la /var/log',
  'cat /etc/hosts | grep -v "^#" | sort | uniq -c',
  "echo 'a > b'",
  'echo "a >> b; rm -rf /"',
  'grep "rm -rf" deploy.sh',
  "grep -r 'kubectl delete' .",
  'echo rm',
  'find / -name core 2>/dev/null',
  'tail -20 build.log 2>&1 | grep -v DEBUG',
  'journalctl -u nginx >/dev/null 2>&1',
  'ls &>/dev/null',
  'ls 1>&2',
  'kubectl get pods -n orders -o wide',
  'kubectl -n orders logs deploy/orders-api --tail=100',
  'kubectl rollout status deploy/orders-api',
  "sed -n '1,20p' /etc/passwd",
  "sed -e 's/i/x/' notes.txt",
  'git log --oneline -5',
  'git -C /srv/app status',
  'systemctl status nginx',
  'sudo systemctl status nginx',
  'service nginx status',
  'docker ps -a',
  'docker container ls',
  'helm list -A',
  'apt list --installed',
  'pip list',
  'npm ls',
  'crontab -l',
  'crontab -u app -l',
  'psql -c "SELECT * FROM orders LIMIT 5"',
  'command -v rm',
  'cat access.log | tee',
  'cat <<EOF\nrm -rf /\nEOF',
  'ls # rm -rf /',
  'echo $((1 > 0))',
  'diff <(ls a) <(ls b)',
  'wc -l < input.txt',
];

// Commands it refuses, and what the refusal names.
const REFUSED: [string, string][] = [
  ['rm -rf /tmp/x', '`rm`'],
  ['/bin/rm file', '`rm`'],
  ['\\rm file', '`rm`'],
  ['sudo rm -rf /var/cache/app', '`rm`'],
  ['sudo -u app mv a b', '`mv`'],
  ['env LANG=C TZ=UTC cp a b', '`cp`'],
  ['LANG=C nice rm x &', '`rm`'],
  // read_only is an allow-list: a command it does not know is refused, whatever it does.
  ['make check', '`make`'],
  ["perl -ne 'print if /i/' notes.txt", '`perl`'],
  ['FOO=bar ls', '`FOO=`'],
  ['time truncate -s 0 app.log', '`truncate`'],
  ['ls; rm x', '`rm`'],
  ['ls && chmod 777 /srv', '`chmod`'],
  ['false || touch /tmp/flag', '`touch`'],
  ['cat list | xargs rm', '`rm`'],
  ['ls\nmkdir /srv/new', '`mkdir`'],
  ['echo $(rm -rf /tmp/x)', '`rm`'],
  ['echo "$(rm -rf /tmp/x)"', '`rm`'],
  ['echo `kill -9 1`', '`kill`'],
  ['echo hi > out.txt', '`> out.txt`'],
  ['echo hi >> /var/log/app.log', '`>> /var/log/app.log`'],
  ['make 2> errors.log', '`2> errors.log`'],
  ['make &> build.log', '`&> build.log`'],
  ['cat a >"b c"', '`> b c`'],
  ['ps aux | tee ps.txt', '`tee`'],
  ['mkfs.ext4 /dev/sdb1', '`mkfs.ext4`'],
  ['dd if=/dev/zero of=/dev/sda', '`dd`'],
  ['kubectl delete pod orders-api-1', '`kubectl delete`'],
  ['kubectl -n orders scale deploy/orders-api --replicas=0', '`kubectl scale`'],
  ['kubectl exec -it pod -- sh', '`kubectl exec`'],
  ['kubectl rollout restart deploy/orders-api', '`kubectl rollout restart`'],
  ["sed -i 's/a/b/' config.yaml", '`sed -i`'],
  ["sed -i.bak 's/a/b/' config.yaml", '`sed -i`'],
  ["sed -ne 's/a/b/p' -i f", '`sed -i`'],
  ["perl -pi -e 's/a/b/' f", '`perl`'],
  ['git push origin main', '`git push`'],
  ['git -C /srv/app reset --hard HEAD~1', '`git reset`'],
  ['systemctl restart nginx', '`systemctl restart`'],
  ['sudo systemctl --no-pager stop nginx', '`systemctl stop`'],
  ['service nginx restart', '`service`'],
  ['docker rm -f web', '`docker rm`'],
  ['podman exec -it web sh', '`podman exec`'],
  ['docker container stop web', '`docker stop`'],
  ['helm upgrade orders ./chart', '`helm upgrade`'],
  ['apt-get install -y curl', '`apt-get install`'],
  ['pip install requests', '`pip install`'],
  ['npm install', '`npm install`'],
  ['npm ci', '`npm ci`'],
  ['crontab -r', '`crontab -r`'],
  ['crontab jobs.txt', '`crontab jobs.txt`'],
  ['psql -c "delete from orders where id = 1"', '`psql DELETE`'],
  ["mysql -e 'DROP TABLE orders'", '`mysql DROP`'],
  ["bash -c 'rm -rf /tmp/x'", '`rm`'],
  ["sh -lc 'echo hi > /tmp/x'", '`> /tmp/x`'],
  ['find /tmp -name "*.tmp" -delete', '`find -delete`'],
  ['find /tmp -name x -exec rm {} \\;', '`rm`'],
  ['busybox rm x', '`rm`'],
  ['if true; then rm x; fi', '`rm`'],
  ['cat <<EOF > script.sh\nls\nEOF', '`> script.sh`'],
];

describe('checkCommand under read_only', () => {
  it.each(ALLOWED)('lets through %j', (command) => {
    expect(checkCommand(READ_ONLY, command, 'prod')).toBeNull();
  });

  it.each(REFUSED)('refuses %j', (command, named) => {
    const refusal = checkCommand(READ_ONLY, command, 'prod');
    expect(refusal).toMatchObject({ rule: 'read_only' });
    expect(refusal?.pattern).toBeUndefined();
    expect(refusal?.message).toContain(named);
  });

  it('says which profile, why, and what to do instead', () => {
    expect(checkCommand(READ_ONLY, 'rm -rf /tmp/x', 'orders-pod')?.message).toBe(
      'profile "orders-pod" is read-only: `rm` modifies the remote; ask a person or use a profile without read_only',
    );
    expect(checkCommand(READ_ONLY, 'echo x > f', 'orders-pod')?.message).toBe(
      'profile "orders-pod" is read-only: `> f` writes a file on the remote; ask a person or use a profile without read_only',
    );
  });

  it('lets everything through when the profile is not read-only', () => {
    for (const [command] of REFUSED) expect(checkCommand(OPEN, command, 'dev')).toBeNull();
  });
});

describe('checkCommand with deny patterns', () => {
  const policy = { readOnly: false, deny: [String.raw`\brm\s+-rf\b`, '^shutdown'] };

  it.each([
    ['rm -rf /srv', String.raw`\brm\s+-rf\b`],
    ['cd /srv && rm -rf build', String.raw`\brm\s+-rf\b`],
    ['shutdown -h now', '^shutdown'],
    // Deny patterns see the text as typed, quotes and all: they are the author's own rule.
    ['grep "rm -rf" deploy.sh', String.raw`\brm\s+-rf\b`],
  ])('refuses %j (matches %s)', (command, pattern) => {
    expect(checkCommand(policy, command, 'prod')).toEqual({
      rule: 'deny',
      pattern,
      message: `profile "prod" refuses this command: it matches /${pattern}/ in the profile's policy.deny; ask a person to run it, or use a profile whose policy allows it`,
    });
  });

  it.each(['rm -r build', 'sudo shutdown -h now', 'ls /srv', 'echo shutdown'])(
    'lets through %j',
    (command) => {
      expect(checkCommand(policy, command, 'prod')).toBeNull();
    },
  );

  it('matches without flags: case counts, ^ is the start of the whole text', () => {
    expect(checkCommand({ readOnly: false, deny: ['^drop'] }, 'DROP', 'p')).toBeNull();
    expect(checkCommand({ readOnly: false, deny: ['^shutdown'] }, 'ls\nshutdown', 'p')).toBeNull();
  });

  it('checks deny before read_only, and refuses all when a pattern does not compile', () => {
    const both = { readOnly: true, deny: ['^rm '] };
    expect(checkCommand(both, 'rm x', 'p')?.rule).toBe('deny');
    expect(checkCommand(both, 'mv a b', 'p')?.rule).toBe('read_only');
    expect(checkCommand({ readOnly: false, deny: ['('] }, 'ls', 'p')).toMatchObject({
      rule: 'deny',
      pattern: '(',
    });
  });
});

describe('checkWrite', () => {
  it('refuses write_file and uploads under read_only only', () => {
    expect(checkWrite(READ_ONLY, 'prod', 'write_file /etc/app.conf')).toEqual({
      rule: 'read_only',
      message:
        'profile "prod" is read-only: write_file /etc/app.conf writes to the remote; ask a person or use a profile without read_only',
    });
    expect(checkWrite(OPEN, 'dev', 'upload app.tgz')).toBeNull();
    expect(checkWrite({ readOnly: false, deny: ['.'] }, 'dev', 'upload app.tgz')).toBeNull();
  });
});
