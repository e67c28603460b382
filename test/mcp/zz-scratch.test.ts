import { mkdtempSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { it } from 'vitest';
import { labOnFreePort } from '../helpers/lab.js';
import { connectClient } from './helpers.js';

it('scratch', async () => {
  const lab = await labOnFreePort();
  const dir = mkdtempSync(join(tmpdir(), 'scr-'));
  writeFileSync(join(dir, 'a.yaml'), `version: 1
profiles:
  m:
    connect: { host: 127.0.0.1, port: ${lab.port}, user: ops, password: { env: LAB_PW }, host_key: { fingerprint: '${lab.fingerprint}' } }
    timeout: 5s
    hops:
      - name: menu
        prompt: 'Target IP: $'
        exit: q
      - name: master
        steps:
          - send_text: master-a
          - wait_for: 'User number: $'
          - send_text: root
        prompt: '\\[\\S+@\\S+ [^\\]]*\\][#$] $'
        shell: posix
        exit: exit
        on:
          - { match: '\\[sudo\\] password for \\S+: $', send_secret: { env: LAB_SUDO } }
`);
  const c = await connectClient({ profileDirs: [dir], connect: { secrets: { env: { LAB_PW: 'lab', LAB_SUDO: 'Sudo-xyz-1' } } } });
  const { session_id } = await c.ok<{ session_id: string }>('open_session', { profile: 'm' });
  const r = await c.call('execute_command', { session_id, command: 'read -s -p "[sudo] password for ops: " p; echo; echo "sudo-len ${#p}"', timeout_s: 3 });
  console.log(JSON.stringify(r.structuredContent));
  console.log((await c.ok<{screen: string}>('get_screen', { session_id })).screen.split('\n').slice(-6).join('\n'));
  const closed = await c.ok<{ transcript: string }>('close_session', { session_id });
  console.log(readFileSync(closed.transcript, 'utf8').split('\n').slice(-15).join('\n'));
  await c.close();
  await lab.close();
}, 30000);
