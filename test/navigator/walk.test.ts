import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFreezableProxy } from '../../lab/proxy.js';
import type { Lab } from '../../lab/server.js';
import { openSession, switchTarget, closeSession } from '../../src/navigator/session.js';
import { WalkError } from '../../src/navigator/walk.js';
import { labOnFreePort, pagedLab } from '../helpers/lab.js';
import { atLab, labConnect, profilesFrom, shipped, withSession } from '../helpers/nav.js';

let lab: Lab;
let open: ReturnType<typeof atLab>;
beforeAll(async () => {
  lab = await labOnFreePort();
  open = atLab(shipped, lab);
});
afterAll(() => lab.close());

const options = () => ({ lookup: (n: string) => open(n) });

describe('walking the lab profiles', () => {
  it.each([
    ['cmsm', ['menu'], 'Target IP: '],
    ['master-a', ['menu', 'master'], '[root@master-a ~]# '],
    ['orders-pod', ['menu', 'master', 'pod'], '[pod:orders/orders-api-7d9d65f8b4-2plxq ~]$ '],
    [
      'payments-api-pod',
      ['menu', 'master', 'pod'],
      '[pod:payments/payments-api-6cc447f559-k8mvp ~]$ ',
    ],
    ['alpine-pod', ['menu', 'master', 'pod'], '/ # '],
  ])('%s reaches its prompt', async (name, hops, prompt) => {
    await withSession(open(name), options(), async (s) => {
      expect(s.walk.hops.map((h) => h.name)).toEqual(hops);
      for (const h of s.walk.hops) expect(h.ms).toBeGreaterThanOrEqual(0);
      expect(s.walk.trace.at(-1)?.state).toBe('ready');
      const screen = s.pty.screen.snapshot();
      expect(screen.lines[screen.cursor.row]?.trimEnd()).toBe(prompt.trimEnd());
    });
  });

  it('fails on an unknown pod with the hop, step, patterns and screen', async () => {
    const err = await openSession(open('orders-pod', { pod: 'nope' }), options()).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(WalkError);
    const message = (err as WalkError).message;
    expect(message).toMatch(
      /^profile "orders-pod", hop "pod" \(3\/3\), step 2 \(wait_for\) at .*lab\.yaml:\d+:\d+: no pod nope in namespace orders\n/,
    );
    expect(message).toContain(
      'waiting for: /Connected to pod / or /Error from server \\(NotFound\\)/ or /unable to upgrade connection/',
    );
    expect(message).toContain('matched: /Error from server \\(NotFound\\)/');
    expect(message).toMatch(/\nafter \d+ ms\nscreen:\n/);
    expect(message).toContain('  | Error from server (NotFound): pods "nope" not found');
  });

  it('refuses to move to a profile that connects differently', async () => {
    const s = await openSession(open('orders-pod'), options());
    try {
      const other = {
        ...open('payments-api-pod'),
        connect: { ...open('payments-api-pod').connect, user: 'someone' },
      };
      await expect(switchTarget(s, other)).rejects.toThrow('connect differently');
    } finally {
      await closeSession(s);
    }
  });

  it('moves between two pods on one connection', async () => {
    const s = await openSession(open('orders-pod'), options());
    try {
      const logins = lab.connections();
      const moved = await switchTarget(s, open('payments-api-pod'));
      expect(moved.walk.hops.map((h) => h.name)).toEqual(['pod']);
      expect(moved.connection).toBe(s.connection);
      expect(lab.connections()).toBe(logins);
      expect(moved.pty.screen.text()).toMatch(
        /\[pod:payments\/payments-api-6cc447f559-k8mvp ~\]\$ $/,
      );
      expect(moved.pty.screen.text()).toContain('[root@master-a ~]# kubectl exec -it payments-api');
      await closeSession(moved);
    } finally {
      s.connection.close();
    }
  });
});

