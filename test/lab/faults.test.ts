import { afterEach, describe, expect, it } from 'vitest';
import { startFreezableProxy } from '../../lab/proxy.js';
import type { Lab, LabOptions } from '../../lab/server.js';
import { totp } from '../../src/secrets/totp.js';
import { connect, labOnFreePort, pagedLab } from '../helpers/lab.js';

const SEED = 'JBSWY3DPEHPK3PXP';
let lab: Lab | undefined;
afterEach(async () => {
  await lab?.close();
  lab = undefined;
});

async function start(faults: LabOptions['faults']): Promise<Lab> {
  lab = await labOnFreePort({ ...(faults ? { faults } : {}) });
  return lab;
}

describe('lab fault knobs', () => {
  it('asks for a TOTP code before the menu and accepts the right one, unechoed', async () => {
    const l = await start({ otp: { seed: SEED, attempts: 3 } });
    const c = await connect(l);
    await c.expect(/^Verification code: $/);
    const code = totp(SEED);
    await c.answer(code, 'Target IP: ');
    expect(c.text).not.toContain(code);
    expect(c.text).toContain(' CMSM Simulator');
    c.close();
  });

  it('rejects wrong codes and disconnects after the last attempt', async () => {
    const l = await start({ otp: { seed: SEED, attempts: 2 } });
    const c = await connect(l);
    const valid = new Set([-1, 0, 1].map((o) => totp(SEED, Date.now(), o)));
    let wrong = 123456;
    while (valid.has(String(wrong))) wrong += 1;
    await c.expect('Verification code: ');
    await c.answer(String(wrong), 'Invalid verification code.\nVerification code: ');
    c.sendLine(String(wrong));
    expect(await c.exit).toEqual({ code: 1 });
    expect(c.text).toContain('Too many failed attempts.');
    expect(c.text).not.toContain('Target IP');
  });

  it('writes output in chunks of N bytes, intact', async () => {
    const l = await start({ chunk: { bytes: 7, delayMs: 1 } });
    const c = await connect(l);
    let events = 0;
    let largest = 0;
    c.channel.on('data', (d: Buffer) => {
      events += 1;
      largest = Math.max(largest, d.length);
    });
    await c.expect('Target IP: ');
    expect(c.text).toContain(' CMSM Simulator\n');
    expect(events).toBeGreaterThanOrEqual(Math.floor(c.raw.length / 7));
    expect(largest).toBeLessThanOrEqual(7);
    await c.answer('master-a', 'User number: ');
    c.sendLine('2');
    await c.expect(/\]# $/);
    await c.answer('seq 1 40 | paste -sd+ | bc || echo $((820))', /\n820\n/);
    c.close();
  });

  it('colours the menus with ANSI codes', async () => {
    const l = await start({ colors: true });
    const c = await connect(l);
    await c.expect('Target IP: ');
    await c.answer('', /Target IP: $/);
    expect(c.raw).toContain('\x1b[1;36m CMSM Simulator\x1b[0m');
    expect(c.raw).toContain('\x1b[32monline\x1b[0m');
    expect(c.text).toContain('0  10.66.12.21  master-a  orders-prod  online\n');
    c.close();
  });

  it('keeps colour codes split across chunks out of the matched text', async () => {
    const l = await start({ colors: true, chunk: { bytes: 3, delayMs: 0 } });
    const c = await connect(l);
    await c.expect('Target IP: ');
    await c.answer('', /Target IP: $/);
    expect(c.raw).toContain('\x1b[32monline\x1b[0m');
    expect(c.text).toContain(' CMSM Simulator\n');
    expect(c.text).toContain('1  10.66.12.22  master-b  payments-prod  online\n');
    expect(c.text).not.toContain('\x1b');
    c.close();
  });

  it('pages long listings with --More--', async () => {
    lab = await pagedLab('more');
    const c = await connect(lab);
    await c.expect('Target IP: ');
    c.sendLine('');
    await c.expect('--More--');
    expect(c.text.match(/\b\d+ {2}10\.0\.0\.\d+ {2}host-/g)).toHaveLength(5);
    c.send(' ');
    await c.expect('--More--');
    expect(c.text.match(/\b\d+ {2}10\.0\.0\.\d+ {2}host-/g)).toHaveLength(10);
    c.send('q');
    await c.expect('Target IP: ');
    expect(c.text).not.toContain('host-10');
    c.close();
  });

  it('pages with a JumpServer-like prompt where an answer picks the target', async () => {
    lab = await pagedLab('prompt');
    const c = await connect(lab);
    await c.expect('Target IP: ');
    await c.answer('', 'Page 1/3: n for the next page, or an IP, name or index: ');
    await c.answer('n', 'Page 2/3: n for the next page, or an IP, name or index: ');
    expect(c.text).toContain('9  10.0.0.10  host-9  c  online\n');
    await c.answer('9', 'User number: ');
    expect(c.text).toContain('Host: host-9 (10.0.0.10)');
    c.close();
  });

  it('logs out after the idle time, counted from the last keystroke', async () => {
    const l = await start({ idleLogoutS: 1 });
    const c = await connect(l);
    await c.expect('Target IP: ');
    c.sendLine('');
    const lastInput = Date.now();
    await c.expect('Target IP: ');
    expect(await c.exit).toMatchObject({ code: null });
    expect(Date.now() - lastInput).toBeGreaterThanOrEqual(950);
    expect(c.text).toContain('Idle timeout: no input for 1 second. Logging out.');
  });

  it('drops the connection after N seconds', async () => {
    const t0 = Date.now();
    const l = await start({ dropAfter: { seconds: 1 } });
    const c = await connect(l);
    await c.expect('Target IP: ');
    // Dropped, not logged out: no exit status, no goodbye.
    expect(await c.exit).toEqual({ code: null });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(950);
    expect(c.text).not.toContain('Logging out');
  });

  it('drops the connection after N bytes', async () => {
    const l = await start({ dropAfter: { bytes: 300 } });
    const c = await connect(l);
    await c.expect('Target IP: ');
    c.sendLine('');
    expect(await c.exit).toEqual({ code: null });
    expect(c.raw.length).toBeGreaterThan(200);
    expect(c.raw.length).toBeLessThan(300 + 150);
  });

  it('freezes traffic through the proxy (hung bastion) and thaws it', async () => {
    const l = await start({});
    const proxy = await startFreezableProxy(l.port);
    try {
      const c = await connect(l, { port: proxy.port });
      await c.expect('Target IP: ');
      proxy.freeze();
      c.sendLine('');
      await expect(c.expect('Known targets:', 300)).rejects.toThrow(
        /nothing matched within 300 ms/,
      );
      proxy.thaw();
      await c.expect('Known targets:');
      c.close();
    } finally {
      await proxy.close();
    }
  });
});
