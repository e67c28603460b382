// Every profile shipped under profiles/examples/ walks a real gateway: the real-OpenSSH
// conformance lab, with only the connect details changed (host, port, user, key, host key).
// A shipped example can never hang again unnoticed.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseDocument } from 'yaml';
import type { EntryName, OpenSshLab } from '../../lab/openssh/sshd.js';
import { closeSession, openSession } from '../../src/navigator/session.js';
import { packagePath } from '../../src/paths.js';
import type { ProfileRegistry } from '../../src/profiles/registry.js';
import { ShellExecutor } from '../../src/shell/executor.js';
import { useOpenSshLab } from '../helpers/openssh.js';
import { loadFromTexts } from '../helpers/profiles.js';

const fx = useOpenSshLab();
const EXAMPLES = packagePath('profiles/examples');

/** The lab entry that plays each example's gateway (a profile with a connect block). */
const ENTRY_OF: Record<string, EntryName> = {
  jumpserver: 'koko',
  'edge-bastion': 'jump',
  'inner-bastion': 'jump',
  'app-server': 'app-shell',
  'select-menu': 'columns',
  'cjk-bastion': 'cjk',
  router: 'netcli',
  'k8s-master': 'master',
};

/** The example files with each connect block pointed at its lab entry. */
function examplesAt(lab: OpenSshLab, entries: Record<string, EntryName> = ENTRY_OF) {
  const texts: Record<string, string> = {};
  for (const file of readdirSync(EXAMPLES).filter((f) => f.endsWith('.yaml'))) {
    const doc = parseDocument(readFileSync(join(EXAMPLES, file), 'utf8'));
    const profiles = doc.toJS().profiles as Record<string, { connect?: Record<string, unknown> }>;
    for (const [name, profile] of Object.entries(profiles)) {
      if (!profile.connect) continue;
      const entry = entries[name];
      if (!entry) throw new Error(`${file}: no lab entry plays "${name}": add it to ENTRY_OF`);
      const { via, keepalive, timeout } = profile.connect;
      doc.setIn(['profiles', name, 'connect'], {
        host: '127.0.0.1',
        port: lab.port,
        user: lab.user,
        private_key: { file: lab.key(entry) },
        host_key: { fingerprint: lab.fingerprint },
        ...(via ? { via } : {}),
        ...(keepalive ? { keepalive } : {}),
        ...(timeout ? { timeout } : {}),
      });
    }
    texts[file] = doc.toString();
  }
  const { registry, errors } = loadFromTexts(texts);
  expect(errors.map((e) => e.message)).toEqual([]);
  return registry;
}

const secrets = (lab: OpenSshLab) => ({
  env: {
    JUMPSERVER_TOTP_SEED: lab.totpSeed,
    APP_SERVER_PASSWORD: 'not-used-by-the-lab',
    ROUTER_ENABLE_SECRET: 'lab',
  },
});

/** Walks, runs one command at the last hop, leaves every hop; returns what the command said. */
async function walkAndRun(registry: ProfileRegistry, name: string, command: string) {
  const session = await openSession(registry.resolve(name), {
    lookup: (n) => registry.resolveVia(n),
    secrets: secrets(fx.lab),
  });
  try {
    return await new ShellExecutor(session, { secrets: secrets(fx.lab) }).execute(command);
  } finally {
    await closeSession(session, { secrets: secrets(fx.lab) });
  }
}

describe('every shipped example walks a real OpenSSH gateway', () => {
  it('covers every example profile', () => {
    const registry = examplesAt(fx.lab);
    expect(registry.openable().sort()).toEqual(
      [
        'app-server',
        'cjk-bastion',
        'jumpserver-db',
        'k8s-master',
        'k8s-pod',
        'k8s-sh-pod',
        'router',
        'router-enable',
        'select-menu',
      ].sort(),
    );
  });

  it('jumpserver-db: no code asked, Opt> waited for once; the asset on page 2 after a wait; leaving answers "Press any key" and quits the menu', async () => {
    const before = fx.lab.events().length;
    const t0 = performance.now();
    const r = await walkAndRun(
      examplesAt(fx.lab),
      'jumpserver-db',
      'id -un >/dev/null; echo "$PS1"',
    );
    expect(r).toMatchObject({ status: 'done', exit_code: 0 });
    expect(r.output).toContain('[dba@db-prod-01');
    const events = fx.lab.events().slice(before);
    expect(events).toEqual(
      expect.arrayContaining([
        'koko: connect db-prod-01 as dba',
        'koko: key pressed',
        'koko: quit',
      ]),
    );
    // Leaving took the menu's own way out, in order: the host, the key, then q.
    const order = ['koko: connect db-prod-01 as dba', 'koko: key pressed', 'koko: quit'];
    expect(order.map((e) => events.indexOf(e))).toEqual(
      [...order.map((e) => events.indexOf(e))].sort((a, b) => a - b),
    );
    expect(performance.now() - t0).toBeLessThan(8000);
  });

  it('jumpserver-db with the one-time code asked first', async () => {
    const before = fx.lab.events().length;
    const registry = examplesAt(fx.lab, { ...ENTRY_OF, jumpserver: 'koko-mfa' });
    const r = await walkAndRun(registry, 'jumpserver-db', 'echo ok');
    expect(r).toMatchObject({ status: 'done', exit_code: 0, output: 'ok\n' });
    expect(fx.lab.events().slice(before)).toEqual(
      expect.arrayContaining(['koko: mfa ok', 'koko: quit']),
    );
  });

  it('app-server: two jumps (via), then the shell', async () => {
    const r = await walkAndRun(examplesAt(fx.lab), 'app-server', 'echo "$HOME" | grep -c app');
    expect(r).toMatchObject({ status: 'done', exit_code: 0, output: '1\n' });
  });

  it('select-menu: the entry in the third column of a bash select menu', async () => {
    const r = await walkAndRun(examplesAt(fx.lab), 'select-menu', 'echo "$PS1"');
    expect(r).toMatchObject({ status: 'done', exit_code: 0 });
    expect(r.output).toContain('[ops@node-17');
  });

  it('cjk-bastion: page 2 of a Chinese menu whose prompt ends in a full-width colon', async () => {
    const r = await walkAndRun(examplesAt(fx.lab), 'cjk-bastion', 'echo "$PS1"');
    expect(r).toMatchObject({ status: 'done', exit_code: 0 });
    expect(r.output).toMatch(/\[ops@cjk-\d/);
  });

  it('router and router-enable: a CLI with no shell, paging turned off', async () => {
    const registry = examplesAt(fx.lab);
    const user = await walkAndRun(registry, 'router', 'show version');
    expect(user).toMatchObject({ status: 'done', exit_code: null });
    expect(user.output).toMatch(/IOS|Version/);
    const before = fx.lab.events().length;
    const enable = await walkAndRun(registry, 'router-enable', 'show running-config');
    expect(enable).toMatchObject({ status: 'done', exit_code: null });
    expect(enable.output).not.toContain('--More--');
    expect(enable.output.split('\n').length).toBeGreaterThan(50);
    expect(fx.lab.events().slice(before)).toContain('netcli: exit');
  });

  it.each([
    ['k8s-master', /\/home\/master\n$/],
    ['k8s-pod', /\/pods\/bash-pod\n$/],
    ['k8s-sh-pod', /\/pods\/ash-pod\n$/],
  ])('%s', async (name, where) => {
    const r = await walkAndRun(examplesAt(fx.lab), name, 'pwd');
    expect(r).toMatchObject({ status: 'done', exit_code: 0 });
    expect(r.output).toMatch(where);
  });
});
