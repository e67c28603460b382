// read_only as an allow-list (issue 13, finding 6): the bypasses a red-team pass got through the
// old deny-list are refused, the documented classes still are, reads still pass; and through
// the real MCP client against the lab, typed input is checked as the line the shell would run
// and refused bypasses leave the remote as it was.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Lab } from '../../lab/server.js';
import { packagePath } from '../../src/paths.js';
import { checkCommand } from '../../src/sessions/policy.js';
import { sedScript } from '../../src/sessions/read-only-commands.js';
import { labOnFreePort } from '../helpers/lab.js';
import { connectClient, type Connected } from '../mcp/helpers.js';

const READ_ONLY = { readOnly: true, deny: [] };
const refusal = (command: string, typed = false) =>
  checkCommand(READ_ONLY, command, 'prod', typed)?.message ?? null;

// The attempts that changed the remote, outside and inside the classes the README admitted.
const BYPASSES: string[] = [
  // Commands the old list did not know.
  'unlink /tmp/x',
  'setsid rm /tmp/x',
  'gzip app.log',
  'gunzip app.log.gz',
  'bzip2 app.log',
  'xz app.log',
  "sed -n 'w /tmp/copy' app.log",
  "sed 's/a/b/w /tmp/out' app.log",
  "sed '1e touch /tmp/x' app.log",
  "sed -n '1W /tmp/x' app.log",
  'sed -f script.sed app.log',
  'curl -o /tmp/x http://example.com/',
  'curl -sSLo /tmp/x http://example.com/',
  'curl --output=/tmp/x http://example.com/',
  'curl -O http://example.com/x',
  'curl -X DELETE http://api/orders/1',
  'curl -d x=1 http://api/orders',
  'curl -T file http://api/up',
  'wget http://example.com/x',
  'wget -O /tmp/x http://example.com/x',
  "env -S 'rm /tmp/x'",
  "env --split-string='rm /tmp/x'",
  'nohup ls',
  'python3 -c "import os; os.remove(\'x\')"',
  "perl -e 'unlink q(x)'",
  'awk \'BEGIN { system("rm x") }\'',
  'awk \'{ print > "/tmp/out" }\' app.log',
  'awk \'{ print | "sh" }\' app.log',
  'awk -f prog.awk app.log',
  "gawk -i inplace '{ print }' app.log",
  'sort -o app.log app.log',
  'sort --output=x app.log',
  'uniq in.txt out.txt',
  'tee /tmp/x',
  'find / -fprint /tmp/list',
  'find . -name x -delete',
  'find . -exec sed -i s/a/b/ {} +',
  'find . -name x -ok rm {} \\;',
  'git -c alias.x=!rm x',
  'git log --output=/tmp/x',
  'git branch -D main',
  'git tag v9',
  'git config user.name x',
  'git stash',
  'kubectl apply -f x.yaml',
  'kubectl cordon node-1',
  'kubectl config use-context prod',
  'kubectl port-forward svc/x 8080',
  'docker exec web ls',
  'date -s 2020-01-01',
  'date 010100002020',
  'hostname evil',
  'sysctl -w net.ipv4.ip_forward=1',
  'sysctl net.ipv4.ip_forward=1',
  'dmesg -C',
  'journalctl --vacuum-size=1M',
  'ip link set eth0 down',
  'ip netns exec x rm f',
  'ss -K dst 10.0.0.1',
  'top',
  'less /var/log/app.log',
  'vi /etc/hosts',
  'man ls',
  'tar -xzf app.tgz',
  'tar cf x.tar /etc',
  'crontab -e',
  'history -c',
  'read -n 4 a',
  'xargs sed -i s/a/b/ < files',
  'xargs -o vi',
  'sudo -i',
  'sudo -s',
  'bash',
  'sh script.sh',
  'source ./script.sh',
  '. ./script.sh',
  'eval "rm x"',
  'exec rm x',
  'alias ls=rm',
  'export PROMPT_COMMAND="rm x"',
  'PS1="$(rm x)"',
  'PROMPT_COMMAND="touch /tmp/x"',
  'PATH=/tmp/evil:$PATH',
  'LD_PRELOAD=/tmp/x.so ls',
  'ls() { touch x; }',
  './ls',
  '/tmp/ls',
  'psql',
  'psql -f drop.sql',
  "psql -c 'select 1; drop table x'",
  "psql -c 'SELECT nextval(1)'",
  "psql -c '\\! rm x'",
  "mysql -e 'system rm x'",
  'mysql < drop.sql',
  'case x in x) rm y;; esac',
  // Tokenizer misreads: a command name the shell would build.
  'rm${IFS}/tmp/x',
  "$'\\x72\\x6d' /tmp/x",
  "$'rm' /tmp/x",
  '{rm,/tmp/x}',
  '/bin/r[m] /tmp/x',
  '/bin/r? /tmp/x',
  'r* /tmp/x',
  '$(echo rm) /tmp/x',
  '`echo rm` /tmp/x',
  '${CMD} /tmp/x',
  '$CMD /tmp/x',
  '~/bin/tool',
  'find . $(echo -delete)',
  'find . ${X}',
  'sed $S app.log',
  'sudo $CMD',
  'a=rm; $a x',
  '!!',
  '!!:1-2',
  '!-2',
  'echo !$',
  '^ls^rm',
  'cat "!rm"',
  // The documented classes.
  'rm -rf /tmp/x',
  'sudo rm x',
  'ls; rm x',
  'ls && mv a b',
  'ls | xargs rm',
  'echo $(rm x)',
  'echo hi > f',
  'echo hi >> f',
  'ls 2> err',
  'kubectl delete pod x',
  'git push',
  'systemctl restart nginx',
  'docker rm web',
  'helm upgrade x ./chart',
  'apt-get install curl',
  "sed -i 's/a/b/' f",
  'chmod 777 /srv',
  "bash -c 'rm x'",
  'psql -c "DELETE FROM orders"',
];

