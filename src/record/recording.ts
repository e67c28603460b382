// One recording, from the connection to the written draft: the walk (for --extends), the
// terminal hand-over with the chord, the shell probe at the last place, the secrets' names, the
// draft written and validated, leaving with the draft's own exits, and the offered check.
import { writeFileSync } from 'node:fs';
import type { CliIo, UserTerminal } from '../cli/io.js';
import { askOptions, progress } from '../cli/nav-commands.js';
import { Style } from '../cli/style.js';
import { isGatewalkError } from '../errors.js';
import type { NavSession } from '../navigator/session.js';
import { matchesAtEnd } from '../navigator/matcher.js';
import { formatDiagnostic } from '../profiles/diagnostics.js';
import { escapeRegex } from '../profiles/placeholders.js';
import { loadProfiles } from '../profiles/registry.js';
import type { Hop, ResolvedProfile } from '../profiles/types.js';
import type { RecordDeps, RecordPlan } from '../cli/record-command.js';
import { askLine } from './ask-line.js';
import { CHORD_HINT, ChordFilter, leakedValues, Recorder, type ChordCommand } from './capture.js';
import type { Draft, RecordInfo, SecretSlot, Snapshot } from './types.js';
import { validateDraft } from './validate.js';

/** The in-memory profile of a --connect recording: no hops, so the walk stands at `ready`. */
export function recordingProfile(
  plan: RecordPlan,
  size: { cols: number; rows: number },
): ResolvedProfile {
  const c = plan.connect ?? {};
  const key = c.private_key && 'file' in c.private_key ? c.private_key : null;
  const known = c.host_key && 'known_hosts' in c.host_key ? c.host_key.known_hosts : null;
  return {
    name: plan.name,
    description: `recording ${plan.name}`,
    source: { file: plan.file, line: 1, col: 1 },
    ancestors: [],
    params: {},
    values: {},
    connect: {
      host: c.host ?? '',
      port: c.port === undefined ? null : Number(c.port),
      user: c.user ?? null,
      password: null,
      privateKey: key,
      passphrase: null,
      agent: c.agent ?? false,
      hostKey: known ? { kind: 'known_hosts', path: known } : { kind: 'default' },
      via: c.via ?? null,
      keepaliveMs: null,
      timeoutMs: null,
    },
    terminal: { term: 'xterm-256color', cols: size.cols, rows: size.rows },
    timeoutMs: 15_000,
    openTimeoutMs: 60_000,
    policy: { readOnly: false, deny: [] },
    on: [],
    hops: [],
  };
}

