import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Lab } from '../../lab/server.js';
import { connect, labOnFreePort, toMaster } from '../helpers/lab.js';

let lab: Lab;
beforeAll(async () => {
  lab = await labOnFreePort();
});
afterAll(() => lab.close());

describe('CMSM menu', () => {
  it('shows the banner, then the Target IP prompt', async () => {
    const c = await connect(lab);
    await c.expect('Target IP: ');
    const lines = c.text.split('\n');
    expect(lines[0]).toMatch(/^=+$/);
    expect(lines[1]).toBe(' CMSM Simulator');
    expect(lines[2]).toMatch(/^=+$/);
    expect(lines.slice(3)).toEqual([
      'This test menu mimics: CMSM -> master -> pod.',
      'Type q at any CMSM prompt to exit.',
      '',
      'Target IP: ',
    ]);
    c.close();
  });

  it('lists known targets on empty input', async () => {
    const c = await connect(lab);
    await c.expect('Target IP: ');
    await c.answer('', /Target IP: $/);
    expect(c.text).toContain(
      'Known targets:\n0  10.66.12.21  master-a  orders-prod  online\n1  10.66.12.22  master-b  payments-prod  online\nTarget IP: ',
    );
    c.close();
  });

  it.each([
    ['10.66.12.22', 'master-b (10.66.12.22)', '1  10.66.12.22  master-b  payments-prod  online'],
    ['master-a', 'master-a (10.66.12.21)', '0  10.66.12.21  master-a  orders-prod  online'],
    ['1', 'master-b (10.66.12.22)', '1  10.66.12.22  master-b  payments-prod  online'],
  ])('finds a target by IP, name or index (%s)', async (input, host, row) => {
    const c = await connect(lab);
    await c.expect('Target IP: ');
    await c.answer(input, 'User number: ');
    expect(c.text).toContain(
      `Search result:\n${row}\nHost: ${host}\nSelect login user:\n1) ruby\n2) root\n3) app\n4) readonly\nUser number: `,
    );
    c.close();
  });

  it('says when nothing matches and asks again', async () => {
    const c = await connect(lab);
    await c.expect('Target IP: ');
    await c.answer('10.9.9.9', 'Target IP: ');
    expect(c.text).toContain('No target matches "10.9.9.9"');
    c.close();
  });

  it.each(['q', 'quit', 'exit'])('ends the session on %s', async (word) => {
    const c = await connect(lab);
    await c.expect('Target IP: ');
    c.sendLine(word);
    expect(await c.exit).toEqual({ code: 0 });
  });

  it('ends the session at EOF', async () => {
    const c = await connect(lab);
    await c.expect('Target IP: ');
    c.channel.end();
    expect(await c.exit).toEqual({ code: 0 });
  });

  it('ends the session on q at the user prompt', async () => {
    const c = await connect(lab);
    await c.expect('Target IP: ');
    await c.answer('master-a', 'User number: ');
    c.sendLine('q');
    expect(await c.exit).toEqual({ code: 0 });
  });

  it('rejects an invalid user and asks again', async () => {
    const c = await connect(lab);
    await c.expect('Target IP: ');
    await c.answer('master-a', 'User number: ');
    await c.answer('7', 'User number: ');
    expect(c.text).toContain('Invalid user. Choose 1, 2, 3, or 4.\nUser number: ');
    await c.answer('nobody', 'Invalid user. Choose 1, 2, 3, or 4.');
    c.close();
  });

  it('logs in as root by number with a # prompt in a real bash', async () => {
    const c = await connect(lab);
    await toMaster(c, 'master-a', '2');
    expect(c.text).toMatch(/Logged in to master-a as root\.\n\[root@master-a ~\]# $/);
    await c.answer('echo "$BASH_VERSION" $((6*7)) $HOME', /\]# $/);
    expect(c.text).toMatch(/\n\d+\.\d+\.\d+\S* 42 \/\S+\/home\n/);
    c.close();
  });

  it('logs in by user name with a $ prompt for non-root users', async () => {
    const c = await connect(lab);
    await c.expect('Target IP: ');
    await c.answer('master-b', 'User number: ');
    await c.answer('app', /\$ $/);
    expect(c.text).toContain('Logged in to master-b as app.\n[app@master-b ~]$ ');
    c.close();
  });

  it('edits the line with backspace and abandons it with Ctrl-C', async () => {
    const c = await connect(lab);
    await c.expect('Target IP: ');
    c.send('master-x\x7fa');
    c.send('\x03');
    await c.expect('Target IP: ');
    c.send('master-x\x7fb\r');
    await c.expect('User number: ');
    expect(c.text).toContain('Host: master-b (10.66.12.22)');
    c.close();
  });

  it('keeps keystrokes typed ahead of the prompts', async () => {
    const c = await connect(lab);
    c.send('master-a\r2\recho typed-$((40+2))\r');
    await c.expect(/typed-42\n/);
    c.close();
  });

  it("follows the client's window size into the shell", async () => {
    const c = await connect(lab, { pty: { cols: 132, rows: 43 } });
    await toMaster(c);
    await c.answer('stty size', /\n43 132\n/);
    c.channel.setWindow(30, 90, 0, 0);
    await c.expect(/\]# $/);
    await c.answer('stty size', /\n30 90\n/);
    c.close();
  });

  it('ends the SSH session when the master shell exits, with its status', async () => {
    const c = await connect(lab);
    await toMaster(c);
    c.sendLine('exit 3');
    expect(await c.exit).toEqual({ code: 3 });
  });

  it('returns to Target IP when the scenario says so', async () => {
    const menuLab = await labOnFreePort({
      scenario: { ...lab.scenario, master: { ...lab.scenario.master, onExit: 'menu' } },
    });
    try {
      const c = await connect(menuLab);
      await toMaster(c);
      await c.answer('exit', 'Target IP: ');
      expect(c.text).toContain('Connection to master-a closed.\nTarget IP: ');
      await c.answer('master-b', 'User number: ');
      c.close();
    } finally {
      await menuLab.close();
    }
  });
});