// Reads that must still pass.
const READS: string[] = [
  'ls -la /var/log',
  'cat /etc/hosts',
  'grep -r ERROR /var/log/app',
  'grep -rn "rm -rf" .',
  'tail -f /var/log/app.log',
  'tail -n 100 app.log | grep -v DEBUG | sort | uniq -c | sort -rn | head',
  'ps aux',
  'ps -ef | grep [n]ginx',
  'df -h',
  'du -sh /var/log/*',
  'free -m',
  'uptime',
  'kubectl get pods -n orders -o wide',
  'kubectl describe pod orders-api-1',
  'kubectl logs deploy/orders-api --tail=100 -f',
  'kubectl -n orders get events',
  'kubectl rollout status deploy/orders-api',
  'git log --oneline -5',
  'git status',
  'git diff HEAD~1',
  'git -C /srv/app show HEAD --stat',
  'git branch -a',
  'git config --get user.name',
  'journalctl -u nginx --since "1 hour ago" --no-pager',
  'find /var/log -name "*.log" -mtime -1',
  'find . -type f -size +10M -exec ls -la {} +',
  "awk '{print $1}' access.log | sort | uniq -c",
  "awk -F: '$3 > 1000 {print $1}' /etc/passwd",
  "sed -n '1,20p' /etc/passwd",
  "sed -e 's/a/b/g' -e '/x/d' notes.txt",
  "sed '/^#/d;s/ *$//' conf",
  'cat access.log | grep 500 | wc -l',
  'echo $HOME',
  'ls $HOME/*.log',
  'echo "$(date +%F)"',
  'tail /var/log/app-$(date +%F).log',
  'systemctl status nginx',
  'sudo journalctl -n 50',
  'sudo -u app cat /srv/app/config.yaml',
  'LANG=C sort file',
  'env',
  'env LC_ALL=C ls',
  'timeout 5 tail -f app.log',
  'nice -n 10 du -sh /',
  'command -v kubectl',
  'which python3',
  'for f in *.log; do wc -l $f; done',
  'if [ -f /etc/os-release ]; then cat /etc/os-release; fi',
  'while read l; do echo "$l"; done < list.txt',
  'ls | xargs grep -l ERROR',
  'ls /nope 2>/dev/null || echo missing',
  'ls >/dev/null 2>&1',
  'cat <<EOF\nhello\nEOF',
  'curl -s http://localhost:8080/health',
  'curl -sSL -H "Accept: application/json" http://api/orders',
  'curl -I https://example.com/',
  'wget -qO- http://localhost/health',
  'ip addr show',
  'ip -br a',
  'ip route get 1.1.1.1',
  'ss -tulpn',
  'netstat -tlnp',
  'top -b -n 1 | head -20',
  'docker ps -a',
  'docker logs --tail 50 web',
  'helm list -A',
  'psql -c "SELECT count(*) FROM orders"',
  'psql -c "\\dt"',
  'tar -tzf backup.tgz',
  'gzip -dc app.log.gz | tail',
  'zcat app.log.gz | grep ERROR',
  'date +%s',
  'hostname -f',
  'stat /etc/passwd',
  'crontab -l',
  'id; whoami; uname -a',
  "bash -c 'ls | wc -l'",
  '! grep -q x file',
  "echo 'hi!'",
  'a=1',
  'cd /var/log && ls',
  'read -r -p "go? " a',
];

