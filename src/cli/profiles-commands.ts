import { isAbsolute, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { formatDiagnostic, type Diagnostic } from '../profiles/diagnostics.js';
import { profileDirs } from '../profiles/dirs.js';
import { context, loadProfileFile, sourcePosition } from '../profiles/load-file.js';
import { loadProfiles } from '../profiles/registry.js';
import { secretProblem, secretRefsOf } from '../profiles/secrets.js';
import type { CliIo } from './io.js';

export const VALIDATE_USAGE = `Usage: gatewalk validate [paths...] [--profiles DIR]... [--secrets] [--json]

Checks profile files (YAML syntax, the schema, extends/via, regexes, parameters, secret
references) and prints every problem as file:line:col: message. Paths are files or folders
(their *.yaml, *.yml); without any, the profile folders: --profiles DIR (repeatable), else
$GATEWALK_PROFILES (':'-separated), else ./profiles. A secret whose environment variable is not
set or whose file cannot be read is a warning (a CI machine may not hold the secrets); with
--secrets it is an error. Exit status 0 when there is no error (warnings allowed), 1 otherwise.
--json prints { ok, files, profiles, templates, errors, warnings } for CI.`;

export const PROFILES_USAGE = `Usage: gatewalk profiles [--profiles DIR]... [--json]

Lists the profiles that can be opened: name, description, parameters (with defaults) and hops.`;

function parse(args: string[]) {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      profiles: { type: 'string', multiple: true },
      json: { type: 'boolean' },
      secrets: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  return { ...values, positionals };
}

/** Paths below the working folder print relative to it, as a person typed them. */
function shown(d: Diagnostic, cwd: string): Diagnostic {
  const rel = relative(cwd, d.file);
  const message = d.message.replaceAll(`${cwd}/`, '');
  return rel && !rel.startsWith('..') && !isAbsolute(rel)
    ? { ...d, file: rel, message }
    : { ...d, message };
}

const plain = (d: Diagnostic) => ({ file: d.file, line: d.line, col: d.col, message: d.message });

/**
 * Every secret reference that could not be read now, each where it is written, with its
 * profile: all at once, where a walk stops at the first. Files are read again (the registry
 * keeps no sources); they are small.
 */
function secretDiagnostics(
  files: string[],
  env: Record<string, string | undefined>,
  severity: Diagnostic['severity'],
): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const file of files) {
    for (const src of loadProfileFile(file).sources) {
      if (!src.valid) continue;
      for (const { ref, path } of secretRefsOf(src.raw)) {
        const problem = secretProblem(ref, src.dir, env);
        if (!problem) continue;
        out.push({
          severity,
          ...sourcePosition(src, path),
          message: `${context(['profiles', src.name, ...path])}${problem}: the walk needs it`,
        });
      }
    }
  }
  return out;
}

/** `gatewalk validate`: returns the exit status. */
export function runValidateCommand(args: string[], io: CliIo): number {
  const o = parse(args);
  if (o.help) {
    io.out(VALIDATE_USAGE);
    return 0;
  }
  const paths =
    o.positionals.length > 0
      ? o.positionals.map((p) => resolve(io.cwd, p))
      : profileDirs(o.profiles ?? [], io.env, io.cwd);
  const loaded = loadProfiles(paths);
  const secrets = secretDiagnostics(loaded.files, io.env, o.secrets ? 'error' : 'warning');
  const result = {
    ...loaded,
    errors: [...loaded.errors, ...secrets.filter((d) => d.severity === 'error')].map((d) =>
      shown(d, io.cwd),
    ),
    warnings: [...loaded.warnings, ...secrets.filter((d) => d.severity === 'warning')].map((d) =>
      shown(d, io.cwd),
    ),
  };
  // A template is a profile only extended (abstract: true): valid, but not opened.
  const openable = result.registry.openable();
  const templates = result.registry.names().filter((n) => !openable.includes(n));
  const ok = result.errors.length === 0;
  if (o.json) {
    io.out(
      JSON.stringify(
        {
          ok,
          files: result.files,
          profiles: openable,
          templates,
          errors: result.errors.map(plain),
          warnings: result.warnings.map(plain),
        },
        null,
        2,
      ),
    );
    return ok ? 0 : 1;
  }
  for (const d of [...result.errors, ...result.warnings].sort(
    (a, b) => a.file.localeCompare(b.file) || a.line - b.line || a.col - b.col,
  )) {
    io.out(formatDiagnostic(d));
  }
  const count = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
  io.out(
    `${count(result.files.length, 'file')}, ${count(openable.length, 'valid profile')}, ` +
      `${count(templates.length, 'template')}: ` +
      `${count(result.errors.length, 'error')}, ${count(result.warnings.length, 'warning')}`,
  );
  if (result.files.length === 0 && ok) io.out(`no profile files found in ${paths.join(', ')}`);
  return ok ? 0 : 1;
}

/** `gatewalk profiles`: returns the exit status (1 when some profile files have errors). */
export function runProfilesCommand(args: string[], io: CliIo): number {
  const o = parse(args);
  if (o.help) {
    io.out(PROFILES_USAGE);
    return 0;
  }
  const result = loadProfiles(profileDirs(o.profiles ?? [], io.env, io.cwd));
  const profiles = result.registry
    .openable()
    .map((name) => result.registry.resolveForListing(name));
  if (o.json) io.out(JSON.stringify({ profiles }, null, 2));
  else {
    for (const p of profiles) {
      io.out(`${p.name}${p.description ? `  ${p.description}` : ''}`);
      const params = Object.entries(p.params).map(
        ([k, v]) => `${k}${v.default === undefined ? ' (required)' : `=${v.default}`}`,
      );
      if (params.length > 0) io.out(`  params: ${params.join(', ')}`);
      io.out(`  hops:   ${p.hops.join(' -> ')}`);
    }
    if (profiles.length === 0) io.out(`no profiles (looked in ${result.registry.from.join(', ')})`);
  }
  for (const d of result.errors) io.err(formatDiagnostic(d));
  if (result.errors.length > 0)
    io.err(`some profiles were left out: run gatewalk validate for details`);
  return result.errors.length === 0 ? 0 : 1;
}
