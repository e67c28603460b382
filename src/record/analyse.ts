// The analysis of a recording: a pure function from the captured events to a draft profile
// (issue 15). Units (units.ts) → places and hops (hops.ts) → steps: send_text, send_secret
// (never the value), select by label (menus.ts), wait_for and prompts generalised (prompts.ts)
// → YAML with comments (draft.ts).
import { earliestMatch } from '../navigator/matcher.js';
import { escapeRegex } from '../profiles/placeholders.js';
import type { RawHandler, RawHop, RawProfile, RawStep, SecretRef } from '../profiles/types.js';
import { draftText, substitute, type NodeComment } from './draft.js';
import { menuExitIn, segment, setsState, type Frame, type HopPlan } from './hops.js';
import { detectSelect, needsPageEnd, pagingOf, type SelectGuess } from './menus.js';
import {
  generalizePrompt,
  isShellLike,
  promptKey,
  promptLineOf,
  type ParamUse,
} from './prompts.js';
import type { Draft, RecordEvent, RecordInfo, SecretSlot } from './types.js';
import { CODE_PROMPT, toUnits, type InputUnit } from './units.js';

const VALUE = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
const envName = (s: string) =>
  s
    .toUpperCase()
    .replace(/[^A-Z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '');
/** Where a secret's variable name goes until the names are given (render). */
const hole = (id: string) => `@@${id}@@`;
const quoted = (s: string) => `"${s.trim().slice(0, 60)}"`;

interface Param extends ParamUse {
  comment: string;
}

/** Typed values (or picked labels) that show again in a later place's prompt become params. */
function paramsOf(plans: HopPlan[], samples: Map<string, string[]>): Param[] {
  const params: Param[] = [];
  const taken = new Set<string>();
  plans.forEach((plan, h) => {
    const later = plans.slice(h).flatMap((p) => samples.get(p.place.key) ?? []);
    const leads = [plan.from, ...plan.passed].filter((f): f is Frame => f !== null);
    for (const f of leads) {
      const u = f.units[f.units.length - 1];
      if (!u || u.secret) continue;
      const pick = detectSelect(u);
      const values = pick ? [pick.label] : u.text.split(/[\s@]+/).filter((w) => VALUE.test(w));
      for (const value of values) {
        if (value.length < 3 || /^\d+$/.test(value) || params.some((p) => p.value === value))
          continue;
        const word = new RegExp(
          `(?<![A-Za-z0-9._-])${escapeRegex(value)}(?![A-Za-z0-9_-]|\\.[A-Za-z0-9])`,
        );
        const shown = later.find((l) => word.test(l));
        if (!shown) continue;
        let name = pick?.header ? envName(pick.header).toLowerCase() : '';
        let comment = `you ${pick ? 'picked' : 'typed'} ${value}; it shows in the prompt`;
        if (!name && /^kubectl\s/.test(u.text)) {
          const ns = new RegExp(`(?:-n|--namespace)[ =]${escapeRegex(value)}(?!\\S)`).test(u.text);
          name = ns ? 'namespace' : 'pod';
          if (!ns && /-[a-z0-9]{8,10}-[a-z0-9]{5}$|-[0-9a-f]{6,}$/.test(value)) {
            comment = 'changes with each deploy: pass -p pod=... or exec deploy/NAME';
          }
        }
        if (!name)
          name = shown.includes(`${value}@`)
            ? 'user'
            : pick || shown.includes(`@${value}`)
              ? 'host'
              : 'target';
        name = name.replace(/^[^A-Za-z_]+/, '') || 'target';
        let unique = name;
        for (let n = 2; taken.has(unique); n++) unique = `${name}_${n}`;
        taken.add(unique);
        params.push({ name: unique, value, comment });
      }
    }
  });
  return params;
}

/** Puts `${name}` for each param value in a typed text (whole words only). */
function withParams(text: string, params: Param[]): string {
  let out = text;
  for (const p of params) {
    out = out.replace(
      new RegExp(`(?<![A-Za-z0-9._-])${escapeRegex(p.value)}(?![A-Za-z0-9._-])`, 'g'),
      `\${${p.name}}`,
    );
  }
  return out;
}

/** The wait for a prompt: generalised, widened by a line when it matches earlier in the stream. */
function waitFor(u: InputUnit, params: Param[]): string {
  const p = generalizePrompt([u.at.before], [], params);
  const text = u.streamBefore.replace(/\s+$/, '');
  const m = earliestMatch(text, [p.replace(/\$\{\w+\}/g, '[^\\n]*')]);
  const lines = u.at.before.split('\n');
  if (m && m.end < text.length - promptLineOf(u.at.before).trimEnd().length && lines.length >= 2) {
    return `${escapeRegex(lines[lines.length - 2] ?? '')}\\n${p}`;
  }
  return p;
}

function hopName(plan: HopPlan, i: number, used: Set<string>): string {
  const line = plan.place.line;
  let name = isShellLike(line)
    ? (/@([A-Za-z0-9._-]+)/.exec(line)?.[1] ?? /\[([A-Za-z0-9._-]+)[: ]/.exec(line)?.[1] ?? 'shell')
    : i === 0
      ? 'menu'
      : (/^([A-Za-z][A-Za-z0-9._-]*)[>#]\s*$/.exec(line)?.[1] ?? `menu${i + 1}`);
  if (/-[a-z0-9]{8,10}-[a-z0-9]{5}$/.test(name)) name = 'pod';
  if (!/^[A-Za-z0-9]/.test(name)) name = `hop${i + 1}`;
  let unique = name;
  for (let n = 2; used.has(unique); n++) unique = `${name}-${n}`;
  used.add(unique);
  return unique;
}

/** Analyses a recording into a draft profile. Pure: no I/O, no clock. */
export function analyse(events: RecordEvent[], info: RecordInfo): Draft {
  const units = toUnits(events, info.final);
  const marked = new Set<string>();
  events.forEach((e, k) => {
    if (e.kind !== 'mark' || e.what !== 'hop') return;
    const next = events.slice(k).find((x) => x.kind === 'key');
    const at = next?.kind === 'key' ? next.at : info.final;
    if (at) marked.add(promptKey(at.before));
  });
  const seg = segment(units, info.final?.before ?? null, marked);
  const params = paramsOf(seg.hops, seg.samples);
  const secrets: SecretSlot[] = [];
  const comments: NodeComment[] = [];
  const usedNames = new Set<string>();
  let selected = false;

  const slot = (u: InputUnit, hop: string): SecretRef => {
    const kind = u.secret === 'code' ? 'code' : 'password';
    const id = `secret${secrets.length}`;
    const suggested = envName(`${info.name}_${hop}_${kind === 'code' ? 'TOTP_SEED' : 'PASSWORD'}`);
    secrets.push({ id, kind, prompt: u.prompt, hop, suggested });
    return kind === 'code' ? { totp: { env: hole(id) } } : { env: hole(id) };
  };

  const hops: RawHop[] = seg.hops.map((plan, h) => {
    const name = hopName(plan, h, usedNames);
    const steps: RawStep[] = [];
    const stepNotes: { before?: string; after?: string }[] = [];
    const push = (s: RawStep, note: { before?: string; after?: string } = {}) => {
      steps.push(s);
      stepNotes.push(note);
    };
    let pendingBefore: string[] = [];
    const lead = (u: InputUnit, turns: InputUnit[]) => {
      const before = pendingBefore.length > 0 ? pendingBefore.join('\n') : undefined;
      pendingBefore = [];
      const at = quoted(u.prompt);
      if (u.secret) {
        const ref = slot(u, name);
        const id = hole(secrets[secrets.length - 1]?.id ?? '');
        const why =
          u.secret === 'code'
            ? `a one-time code typed at ${at}: ${id} holds the base32 TOTP seed, not a code`
            : `a secret typed at ${at} (not echoed): ${id} holds it`;
        return push({ send_secret: ref }, { after: why, ...(before ? { before } : {}) });
      }
      const pick = detectSelect(u);
      if (pick)
        return push(selectStep(pick, turns), {
          before: [before, selectNote(pick, u, turns)].filter(Boolean).join('\n'),
        });
      const text = withParams(u.text, params);
      if (u.enter)
        return push(
          { send_text: text },
          { after: `typed at ${at}`, ...(before ? { before } : {}) },
        );
      if (u.text === '') return push({ send_keys: u.keys }, { after: `pressed at ${at}` });
      return push({ send_text: { text, enter: false } }, { after: `a key read at ${at}` });
    };
    const selectStep = (pick: SelectGuess, turns: InputUnit[]): RawStep => {
      selected = true;
      const param = params.find((p) => p.value === pick.label);
      const paging = pagingOf(turns, pick.line);
      const page = promptLineOf(turns[0]?.at.before ?? '');
      return {
        select: {
          line: pick.line,
          item: param ? `^\${${param.name}}$` : `^${escapeRegex(pick.label)}$`,
          send: '${key}',
          ...(paging ? { next_page: paging.next, max_pages: Math.max(10, paging.turned + 5) } : {}),
          ...(page && needsPageEnd(page) ? { page_end: generalizePrompt([page]) } : {}),
        },
      };
    };
    const selectNote = (pick: SelectGuess, u: InputUnit, turns: InputUnit[]) => {
      const pages = pagingOf(turns, pick.line);
      return `you typed ${pick.key} for "${pick.row}" at ${quoted(u.prompt)}${pages ? ` after ${pages.turned} page turn(s)` : ''}`;
    };

    if (plan.from) {
      const work = plan.from.units.slice(0, -1);
      for (const w of work) {
        if (w.enter && setsState(w.text)) {
          pendingBefore.push(
            `typed at ${plan.from.line.trim()}; uncomment if the next hop needs it:`,
            `- send_text: ${w.text}`,
          );
        }
      }
      const u = plan.from.units[plan.from.units.length - 1];
      // Lines typed at a menu before the pick may have been page turns (pagingOf keeps those).
      if (u)
        lead(
          u,
          work.filter((w) => !w.secret),
        );
    }
    const hopPrompt = generalizePrompt(
      seg.samples.get(plan.place.key) ?? [plan.place.line],
      seg.hops.filter((o) => o !== plan).flatMap((o) => seg.samples.get(o.place.key) ?? []),
      params,
    );
    plan.passed.forEach((f, k) => {
      const u = f.units[f.units.length - 1];
      if (!u) return;
      // Retries: the same prompt came back; only the last answer is kept.
      const turns = f.units.slice(0, -1).filter((t) => !t.secret);
      const match = waitFor(u, params);
      if (h === 0 && k === plan.passed.length - 1 && u.secret && !plan.from) {
        // A code asked before the first place: wait for either, as profiles/examples do, so a
        // login that asks it as keyboard-interactive instead still walks.
        const inner = { steps: [] as RawStep[] };
        const ref = slot(u, name);
        inner.steps.push({ send_secret: ref });
        const id = hole(secrets[secrets.length - 1]?.id ?? '');
        push(
          { wait_for: [{ match, then: inner.steps }, { match: hopPrompt }] },
          {
            before:
              u.secret === 'code'
                ? `${quoted(u.prompt)} asked for a one-time code (not echoed): ${id} holds the base32 TOTP seed, not a code`
                : `${quoted(u.prompt)} asked for a secret (not echoed): ${id} holds it`,
          },
        );
        return;
      }
      push({ wait_for: match });
      lead(u, turns);
    });

    const last = h === seg.hops.length - 1;
    const hop: RawHop = { name };
    if (steps.length > 0) hop.steps = steps;
    hop.prompt = hopPrompt;
    let shellNote: string;
    if (last && info.lastShell) {
      hop.shell = info.lastShell.kind === 'none' ? 'none' : 'posix';
      shellNote =
        info.lastShell.kind === 'none'
          ? `${info.lastShell.name}: gatewalk cannot run commands here`
          : `${info.lastShell.name} answered when you stopped`;
    } else if (isShellLike(plan.place.line)) {
      hop.shell = 'posix';
      shellNote = 'inferred from the prompt; --check confirms the last hop only';
    } else {
      hop.shell = 'none';
      shellNote = 'a menu, by its prompt';
    }
    let exitNote: string | undefined;
    const out = plan.exit;
    if (out) {
      if (out.keys.includes('ctrl-d') && out.text === '') {
        if (hop.shell === 'posix') hop.exit = 'exit';
        exitNote =
          hop.shell === 'posix'
            ? 'you left with Ctrl-D'
            : 'you left with Ctrl-D (a key: no exit line)';
      } else if (out.enter) {
        hop.exit = out.text;
        exitNote = `you left with ${out.text}`;
      }
    } else if (hop.shell === 'posix') {
      hop.exit = 'exit';
      exitNote = 'not seen: the usual way out of a shell';
    } else {
      const screens = plan.place.units.map((u) => [...u.at.rows, u.streamBefore].join('\n'));
      for (const f of plan.passed) screens.push(...f.units.map((u) => u.streamBefore));
      const key = menuExitIn(screens.reverse());
      if (key) {
        hop.exit = key;
        exitNote = 'not seen: read from the menu';
      } else exitNote = 'no way out seen: leaving closes the connection';
    }
    const hopPath = ['hops', h];
    const why = `hop ${h + 1}: ${plan.why}`;
    comments.push({ path: [...hopPath, 'name'], after: why });
    stepNotes.forEach((n, s) => {
      if (n.before || n.after) comments.push({ path: [...hopPath, 'steps', s], ...n });
    });
    comments.push({ path: [...hopPath, 'shell'], after: shellNote });
    if (exitNote)
      comments.push({
        path: [...hopPath, hop.exit ? 'exit' : 'shell'],
        ...(hop.exit
          ? { after: exitNote }
          : { before: undefined, after: `${shellNote}; ${exitNote}` }),
      });
    return hop;
  });

  const profile: RawProfile = {
    description: `${info.name}: recorded ${info.recordedAt.slice(0, 10)} (draft)`,
  };
  if (info.extends) profile.extends = info.extends;
  if (params.length > 0) {
    profile.params = Object.fromEntries(
      params.map((p) => [
        p.name,
        {
          default: p.value,
          pattern: VALUE.test(p.value) ? '^[A-Za-z0-9][A-Za-z0-9._-]*$' : '^[^\\s|]+$',
        },
      ]),
    );
    for (const p of params) comments.push({ path: ['params', p.name], before: p.comment });
  }
  const on: RawHandler[] = [];
  if (info.connect) {
    const connect = { ...info.connect };
    for (const e of events) {
      if (e.kind !== 'auth') continue;
      const code = CODE_PROMPT.test(e.prompt) && !/password/i.test(e.prompt);
      const fake = { prompt: e.prompt, secret: code ? 'code' : 'line' } as InputUnit;
      if (!code && /password/i.test(e.prompt) && !connect.password) {
        connect.password = slot(fake, 'connect');
      } else if (!on.some((o) => o.match === `${escapeRegex(e.prompt.trim())}\\s*$`)) {
        on.push({
          match: `${escapeRegex(e.prompt.trim())}\\s*$`,
          send_secret: slot(fake, 'connect'),
        });
        comments.push({
          path: ['on', on.length - 1],
          before: `asked at login (keyboard-interactive${e.echo ? '' : ', no echo'})${code ? `: a one-time code; ${hole(secrets[secrets.length - 1]?.id ?? '')} holds the base32 TOTP seed, not a code` : ''}`,
        });
      }
    }
    profile.connect = connect;
  }
  if (selected) profile.terminal = { cols: info.terminal.cols, rows: info.terminal.rows };
  // A gateway that took long to answer gets room: 3x the slowest answer, and 3x the whole walk.
  const slowest = Math.max(0, ...units.map((u) => u.latencyMs));
  if (slowest > 5000) profile.timeout = `${Math.ceil((3 * slowest) / 1000)}s`;
  const walkMs = (units[units.length - 1]?.t1 ?? 0) - (units[0]?.t0 ?? 0);
  if (3 * walkMs > 60_000) profile.open_timeout = `${Math.ceil((3 * walkMs) / 1000)}s`;
  for (const u of seg.onTheWayOut) {
    on.push({ match: `${escapeRegex(u.prompt.trim())}\\s*$`, send_text: '' });
    comments.push({
      path: ['on', on.length - 1],
      before: `met on the way out: you pressed a key at ${quoted(u.prompt)}`,
    });
  }
  if (on.length > 0) profile.on = on;
  profile.hops = hops;
  if (selected)
    comments.push({ path: ['terminal'], before: 'the size you recorded at: menus lay out by it' });

  const header = [
    'yaml-language-server: $schema=https://gatewalk.dev/schemas/profile.schema.json',
    '',
    `Recorded by gatewalk record at ${info.recordedAt} (terminal ${info.terminal.cols}x${info.terminal.rows}).`,
    'A draft: check it with `gatewalk record --check ' +
      info.name +
      '`, then move it to a profile folder.',
  ];
  const names = (given: Record<string, string> = {}) =>
    Object.fromEntries(secrets.map((s) => [hole(s.id), given[s.id] ?? s.suggested]));
  const model = { name: info.name, header, profile, comments };
  return {
    profile: substitute(profile, names()),
    secrets,
    render: (given) => {
      const map = names(given);
      return draftText({
        ...model,
        profile: substitute(profile, map),
        comments: substitute(comments, map),
      });
    },
  };
}