describe('read_only refuses the bypasses', () => {
  it.each(BYPASSES)('refuses %j', (command) => {
    expect(refusal(command)).toMatch(/^profile "prod" is read-only: /);
  });

  it.each(READS)('lets %j through', (command) => {
    expect(refusal(command)).toBeNull();
  });

  it('says why, in terms the agent can act on', () => {
    expect(refusal('unlink /tmp/x')).toBe(
      'profile "prod" is read-only: `unlink` modifies the remote; ask a person or use a profile without read_only',
    );
    expect(refusal('shred2 x')).toMatch(/`shred2` is not on its list of read-only commands/);
    expect(refusal('rm${IFS}/tmp/x')).toMatch(/is built by the shell .*write the command out/);
    expect(refusal('!!:1-2')).toMatch(/history.*single quotes/);
    expect(refusal("sed -n 'w /tmp/copy' f")).toContain('`sed w`');
    expect(refusal('curl -sSLo /tmp/x http://h/')).toContain('`curl -o`');
    expect(refusal('find . $(echo -delete)')).toMatch(/`find`: the shell expands this argument/);
    expect(refusal('PATH=/tmp:$PATH')).toMatch(/`PATH=` sets a variable/);
    expect(refusal('less f')).toMatch(/`less` is interactive/);
  });

  it('refuses typed lines the shell would continue', () => {
    for (const line of ["echo '", 'ls \\', 'ls |', 'ls &&', 'cat <<EOF', 'if true; then ls', '(ls'])
      expect(refusal(line, true)).toMatch(/not a whole command/);
    expect(refusal('ls -la', true)).toBeNull();
    // Through execute_command a command is one whole eval: a here document is fine there.
    expect(refusal('cat <<EOF\nhi\nEOF')).toBeNull();
  });

  it('reads sed scripts command by command', () => {
    expect(sedScript('1,20p')).toBeNull();
    expect(sedScript('s/a/b/gI;/x/d;$!N')).toBeNull();
    expect(sedScript('s|/a|/b|g')).toBeNull();
    expect(sedScript('s/a/b/w out')).toBe('s///w');
    expect(sedScript('/x/w out')).toBe('w');
    expect(sedScript('1e date')).toBe('e');
  });
});

interface Result {
  status: string;
  command_id: string;
  exit_code: number | null;
  output: string;
}