/** A prompt that ends as a shell's does: `$ `, `# `, `% `, or `> ` after a path (fish). */
const SHELL_LIKE = /(?:[$#%] |[~/][^\s]*\]?> )$/;

/**
 * What answers at the place the person stopped at: the executor's probe, typed only at a prompt
 * that ends like a shell's (a menu would take the probe line as a search or a choice).
 */
export async function probeLast(
  session: NavSession,
  final: Snapshot,
): Promise<RecordInfo['lastShell']> {
  const line = final.before.split('\n').at(-1) ?? '';
  if (!SHELL_LIKE.test(line)) return { kind: 'none', name: 'not a shell prompt' };
  const hop: Hop = {
    name: 'recorded',
    steps: [],
    prompt: `${escapeRegex(line)}$`,
    shell: 'posix',
    exit: null,
    on: [],
    declaredBy: session.profile.name,
    source: session.profile.source,
  };
  const at = session.profile.hops.length;
  const probing: NavSession = {
    ...session,
    profile: { ...session.profile, hops: [...session.profile.hops, hop] },
    at,
    prompts: [...session.prompts, line],
  };
  const { probeShell } = await import('../shell/prepare.js');
  try {
    const kind = await probeShell(probing).wait(5000);
    return { kind: kind.flavor === 'fish' ? 'fish' : 'posix', name: kind.name };
  } catch (err) {
    if (!isGatewalkError(err)) throw err;
    if (err.code === 'shell_multiplexer')
      return { kind: 'none', name: /inside (\w+)/.exec(err.message)?.[1] ?? 'a multiplexer' };
    if (err.code === 'shell_unsupported')
      return { kind: 'none', name: /C shell/.test(err.message) ? 'tcsh' : 'not POSIX' };
    // No answer in time, or something else: not known.
    return null;
  }
}

/** The names of the secrets: --secret-env in order, then --yes's suggestions, else asked. */
async function nameSecrets(
  slots: SecretSlot[],
  plan: RecordPlan,
  terminal: UserTerminal,
  io: CliIo,
): Promise<Record<string, string>> {
  const names: Record<string, string> = {};
  if (plan.secretEnv.length > slots.length)
    io.err(
      `gatewalk: ${plan.secretEnv.length} --secret-env given, ${slots.length} secret(s) typed: the rest are unused`,
    );
  for (const [i, slot] of slots.entries()) {
    const given = plan.secretEnv[i];
    if (given !== undefined || plan.yes) {
      names[slot.id] = given ?? slot.suggested;
      continue;
    }
    const what =
      slot.kind === 'code'
        ? 'looks like a one-time code. Variable holding its TOTP seed'
        : 'Variable holding it';
    for (;;) {
      const answer = (
        await askLine(
          terminal,
          `Secret typed at ${JSON.stringify(slot.prompt.trim())} (hop ${slot.hop}) ${what} [${slot.suggested}]: `,
          { echo: true },
        )
      ).trim();
      const chosen = answer === '' ? slot.suggested : answer;
      if (/^[A-Z_][A-Z0-9_]*$/.test(chosen)) {
        names[slot.id] = chosen;
        break;
      }
      terminal.output('  (A-Z, 0-9 and _, not starting with a digit)\r\n');
    }
  }
  return names;
}

/** Hands the terminal over until the person stops, aborts, or the connection closes. */
export function handOver(
  session: NavSession,
  terminal: UserTerminal,
  recorder: Recorder,
  io: CliIo,
): Promise<'stop' | 'abort' | 'closed'> {
  const { pty } = session;
  const size = terminal.size();
  pty.resize(size.cols, size.rows);
  terminal.output(`${pty.screen.text().split('\n').slice(-size.rows).join('\r\n')}`);
  const onRaw = (chunk: Buffer) => terminal.output(chunk);
  pty.on('raw', onRaw);
  terminal.setRaw(true);
  return new Promise((resolve) => {
    let finished = false;
    const finish = (how: 'stop' | 'abort' | 'closed') => {
      if (finished) return;
      finished = true;
      offInput();
      offResize();
      pty.off('raw', onRaw);
      pty.off('close', closed);
      resolve(how);
    };
    const chord = new ChordFilter(
      (keys) => recorder.key(keys),
      (c: ChordCommand) => {
        if (c === 'stop') return finish('stop');
        if (c === 'abort') return finish('abort');
        if (c === 'mark-hop' || c === 'mark-secret') {
          recorder.mark(c === 'mark-hop' ? 'hop' : 'secret');
          io.err(
            `\r\ngatewalk: marked: ${c === 'mark-hop' ? 'a hop ends here' : 'that line was a secret'}\r`,
          );
        }
      },
    );
    const offInput = terminal.onInput((data) => chord.input(data));
    const offResize = terminal.onResize(() => {
      const s = terminal.size();
      recorder.resize(s.cols, s.rows);
    });
    const closed = () => finish('closed');
    pty.once('close', closed);
  });
}

/** Records a walk and writes its draft; resolves with the exit status. */
export async function recordWalk(
  plan: RecordPlan,
  io: CliIo,
  terminal: UserTerminal,
  deps: RecordDeps,
): Promise<number> {
  const style = new Style(io.stderr, io.env, io.err);
  const recorder = new Recorder();
  // Answers typed without echo at login: kept only to make sure the draft holds none of them.
  const hidden = new Set<string>();
  const size = terminal.size();
  const registry = loadProfiles(plan.dirs, { lint: false }).registry;
  const { openSession, closeSession } = await import('../navigator/session.js');
  let session: NavSession;
  try {
    const profile = plan.extendsName
      ? registry.resolve(plan.extendsName, plan.params)
      : recordingProfile(plan, size);
    session = await openSession(profile, {
      lookup: (n) => registry.resolveVia(n),
      onProgress: progress(style, false, plan.verbose),
      // A profile walked by --extends may ask the person for a secret ({ ask }).
      ...askOptions(io, style),
      prompt: async (text, echo) => {
        style.stop();
        recorder.auth(text, echo);
        const value = await askLine(terminal, text, { echo });
        if (!echo) hidden.add(value);
        return value;
      },
    });
  } catch (err) {
    style.stop();
    terminal.setRaw(false);
    if (!isGatewalkError(err)) throw err;
    style.error(`gatewalk: ${err.message}`);
    return 255;
  }
  style.stop();
  io.err(CHORD_HINT);
  recorder.attach(session.pty);
  const how = await handOver(session, terminal, recorder, io);
  const final = recorder.stop();
  terminal.setRaw(false);
  if (how === 'abort') {
    io.err('\r\ngatewalk: recording aborted; nothing written');
    await closeSession(session, { leave: false });
    return 1;
  }
  io.err(
    `\r\ngatewalk: ${how === 'stop' ? 'stopped' : 'the connection closed'}; writing the draft`,
  );
  const lastShell = final && !session.pty.closed ? await probeLast(session, final) : null;
  const info: RecordInfo = {
    name: plan.name,
    connect: plan.connect,
    extends: plan.extendsName,
    terminal: size,
    final,
    lastShell,
    recordedAt: new Date().toISOString(),
  };
  let draft: Draft;
  let text: string;
  try {
    const { analyse } = await import('./analyse.js');
    draft = analyse(recorder.events, info);
    text = draft.render(await nameSecrets(draft.secrets, plan, terminal, io));
  } catch (err) {
    await closeSession(session, { leave: false });
    if (isGatewalkError(err) && err.code === 'declined') {
      io.err('gatewalk: recording abandoned; nothing written');
      return 1;
    }
    throw err;
  }
  const leaks = leakedValues(recorder.events, hidden, text);
  hidden.clear();
  if (leaks > 0) {
    await closeSession(session, { leave: false });
    style.error(
      `gatewalk: the draft would hold ${leaks} value(s) typed without echo (secrets?): nothing written. Record again and mark the secret line with Ctrl-] x right after typing it`,
    );
    return 1;
  }
  writeFileSync(plan.file, text);
  io.write(text.endsWith('\n') ? text : `${text}\n`);
  const checked = validateDraft(plan.name, plan.file, plan.dirs);
  for (const d of [...checked.errors, ...checked.warnings]) io.err(formatDiagnostic(d));
  const valid = checked.errors.length === 0;
  // Leave as a person would, by the draft's own exits, from the hop whose prompt stands last.
  if (valid && final && !session.pty.closed) {
    const drafted = checked.registry.resolve(plan.name);
    const line = final.before;
    let at = -1;
    for (let i = drafted.hops.length - 1; i >= 0 && at < 0; i--) {
      const prompt = drafted.hops[i]?.prompt;
      if (prompt && matchesAtEnd(line, prompt)) at = i;
    }
    await closeSession({ ...session, profile: drafted, at }, { leave: at >= 0 });
  } else await closeSession(session, { leave: false });
  if (!valid) {
    style.error(
      `gatewalk: wrote ${plan.file}, but it does not load (above): a recorder bug; fix the lines named, then gatewalk record --check ${plan.name}`,
    );
    return 1;
  }
  style.say(
    `gatewalk: ${style.green(`wrote ${plan.file}`)} (${draft.secrets.length} secret(s) referenced, none written)`,
  );
  if (!plan.check) return 0;
  const walkNow =
    plan.yes ||
    /^(y|yes|)$/i.test(
      (
        await askLine(terminal, 'Walk the draft now to check it? [Y/n] ', { echo: true }).catch(
          () => 'n',
        )
      ).trim(),
    );
  if (!walkNow) {
    io.err(
      `gatewalk: check it later with gatewalk record --check ${plan.name}${plan.file.endsWith(`${plan.name}.draft.yaml`) ? '' : ` -o ${plan.file}`}`,
    );
    return 0;
  }
  const { checkDraft } = await import('./check.js');
  return checkDraft(plan.name, plan.file, io, {
    dirs: plan.dirs,
    verbose: plan.verbose,
    ...(recorder.lastKeyAt !== null ? { codeTypedAt: recorder.lastKeyAt } : {}),
    ...deps,
  });
}
