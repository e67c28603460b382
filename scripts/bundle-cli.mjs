// Bundles the gatewalk command for start-up time. Run by `npm run build` after tsc: the CLI as
// tsc emitted it (dist/src/cli/index.js) and everything it imports, gatewalk's modules and the
// packages alike, become dist/src/cli/index.js itself plus shared chunks in dist/src/cli/chunks/.
// Loading one file per command part instead of hundreds of modules halves `gatewalk serve`'s
// start (and `run`'s). Each command's own modules stay lazy: a dynamic import is a chunk that
// loads only when that command runs.
//
// The path is the one package.json's bin and the tests use, so they run what users run. The rest
// of dist/src (tsc's output) stays as it is, for the benches and anyone importing modules.
//
// Kept out of the bundle, loaded from node_modules as before: ssh2 (optional native crypto
// bindings, found relative to its own files) and node-pty (native, the lab only). Modules that
// gatewalk loads with createRequire (randexp, the precompiled profile validators) and files found
// through packagePath() (which walks up to package.json) work from any depth.
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const cliDir = join(root, 'dist', 'src', 'cli');
const entry = join(cliDir, 'index.js');

// The entry must be tsc's output: bundling a bundle again would work from stale chunks.
if (!existsSync(entry) || readFileSync(entry, 'utf8').includes('__gatewalkRequire')) {
  console.error(`bundle-cli: ${entry} is not tsc's output: run npm run build`);
  process.exit(1);
}

const result = await esbuild.build({
  entryPoints: [entry],
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  splitting: true,
  outdir: cliDir,
  entryNames: '[name]',
  chunkNames: 'chunks/[name]-[hash]',
  external: ['ssh2', 'node-pty'],
  // CommonJS packages inside an ES module bundle still call require() (for node builtins).
  banner: {
    js: "import { createRequire as __gatewalkRequire } from 'node:module'; const require = __gatewalkRequire(import.meta.url);",
  },
  sourcemap: 'linked',
  legalComments: 'none',
  logLevel: 'warning',
  // In memory first: the entry's output replaces the entry itself.
  write: false,
});

rmSync(join(cliDir, 'chunks'), { recursive: true, force: true });
for (const file of result.outputFiles) {
  mkdirSync(dirname(file.path), { recursive: true });
  writeFileSync(file.path, file.contents);
}