describe('read_only through the tools, against the lab', () => {
  let lab: Lab;
  let dir: string;
  let c: Connected;
  let sid: string;

  beforeAll(async () => {
    lab = await labOnFreePort();
    dir = mkdtempSync(join(tmpdir(), 'gatewalk-ro-'));
    writeFileSync(
      join(dir, 'ro.yaml'),
      'version: 1\nprofiles:\n  pod-ro:\n    description: read only\n    extends: orders-pod\n    policy: { read_only: true }\n',
    );
    c = await connectClient({ profileDirs: [packagePath('profiles'), dir] });
    ({ session_id: sid } = await c.ok<{ session_id: string }>('open_session', {
      profile: 'pod-ro',
      params: { lab_port: lab.port },
    }));
  });

  afterAll(async () => {
    await c?.close();
    await lab?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const run = (command: string) => c.ok<Result>('execute_command', { session_id: sid, command });
  const exists = async (path: string) =>
    (await run(`test -e ${path} && echo yes || echo no`)).output.trim();
  const log = 'var/log/app/app.log';

  it('refuses bypasses: the file stays, nothing is created', async () => {
    expect(await exists(log)).toBe('yes');
    for (const command of [
      `rm\${IFS}${log}`,
      `$'\\x72\\x6d' ${log}`,
      `{rm,${log}}`,
      `/bin/r[m] ${log}`,
      `unlink ${log}`,
      `gzip ${log}`,
      `sed -n 'w made.txt' ${log}`,
      `env -S 'touch made.txt'`,
      'setsid touch made.txt',
    ]) {
      expect(await c.fails('execute_command', { session_id: sid, command })).toMatch(
        /read-only: .*\[policy_refused\]/,
      );
    }
    expect(await exists(log)).toBe('yes');
    expect(await exists('made.txt')).toBe('no');
  });

  it('checks typed input as the line the shell would run', async () => {
    const key = (keys: string[]) => c.call('send_keys', { session_id: sid, keys });
    // Pieces typed without Enter, then Enter alone: the whole line is checked.
    await c.ok('send_text', { session_id: sid, text: 'touch', enter: false });
    await c.ok('send_text', { session_id: sid, text: ' made.txt', enter: false });
    expect(await c.fails('send_text', { session_id: sid, text: '' })).toContain('`touch`');
    expect(await c.fails('send_keys', { session_id: sid, keys: ['enter'] })).toContain('`touch`');
    // The text left on the line would join the next command: refused until cleared.
    expect(await c.fails('execute_command', { session_id: sid, command: 'ls' })).toMatch(
      /still on the shell's line \("touch made\.txt"\).*ctrl-c/,
    );
    // Keys that run or recall a line are refused: Ctrl-O (operate-and-get-next), up, tab.
    for (const k of ['\x0f', 'up', 'tab', 'esc', '\x12']) {
      const r = await key([k]);
      expect(r.isError, `key ${JSON.stringify(k)}`).toBe(true);
    }
    // The interrupt tool clears the line too: Ctrl-C, then Ctrl-U, since a Ctrl-C can leave
    // part of what was typed just before it on the line. The next command is not refused.
    await c.ok('interrupt', { session_id: sid });
    const { events } = await c.ok<{ events: { type: string; data?: string }[] }>('get_transcript', {
      session_id: sid,
      tail: 5,
    });
    expect(events.some((e) => e.type === 'send' && e.data === '\x03\x15')).toBe(true);
    expect((await run('echo cleared')).output).toBe('cleared\n');
    await c.ok('send_text', { session_id: sid, text: 'touch made.txt', enter: false });
    await c.ok('send_keys', { session_id: sid, keys: ['ctrl-c'] });
    // History expansion, typed.
    expect(await c.fails('send_text', { session_id: sid, text: '!!:1-2' })).toMatch(/history/);
    // A line split over an open quote: each Enter must end a whole command.
    expect(await c.fails('send_text', { session_id: sid, text: "echo '" })).toMatch(
      /not a whole command/,
    );
    // A long line that wraps on screen is still the one line.
    const long = `${'a'.repeat(300)}=1; touch made.txt`;
    expect(await c.fails('send_text', { session_id: sid, text: long })).toContain('`touch`');
    // Reads typed at the prompt still work, and the session is usable.
    await c.ok('send_keys', { session_id: sid, keys: ['ctrl-c'] });
    await c.ok('send_text', { session_id: sid, text: 'ls var/log/app', wait_for: 'app\\.log' });
    expect(await exists('made.txt')).toBe('no');
    expect(await exists(log)).toBe('yes');
  });

  it('caps send_text and send_keys arguments', async () => {
    const big = await c.call('send_text', { session_id: sid, text: 'x'.repeat(64 * 1024 + 1) });
    expect(big.isError).toBe(true);
    const keys = await c.call('send_keys', { session_id: sid, keys: ['x'.repeat(4097)] });
    expect(keys.isError).toBe(true);
  });
});
