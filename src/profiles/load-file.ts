import { dirname, resolve } from 'node:path';
import { isGatewalkError } from '../errors.js';
import {
  parseYamlText,
  pointerToPath,
  positionOf,
  readTextFile,
  type LocatedYaml,
} from '../yaml/load.js';
import type { Diagnostic } from './diagnostics.js';
import { checkAgainstSchema } from './schema.js';
import type { RawProfile } from './types.js';

/** One profile as written in one file, with the means to point at any of its nodes. */
export interface ProfileSource {
  name: string;
  raw: RawProfile;
  file: string;
  /** Relative paths in this profile resolve against this folder. */
  dir: string;
  yaml: LocatedYaml;
  /** False when the schema found problems in it: deeper checks would only add noise. */
  valid: boolean;
}

export interface FileResult {
  sources: ProfileSource[];
  diagnostics: Diagnostic[];
}

/** Where a node of a profile is: `path` is relative to `profiles.<name>`. */
export function sourcePosition(src: ProfileSource, path: (string | number)[], key = false) {
  return { file: src.file, ...positionOf(src.yaml, ['profiles', src.name, ...path], { key }) };
}

/**
 * Reads one profile file: YAML syntax, then the JSON Schema. Never throws: every problem
 * becomes a diagnostic at file:line:col.
 */
export function loadProfileFile(file: string, text?: string): FileResult {
  const diagnostics: Diagnostic[] = [];
  const error = (line: number, col: number, message: string) =>
    diagnostics.push({ severity: 'error', file, line, col, message });
  let content: string;
  try {
    content = text ?? readTextFile(file);
  } catch (err) {
    error(1, 1, isGatewalkError(err) ? err.message.replace(`${file}: `, '') : String(err));
    return { sources: [], diagnostics };
  }
  const parsed = parseYamlText(content, file);
  if (!parsed.yaml) {
    for (const p of parsed.problems) error(p.line, p.col, p.message);
    return { sources: [], diagnostics };
  }
  const yaml = parsed.yaml;
  if (yaml.data === null || yaml.data === undefined) {
    error(1, 1, 'the file is empty: a profile file starts with "version: 1" and "profiles:"');
    return { sources: [], diagnostics };
  }
  const invalid = new Set<string>();
  for (const problem of checkAgainstSchema(yaml.data)) {
    const path = pointerToPath(problem.pointer);
    const at = positionOf(yaml, path, { key: problem.atKey });
    if (path[0] === 'profiles' && path.length > 1) invalid.add(String(path[1]));
    error(
      at.line,
      at.col,
      `${context(problem.atKey ? path.slice(0, -1) : path)}${problem.message}`,
    );
  }
  const data = yaml.data as { version?: unknown; profiles?: unknown };
  if (diagnostics.length > 0 && !isPlainObject(data?.profiles)) return { sources: [], diagnostics };
  const profiles = isPlainObject(data?.profiles) ? data.profiles : {};
  const sources = Object.entries(profiles).map(([name, raw]) => ({
    name,
    raw: (isPlainObject(raw) ? raw : {}) as RawProfile,
    file,
    dir: dirname(resolve(file)),
    yaml,
    valid: !invalid.has(name) && isPlainObject(raw),
  }));
  return { sources, diagnostics };
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * "profile "x", hop 2, step 1: wait_for.timeout: " from a path into the file, so a message
 * stands on its own. Hops, steps, handlers and alternatives count from 1.
 */
export function context(path: (string | number)[]): string {
  if (path.length === 0) return '';
  if (path[0] !== 'profiles' || path.length < 2) return `${path.map(String).join('.')}: `;
  const parts = [`profile "${String(path[1])}"`];
  const named: Record<string, string> = {
    hops: 'hop',
    steps: 'step',
    on: 'handler',
    then: 'then step',
    wait_for: 'alternative',
  };
  let trail: string[] = [];
  for (let i = 2; i < path.length; i++) {
    const key = path[i];
    const index = path[i + 1];
    // `reconnect.on` lists causes, not handlers.
    const handlerList = key !== 'on' || path[i - 1] !== 'reconnect';
    if (typeof key === 'string' && named[key] && typeof index === 'number' && handlerList) {
      parts.push(`${named[key]} ${index + 1}`);
      trail = [];
      i += 1;
    } else if (typeof key === 'number') {
      trail.push(`[${key + 1}]`);
    } else {
      trail.push(String(key));
    }
  }
  const field = trail.join('.').replace(/\.\[/g, '[');
  return `${parts.join(', ')}: ${field ? `${field}: ` : ''}`;
}
