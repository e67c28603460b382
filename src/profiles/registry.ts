import { readdirSync, statSync } from 'node:fs';
import { extname, join, resolve } from 'node:path';
import { GatewalkError } from '../errors.js';
import { checkProfiles } from './check.js';
import { sortDiagnostics, suggestion, type Diagnostic } from './diagnostics.js';
import type { FlatProfile } from './flatten.js';
import { lintProfile } from './lint.js';
import { loadProfileFile, type ProfileSource } from './load-file.js';
import { paramSpecs, resolveProfile } from './resolve.js';
import type { ParamSpec, ParamValue, ResolvedProfile } from './types.js';

export interface LoadResult {
  registry: ProfileRegistry;
  files: string[];
  errors: Diagnostic[];
  warnings: Diagnostic[];
}

/** Profile files under the given paths: files as given, folders' *.yaml and *.yml, sorted. */
export function profileFiles(paths: string[]): { files: string[]; missing: string[] } {
  const files: string[] = [];
  const missing: string[] = [];
  const seen = new Set<string>();
  const add = (file: string) => {
    if (!seen.has(resolve(file))) files.push(file);
    seen.add(resolve(file));
  };
  for (const path of paths) {
    let isDir: boolean;
    try {
      isDir = statSync(path).isDirectory();
    } catch {
      missing.push(path);
      continue;
    }
    if (!isDir) add(path);
    else {
      for (const name of readdirSync(path).sort()) {
        if (['.yaml', '.yml'].includes(extname(name))) add(join(path, name));
      }
    }
  }
  return { files, missing };
}

/**
 * Loads every profile under `paths`. Never throws: problems come back as diagnostics, and only
 * profiles without errors (and whose parents have none) are in the registry. `lint: false`
 * skips the warnings (lint.ts), for callers that show errors only.
 */
export function loadProfiles(
  paths: string[],
  { lint = true }: { lint?: boolean } = {},
): LoadResult {
  const { files, missing } = profileFiles(paths);
  const diagnostics: Diagnostic[] = missing.map((path) => ({
    severity: 'error',
    file: path,
    line: 1,
    col: 1,
    message: 'no such file or folder',
  }));
  const sources: ProfileSource[] = [];
  for (const file of files) {
    const result = loadProfileFile(file);
    sources.push(...result.sources);
    diagnostics.push(...result.diagnostics);
  }
  const checked = checkProfiles(sources);
  diagnostics.push(...checked.diagnostics);
  if (lint) for (const flat of checked.flat.values()) diagnostics.push(...lintProfile(flat));
  const all = sortDiagnostics(diagnostics);
  return {
    registry: new ProfileRegistry(checked.flat, paths),
    files,
    errors: all.filter((d) => d.severity === 'error'),
    warnings: all.filter((d) => d.severity === 'warning'),
  };
}

/** The loaded, checked profiles by name. */
export class ProfileRegistry {
  /** `from`: the files and folders the profiles were read from, for messages that name them. */
  constructor(
    private readonly flat: Map<string, FlatProfile>,
    readonly from: readonly string[] = [],
  ) {}

  /** What to say when nothing can be opened: the folders tried, so the person knows where to look. */
  noneLoaded(): string {
    return this.from.length > 0 ? `none loaded (looked in ${this.from.join(', ')})` : 'none loaded';
  }

  names(): string[] {
    return [...this.flat.keys()].sort();
  }

  /** Profiles that can be opened (not abstract). */
  openable(): string[] {
    return this.names().filter((n) => !this.flat.get(n)?.abstract);
  }

  /**
   * A profile used as a `via` jump: only its connection matters, so abstract ones count too;
   * parameters take their defaults.
   */
  resolveVia(name: string): ResolvedProfile {
    const flat = this.flat.get(name);
    if (!flat) throw new GatewalkError('profile_unknown', `via: no profile "${shown(name)}"`);
    return resolveProfile(flat);
  }

  /**
   * What `list_profiles` and `gatewalk profiles` show: no parameter values needed, so it works
   * for profiles with required parameters too.
   */
  resolveForListing(name: string): {
    name: string;
    description: string;
    params: Record<string, ParamSpec>;
    hops: string[];
  } {
    const flat = this.flat.get(name);
    if (!flat) throw new GatewalkError('profile_unknown', `no profile "${shown(name)}"`);
    return {
      name,
      description: flat.self.raw.description ?? '',
      params: paramSpecs(flat),
      hops: flat.hops.map((h) => h.value.name),
    };
  }

  has(name: string): boolean {
    return this.flat.has(name);
  }

  /**
   * The frozen profile for a walk, with these parameter values. Throws a GatewalkError that
   * says what to fix: an unknown or abstract profile, a missing or invalid parameter.
   */
  resolve(name: string, params: Record<string, ParamValue> = {}): ResolvedProfile {
    const flat = this.flat.get(name);
    if (!flat) {
      throw new GatewalkError(
        'profile_unknown',
        `no profile "${shown(name)}"${suggestion(name, this.names())}; profiles: ${this.openable().join(', ') || this.noneLoaded()}`,
      );
    }
    if (flat.abstract) {
      throw new GatewalkError(
        'profile_abstract',
        `profile "${name}" is abstract (a template for extends); open one that extends it`,
      );
    }
    return resolveProfile(flat, params);
  }
}

/** A name as errors quote it: a 1 MiB name from the command line is not echoed whole. */
function shown(name: string): string {
  return name.length > 100 ? `${name.slice(0, 100)}…` : name;
}
