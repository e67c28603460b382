// One convention for every command of the built CLI: help on stdout with exit 0, a usage
// mistake on stderr with one line saying what is wrong and exit 2, -V for the version.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { packagePath } from '../src/paths.js';

const CLI = packagePath('dist', 'src', 'cli', 'index.js');
const gatewalk = (...args: string[]) => {
  const r = spawnSync(process.execPath, [CLI, ...args], {
    encoding: 'utf8',
    env: { PATH: process.env.PATH ?? '', HOME: '/nonexistent' },
    timeout: 20_000,
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
};
const COMMANDS = [
  'serve',
  'view',
  'transcript',
  'open',
  'run',
  'record',
  'graph',
  'validate',
  'profiles',
  'lab',
  'demo',
];

describe('the CLI conventions', () => {
  it.each(COMMANDS)('%s --help: usage on stdout, every flag listed, exit 0', (command) => {
    const r = gatewalk(command, '--help');
    expect(r.code).toBe(0);
    expect(r.err).toBe('');
    expect(r.out).toMatch(new RegExp(`^Usage: gatewalk ${command}\\b`));
  });

  it.each(COMMANDS)('%s with an unknown option: one line on stderr, exit 2', (command) => {
    const r = gatewalk(command, '--no-such-flag');
    expect(r.code).toBe(2);
    expect(r.out).toBe('');
    expect(r.err.split('\n')[0]).toMatch(
      new RegExp(`^gatewalk ${command}: Unknown option '--no-such-flag'`),
    );
    // Then how to do it right: the usage, or where to find it.
    expect(r.err).toMatch(
      new RegExp(`gatewalk ${command} --help|\\n\\nUsage: gatewalk ${command}`),
    );
  });

  it('says what is missing when a command lacks its arguments', () => {
    expect(gatewalk('run')).toMatchObject({ code: 2, out: '' });
    expect(gatewalk('run').err).toMatch(/^gatewalk run: which profile and command\?\n\nUsage:/);
    expect(gatewalk('run', 'orders-pod').err).toMatch(
      /^gatewalk run: which command\? \(after --\)/,
    );
    expect(gatewalk('open')).toMatchObject({ code: 2, out: '' });
    expect(gatewalk('graph').err).toMatch(/^gatewalk graph: which profile\?/);
  });

  it('prints the version with -V and --version', () => {
    const { version } = JSON.parse(readFileSync(packagePath('package.json'), 'utf8')) as {
      version: string;
    };
    for (const flag of ['-V', '--version'])
      expect(gatewalk(flag)).toMatchObject({ code: 0, out: `${version}\n` });
  });

  it('lists every flag of serve in its help', () => {
    const help = gatewalk('serve', '--help').out;
    for (const flag of [
      '--profiles',
      '--http',
      '--http-idle',
      '--caps',
      '--runtime',
      '--idle-close',
      '--no-viewer',
    ])
      expect(help).toContain(flag);
  });
});