describe('walking a gateway that misbehaves', () => {
  it('walks identically with ANSI-coloured menus and 1-byte chunks', async () => {
    const slow = await labOnFreePort({ faults: { colors: true, chunk: { bytes: 1, delayMs: 0 } } });
    try {
      const at = atLab(shipped, slow);
      await withSession(at('orders-pod'), { lookup: (n) => at(n) }, async (s) => {
        expect(s.walk.hops.map((h) => h.name)).toEqual(['menu', 'master', 'pod']);
        expect(s.pty.screen.text()).toMatch(/\[pod:orders\/orders-api-7d9d65f8b4-2plxq ~\]\$ $/);
      });
    } finally {
      await slow.close();
    }
  });

  it('answers an OTP prompt with a handler', async () => {
    const seed = 'JBSWY3DPEHPK3PXP';
    const otp = await labOnFreePort({ faults: { otp: { seed, attempts: 1 } } });
    try {
      const registry = profilesFrom(`  otp-menu:
    connect: ${labConnect(otp)}
    timeout: 5s
    on: [{ match: 'Verification code: $', send_secret: { totp: { env: LAB_SEED } } }]
    hops: [{ name: menu, prompt: 'Target IP: $' }]
`);
      const secrets = { env: { LAB_SEED: seed } };
      await withSession(
        registry.resolve('otp-menu'),
        { lookup: (n) => registry.resolve(n), secrets },
        async (s) => {
          const screen = s.pty.screen.text();
          // Only the right code passes the gate (one attempt): reaching the menu proves it.
          expect(screen).toMatch(/CMSM Simulator[\s\S]*Target IP: $/);
        },
      );
    } finally {
      await otp.close();
    }
  });

  it('selects a menu entry by its label across pages', async () => {
    const paged = await pagedLab('prompt');
    const registry = profilesFrom(`  pick:
    params: { host: { default: host-9 } }
    connect: ${labConnect(paged)}
    timeout: 3s
    hops:
      - name: menu
        prompt: 'Target IP: $'
      - name: target
        steps:
          - send_text: ''
          - select:
              line: '^(?<key>\\d+)  (?<ip>\\S+)  (?<label>\\S+)  '
              item: '^\${host}$'
              send: '\${key}'
              next_page: { send_text: n }
              max_pages: 3
        prompt: 'User number: $'
`);
    try {
      await withSession(
        registry.resolve('pick'),
        { lookup: (n) => registry.resolve(n) },
        async (s) => {
          expect(s.pty.screen.text()).toContain('Host: host-9 (10.0.0.10)');
        },
      );
      const err = await openSession(registry.resolve('pick', { host: 'host-99' }), {
        lookup: (n) => registry.resolve(n),
      }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(WalkError);
      expect((err as WalkError).message).toContain('step 2 (select)');
      expect((err as WalkError).message).toContain(
        'no entry matching /^host-99$/: none in 3 page(s) (max_pages); entries seen: host-0 | host-1 | host-2 | host-3 | host-4 | host-5 | host-6 | host-7 | host-8 | host-9 | host-10 | host-11 (did you mean "host-9"?)',
      );
    } finally {
      await paged.close();
    }
  });

  it('selects across pages identically with 1-byte chunks', async () => {
    const paged = await pagedLab('prompt');
    const slow = await labOnFreePort({
      scenario: {
        ...paged.scenario,
        faults: { ...paged.scenario.faults, chunk: { bytes: 1, delayMs: 0 } },
      },
    });
    await paged.close();
    const registry = profilesFrom(`  pick:
    connect: ${labConnect(slow)}
    timeout: 5s
    hops:
      - name: menu
        prompt: 'Target IP: $'
      - name: target
        steps:
          - send_text: ''
          - select: { line: '^(?<key>\\d+)  (?<ip>\\S+)  (?<label>\\S+)  ', item: '^host-11$', send: '\${key}', next_page: { send_text: n }, max_pages: 3 }
        prompt: 'User number: $'
`);
    try {
      await withSession(
        registry.resolve('pick'),
        { lookup: (n) => registry.resolve(n) },
        async (s) => {
          expect(s.pty.screen.text()).toContain('Host: host-11 (10.0.0.12)');
        },
      );
    } finally {
      await slow.close();
    }
  });

  it('times out on a silent gateway and shows the screen', async () => {
    const proxy = await startFreezableProxy(lab.port);
    try {
      const registry = profilesFrom(`  hung:
    connect: ${labConnect(lab).replace(`port: ${lab.port}`, `port: ${proxy.port}`)}
    timeout: 400ms
    hops:
      - name: menu
        prompt: 'Target IP: $'
      - name: master
        steps: [{ send_text: master-a }]
        prompt: 'User number: $'
`);
      const err = await openSession(registry.resolve('hung'), {
        lookup: (n) => registry.resolve(n),
        onProgress: (p) => {
          if (p.name === 'master') proxy.freeze();
        },
      }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(WalkError);
      expect((err as WalkError).code).toBe('walk_timeout');
      expect((err as WalkError).message).toMatch(
        /hop "master" \(2\/2\), prompt at .*: the prompt was not at the cursor within 400 ms\nwaiting for: \/User number: \$\/\nafter \d+ ms/,
      );
      expect((err as WalkError).screen).toContain('Target IP:');
    } finally {
      await proxy.close();
    }
  });

  it('never shows a secret in the screen of an error', async () => {
    const registry = profilesFrom(`  leaky:
    connect: ${labConnect(lab)}
    timeout: 5s
    hops:
      - name: menu
        steps: [{ wait_for: 'Target IP: $' }, { send_secret: { env: TOKEN } }, { wait_for: { match: 'never comes', timeout: 300ms } }]
        prompt: x
`);
    const err = await openSession(registry.resolve('leaky'), {
      lookup: (n) => registry.resolve(n),
      secrets: { env: { TOKEN: 'tok-s3cr3t-42' } },
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WalkError);
    expect((err as WalkError).message).not.toContain('tok-s3cr3t-42');
    expect((err as WalkError).message).toContain('Target IP: ******');
  });
});
