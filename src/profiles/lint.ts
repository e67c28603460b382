import { createRequire } from 'node:module';
import type RandExpClass from 'randexp';
import safeRegex from 'safe-regex2';
import type { Diagnostic } from './diagnostics.js';
import { durationMs, formatMs } from './duration.js';
import { fieldsOf } from './fields.js';
import type { FlatProfile } from './flatten.js';
import { context, sourcePosition, type ProfileSource } from './load-file.js';
import { fieldRegexFindings } from './check.js';
import { fill, placeholdersIn } from './placeholders.js';
import type { RawDuration, RawStep } from './types.js';

export const DEFAULT_TIMEOUT_MS = 15_000;
export const DEFAULT_OPEN_TIMEOUT_MS = 60_000;
export const DEFAULT_CONNECT_TIMEOUT_MS = 15_000;

type Warn = (src: ProfileSource, path: (string | number)[], message: string) => void;

/** Parameter values for static checks: defaults where there are some, the names otherwise. */
function sampleValues(p: FlatProfile): Record<string, string> {
  return Object.fromEntries(
    Object.entries(p.params).map(([name, param]) => [name, String(param.value.default ?? name)]),
  );
}

// randexp (and drange) load at the first prompt pair to compare, not with the profiles.
let RandExp: typeof RandExpClass | undefined;

// A regex's samples are the same every time (fixed seed), and the same prompts come back in
// every profile that extends another: generated once.
const sampleCache = new Map<string, string[]>();

/** Strings a regex matches, from a fixed seed so that warnings do not come and go. */
function samples(regex: string): string[] {
  let out = sampleCache.get(regex);
  if (!out) {
    if (sampleCache.size >= 1000) sampleCache.clear();
    out = generateSamples(regex);
    sampleCache.set(regex, out);
  }
  return out;
}

function generateSamples(regex: string, count = 24): string[] {
  RandExp ??= createRequire(import.meta.url)('randexp') as typeof RandExpClass;
  let seed = 0x9e3779b9;
  const random = (from: number, to: number) => {
    seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
    return from + (seed % (to - from + 1));
  };
  const out = new Set<string>();
  try {
    const shortest = new RandExp(regex);
    shortest.max = 3;
    shortest.randInt = (from) => from;
    out.add(shortest.gen());
    const gen = new RandExp(regex);
    gen.max = 5;
    gen.randInt = random;
    for (let i = 0; i < count; i++) out.add(gen.gen());
  } catch {
    // Constructs randexp cannot generate from: no samples, no warning.
  }
  return [...out];
}

/**
 * Warnings: regexes prone to catastrophic backtracking, a hop whose prompt also matches what an
 * earlier hop's prompt looks like, and waits that start when the walk's time budget is spent.
 */
export function lintProfile(p: FlatProfile): Diagnostic[] {
  const out: Diagnostic[] = [];
  const warn: Warn = (src, path, message) =>
    out.push({
      severity: 'warning',
      ...sourcePosition(src, path),
      message: `${context(['profiles', src.name, ...path])}${message}`,
    });
  const values = sampleValues(p);
  for (const field of fieldsOf(p)) {
    // A part of a regex no input can reach (the whole regex is an error, check.ts).
    if (field.kind === 'regex')
      for (const dead of fieldRegexFindings(field.value, field.path).dead)
        warn(field.src, field.path, `a branch can never match: ${dead}`);
    if (field.kind === 'regex' && !safeRegexSafely(fill(field.value, values, 'regex'))) {
      warn(
        field.src,
        field.path,
        'may backtrack catastrophically (nested quantifiers); simplify the regex',
      );
    }
  }
  lintTypedParams(p, warn);
  lintPrompts(p, values, warn);
  lintBudget(p, warn);
  return out;
}

/**
 * A parameter typed at the remote without a pattern or enum takes any text: quoting keeps it one
 * word in a shell, but it can still be an option (`--all`), another menu entry or a path.
 */
