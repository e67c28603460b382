// `npm install -g` from the packed tarball, as a person installs gatewalk: the package ships a
// built CLI, its bin runs, and serve, run and validate work where node-pty is not installed
// (--omit=optional: a machine without a C++ toolchain), while `lab` says what it needs.
//
// Packs the checkout as it is (--ignore-scripts: CI and `npm test` build first; `npm pack`
// without it builds through prepack). The install reads package tarballs from the npm cache
// (`npm ci` filled it) and asks the registry only for package metadata (--prefer-offline);
// `--offline` does not work after `npm ci`, which caches tarballs but no metadata.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Lab } from '../lab/server.js';
import { packageRoot } from '../src/paths.js';
import { labOnFreePort } from './helpers/lab.js';

let base: string;
let prefix: string;
let bin: string;
let installed: string;
let lab: Lab;

/** npm's environment without what an outer `npm test` sets (its prefix, its script's state). */
function npmEnv(): NodeJS.ProcessEnv {
  const keep = ['npm_config_cache', 'npm_config_registry', 'npm_config_userconfig'];
  return Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !k.startsWith('npm_') || keep.includes(k)),
  );
}

/** Runs the installed gatewalk; resolves with its exit code and output. */
function gatewalk(
  args: string[],
  cwd: string,
  env: NodeJS.ProcessEnv = {},
): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, { cwd, env: { ...npmEnv(), ...env } });
    // A command that should have ended (a lab that started after all) must not outlive the test.
    const timer = setTimeout(() => child.kill(), 15_000);
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.stdin.end();
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, out, err });
    });
  });
}

beforeAll(async () => {
  base = mkdtempSync(join(tmpdir(), 'gatewalk-pack-'));
  prefix = join(base, 'prefix');
  const packed = JSON.parse(
    execFileSync('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', base], {
      cwd: packageRoot(),
      env: npmEnv(),
      encoding: 'utf8',
    }),
  ) as { filename: string }[];
  const tarball = join(base, packed[0]?.filename ?? 'missing.tgz');
  execFileSync(
    'npm',
    [
      'install',
      '--global',
      '--prefix',
      prefix,
      '--prefer-offline',
      '--no-audit',
      '--no-fund',
      '--loglevel=error',
      tarball,
    ],
    { cwd: base, env: npmEnv(), stdio: 'pipe' },
  );
  bin = join(prefix, 'bin', 'gatewalk');
  installed = join(prefix, 'lib', 'node_modules', 'gatewalk');
  // Where node-pty cannot be built (no C++ toolchain, no prebuilt binary), npm leaves the
  // optional dependency out of the tree: the same as removing it here. (`--omit=optional` is
  // not applied to a global install's dependencies.)
  rmSync(join(installed, 'node_modules', 'node-pty'), { recursive: true, force: true });
  lab = await labOnFreePort();
}, 240_000);

afterAll(async () => {
  await lab?.close();
  if (base) rmSync(base, { recursive: true, force: true });
});

describe('npm install -g from the packed tarball', () => {
  it('installs the gatewalk command, which starts without node-pty', async () => {
    expect(existsSync(bin)).toBe(true);
    expect(existsSync(join(installed, 'dist', 'src', 'cli', 'index.js'))).toBe(true);
    expect(existsSync(join(installed, 'dist', 'schemas', 'profile-validators.cjs'))).toBe(true);
    expect(existsSync(join(installed, 'server.json'))).toBe(true);
    expect(existsSync(join(installed, 'node_modules', 'node-pty'))).toBe(false);
    const pkg = JSON.parse(readFileSync(join(installed, 'package.json'), 'utf8')) as {
      version: string;
    };
    const r = await gatewalk(['--version'], base);
    expect(r.err).toBe('');
    expect(r.out).toBe(`${pkg.version}\n`);
  });

  it('validates the shipped profiles and examples', async () => {
    const r = await gatewalk(['validate', 'profiles', 'profiles/examples', '--json'], installed);
    expect(r.code, r.err).toBe(0);
    const report = JSON.parse(r.out) as { ok: boolean; profiles: string[] };
    expect(report.ok).toBe(true);
    expect(report.profiles).toContain('orders-pod');
  });

  it('serves MCP over stdio to the SDK client', async () => {
    const client = new Client({ name: 'pack-test', version: '1.0.0' });
    await client.connect(
      new StdioClientTransport({
        command: bin,
        args: ['serve', '--no-viewer', '--runtime', join(base, 'runtime')],
        cwd: installed,
        env: npmEnv() as Record<string, string>,
        stderr: 'pipe',
      }),
    );
    try {
      expect(client.getServerVersion()?.name).toBe('gatewalk');
      const tools = await client.listTools();
      expect(tools.tools.map((t) => t.name)).toContain('open_session');
    } finally {
      await client.close();
    }
  });

  it('runs a command through the lab with gatewalk run', async () => {
    const r = await gatewalk(
      ['run', 'orders-pod', '-p', `lab_port=${lab.port}`, '--', 'echo', 'packed-$((40+2))'],
      installed,
    );
    expect(r.code, r.err).toBe(0);
    expect(r.out).toContain('packed-42');
  });

  it('lab says it needs node-pty, and that serve, run and validate do not', async () => {
    const r = await gatewalk(['lab', '--port', '0'], base);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/the lab and the demo need node-pty/);
    expect(r.err).toMatch(/serve, run, open and validate do not need it/);
  });
});

// The package.json fields the MCP registry and npm read.
describe('publishing metadata', () => {
  it('server.json names the npm package and matches package.json', () => {
    const pkg = JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as {
      name: string;
      version: string;
      mcpName: string;
      bin: Record<string, string>;
      dependencies: Record<string, string>;
      optionalDependencies: Record<string, string>;
    };
    const server = JSON.parse(readFileSync(join(packageRoot(), 'server.json'), 'utf8')) as {
      name: string;
      version: string;
      description: string;
      packages: {
        registryType: string;
        identifier: string;
        version: string;
        transport: { type: string };
      }[];
    };
    expect(server.name).toBe(pkg.mcpName);
    expect(server.version).toBe(pkg.version);
    expect(server.description.length).toBeLessThanOrEqual(100);
    expect(server.packages).toMatchObject([
      {
        registryType: 'npm',
        identifier: pkg.name,
        version: pkg.version,
        transport: { type: 'stdio' },
      },
    ]);
    expect(Object.keys(pkg.bin)).toEqual(['gatewalk']);
    expect(pkg.dependencies['node-pty']).toBeUndefined();
    expect(pkg.optionalDependencies['node-pty']).toBeDefined();
  });
});