function lintTypedParams(p: FlatProfile, warn: Warn): void {
  for (const field of fieldsOf(p)) {
    if (field.typedInto === undefined) continue;
    for (const name of new Set(placeholdersIn(field.value))) {
      const spec = p.params[name]?.value;
      if (!spec || spec.pattern !== undefined || spec.enum !== undefined) continue;
      const where = field.typedInto === 'shell' ? 'a shell' : 'a menu or program';
      const how =
        field.typedInto === 'shell' && spec.raw !== true
          ? 'gatewalk quotes it as one word, but any word gets through (an option, a path)'
          : 'it is typed as it is';
      warn(
        field.src,
        field.path,
        `param "${name}" is typed into ${where} and has no pattern nor enum: ${how}; ` +
          `give it a pattern of the values it takes, e.g. pattern: '^[A-Za-z0-9._-]+$'`,
      );
    }
  }
}

function safeRegexSafely(regex: string): boolean {
  try {
    return safeRegex(regex);
  } catch {
    return true;
  }
}

/**
 * Whether sampling a regex and matching samples against it is safe: no nested quantifiers
 * (backtracking) and no large repeat counts (huge samples).
 */
function samplable(regex: string): boolean {
  const counts = [...regex.matchAll(/\{(\d+)(?:,(\d*))?\}/g)].flatMap((m) => [
    Number(m[1]),
    Number(m[2] || 0),
  ]);
  return regex.length <= 500 && counts.every((n) => n <= 50) && safeRegex(regex);
}

function lintPrompts(p: FlatProfile, values: Record<string, string>, warn: Warn): void {
  const prompts = p.hops.flatMap((h) => {
    if (h.value.prompt === undefined) return [];
    const regex = fill(h.value.prompt, values, 'regex');
    try {
      return samplable(regex) ? [{ hop: h, regex, matcher: new RegExp(regex, 'm') }] : [];
    } catch {
      return [];
    }
  });
  for (const [j, later] of prompts.entries()) {
    const matcher = later.matcher;
    for (const earlier of prompts.slice(0, j)) {
      const example = samples(earlier.regex)
        .filter((s) => s.length <= 1000)
        .find((s) => matcher.test(s));
      if (example !== undefined) {
        warn(
          later.hop.src,
          [...later.hop.path, 'prompt'],
          `also matches hop "${earlier.hop.value.name}"'s prompt (e.g. ${JSON.stringify(example)}): ` +
            'the walk could take one hop for the other; make the prompts distinct',
        );
        break;
      }
    }
  }
}

function lintBudget(p: FlatProfile, warn: Warn): void {
  const ms = (d: RawDuration | undefined, fallback: number) =>
    d === undefined ? fallback : durationMs(d);
  const defaultWait = ms(p.timeout?.value, DEFAULT_TIMEOUT_MS);
  const budget = ms(p.openTimeout?.value, DEFAULT_OPEN_TIMEOUT_MS);
  let warned = false;
  const walk = (
    steps: RawStep[],
    src: ProfileSource,
    path: (string | number)[],
    start: number,
  ): number => {
    let elapsed = start;
    for (const [i, step] of steps.entries()) {
      const at = [...path, i];
      let wait: number | null = null;
      let branches = 0;
      if ('wait_for' in step) {
        const w = step.wait_for;
        if (Array.isArray(w)) {
          const own = w.flatMap((a) => (a.timeout === undefined ? [] : [durationMs(a.timeout)]));
          wait = own.length > 0 ? Math.max(...own) : defaultWait;
          const after = elapsed + wait;
          branches = Math.max(
            0,
            ...w.map(
              (a, j) => walk(a.then ?? [], src, [...at, 'wait_for', j, 'then'], after) - after,
            ),
          );
        } else
          wait =
            typeof w === 'object' && w.timeout !== undefined ? durationMs(w.timeout) : defaultWait;
      } else if ('select' in step) {
        // One timeout covers the whole search, every page of it.
        wait = ms(step.select.timeout, defaultWait);
      }
      if (wait === null) continue;
      if (wait === 0) warn(src, at, 'timeout 0: this wait can never succeed');
      if (!warned && elapsed >= budget) {
        warned = true;
        warn(
          src,
          at,
          `no timeout budget left: the connection and the waits before this one may take ${formatMs(elapsed)}, the whole walk has ${formatMs(budget)} (open_timeout)`,
        );
      }
      elapsed += wait + branches;
    }
    return elapsed;
  };
  let elapsed = ms(p.connect.timeout?.value, DEFAULT_CONNECT_TIMEOUT_MS);
  for (const hop of p.hops)
    elapsed = walk(hop.value.steps ?? [], hop.src, [...hop.path, 'steps'], elapsed);
}
