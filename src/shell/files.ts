import { createHash, randomBytes } from 'node:crypto';
import { GatewalkError } from '../errors.js';
import type { ShellExecutor } from './executor.js';
import type { FileRecord } from './file-record.js';

// Files through the current hop's shell, where SFTP cannot reach (inside a pod behind a menu):
// base64 over the terminal, in chunks, verified end to end with SHA-256.

/** upload/download move at most this much (local files: no transport bound applies). */
export const MAX_FILE_BYTES = 10 * 1024 * 1024;
export const READ_CHUNK = 1024 * 1024;
/** Characters of remote output an error quotes: an error says what happened, not the data. */
const ERROR_DETAIL = 600;

/** Remote output for an error message: short, its start and end kept. */
export function detail(text: string, max = ERROR_DETAIL): string {
  const t = text.trim();
  if (t.length <= max) return t;
  const half = Math.floor((max - 40) / 2);
  return `${t.slice(0, half)} [... ${t.length - 2 * half} characters ...] ${t.slice(-half)}`;
}

/** Single-quotes a word for a POSIX shell. */
export function shQuote(word: string): string {
  return `'${word.replaceAll("'", `'\\''`)}'`;
}

/** A quoted path that no command can take for an option (`-x` becomes `./-x`). */
export function shPath(path: string): string {
  // No file name holds NUL: refused before anything is typed (a shell would drop it silently).
  if (path.includes('\0'))
    throw new GatewalkError(
      'path_invalid',
      `${JSON.stringify(path.slice(0, 100))}: a path cannot hold a NUL character`,
    );
  return shQuote(path.startsWith('-') ? `./${path}` : path);
}

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

/**
 * The file tools type shell commands: on a menu or a CLI (`shell: none`) they would be typed as
 * menu answers and never end, so they are refused before anything is typed.
 */
export function requireShellHop(sh: ShellExecutor, what: string): void {
  if (!sh.posix)
    throw new GatewalkError(
      'shell_not_posix',
      `${what}: the file tools run POSIX commands and the session's last hop is not a shell: posix hop (a menu or a CLI): use a profile whose last hop is a shell`,
    );
}

/** The file tools type POSIX commands: a fish hop gets a clear refusal, not a syntax error. */
export function requirePosix(sh: ShellExecutor, what: string): void {
  if (sh.shellFlavor === 'fish')
    throw new GatewalkError(
      'shell_not_posix',
      `${what}: the file tools run POSIX commands (dd, base64, sha256sum, find) and this hop runs fish: start sh in a step of the profile (send_text: exec sh), or use execute_command`,
    );
}

async function run(
  sh: ShellExecutor,
  command: string,
  what: string,
  timeoutMs = 60_000,
): Promise<string> {
  requireShellHop(sh, what);
  // The whole output is the data: it must stay in memory, and a chunk is at most ~1.4 Mi chars.
  const r = await sh.execute(command, {
    timeoutMs,
    maxOutput: Number.MAX_SAFE_INTEGER,
    memoryChars: 4 * READ_CHUNK,
  });
  requirePosix(sh, what);
  if (r.left_hop) {
    throw new GatewalkError(
      'file_transfer_broken',
      `${what}: the connection or the hop's shell went away meanwhile (${detail(r.left_hop.reason, 200)}); nothing was returned. reopen the session and try again`,
    );
  }
  if (r.status !== 'done') {
    // Leave the session usable: stop what still runs before saying it stalled.
    await sh.interrupt().catch(() => undefined);
    throw new GatewalkError(
      'file_transfer_stalled',
      `${what}: the remote command did not finish within ${timeoutMs} ms (command ${r.command_id})`,
    );
  }
  if (r.exit_code !== 0)
    throw new GatewalkError(
      'file_remote_error',
      `${what}: ${detail(r.output) || `exit code ${r.exit_code}`}`,
    );
  return r.output;
}

/** base64 and a SHA-256 tool must be there; says which is missing and what to install. */
async function requireTools(sh: ShellExecutor): Promise<string> {
  const out = await run(
    sh,
    'command -v base64 >/dev/null 2>&1 && echo base64=yes; for t in sha256sum "busybox sha256sum" "shasum -a 256"; do if echo | $t >/dev/null 2>&1; then echo "sha=$t"; break; fi; done',
    'checking the remote tools',
  );

  if (!out.includes('base64=yes')) {
    throw new GatewalkError(
      'remote_no_base64',
      'the remote shell has no base64 command: file transfers need it (coreutils or busybox provide it)',
    );
  }
  const tool = /sha=(.+)/.exec(out)?.[1]?.trim();
  if (!tool)
    throw new GatewalkError(
      'remote_no_sha256',
      'the remote shell has no sha256sum (or busybox sha256sum, shasum): transfers cannot be verified',
    );
  return tool;
}

/** The bytes from `offset` (0-based) of a remote file, as a shell pipeline's source. */
function source(path: string, offset: number): string {
  return offset === 0 ? `< ${shPath(path)}` : `< ${shPath(path)} tail -c +${offset + 1} |`;
}

async function remoteSha(
  sh: ShellExecutor,
  tool: string,
  path: string,
  bytes?: number,
  offset = 0,
): Promise<string> {
  // With `bytes`, the same bytes that were read: a log may have grown since.
  const from = source(path, offset);
  const command =
    bytes === undefined
      ? offset === 0
        ? `${tool} ${from}`
        : `${from} ${tool}`
      : `${from} head -c ${bytes} | ${tool}`;
  const out = await run(sh, command, `hashing ${path}`);
  const hash = /^[0-9a-f]{64}/.exec(out.trim())?.[0];
  if (!hash)
    throw new GatewalkError(
      'file_remote_error',
      `hashing ${path}: unexpected output ${JSON.stringify(out.slice(0, 100))}`,
    );
  return hash;
}

export interface ReadResult {
  content: Buffer;
  /** The file's size on the remote side. */
  size: number;
  /** Where the content starts in the file. */
  offset: number;
  /** More of the file follows what was read (read on from offset + content.length). */
  truncated: boolean;
  /** Of the content read (the whole file when read whole), checked against the remote side. */
  sha256: string;
}

export interface ReadOptions {
  /** Byte offset to read from (default 0). */
  offset?: number;
  /** Keeps the encoded content out of the transcript. */
  record?: FileRecord;
}

/**
 * Reads a remote file, up to `maxBytes` from `offset`, each range verified with SHA-256 on both
 * sides.
 */
export async function readRemoteFile(
  sh: ShellExecutor,
  path: string,
  maxBytes = MAX_FILE_BYTES,
  onProgress?: (done: number, total: number) => void,
  options: ReadOptions = {},
): Promise<ReadResult> {
  const record = options.record;
  const work = async (): Promise<ReadResult> => {
    const tool = await requireTools(sh);
    const size = Number((await run(sh, `wc -c < ${shPath(path)}`, `reading ${path}`)).trim());
    if (!Number.isFinite(size))
      throw new GatewalkError('file_remote_error', `reading ${path}: cannot tell its size`);
    const start = Math.min(options.offset ?? 0, size);
    const want = Math.max(0, Math.min(size - start, maxBytes, MAX_FILE_BYTES));
    const parts: Buffer[] = [];
    let done = 0;
    while (done < want) {
      const at = start + done;
      // Whole blocks with dd where the offset allows (fast everywhere); up to the next block
      // boundary with tail | head otherwise.
      const aligned = at % READ_CHUNK === 0;
      const n = Math.min(want - done, aligned ? READ_CHUNK : READ_CHUNK - (at % READ_CHUNK));
      const command = aligned
        ? `dd if=${shPath(path)} bs=${READ_CHUNK} skip=${at / READ_CHUNK} count=1 2>/dev/null | base64`
        : `${source(path, at)} head -c ${n} | base64`;
      const b64 = await run(sh, command, `reading ${path}`);
      const part = Buffer.from(b64.replace(/\s+/g, ''), 'base64').subarray(0, n);
      if (part.length === 0)
        throw new GatewalkError(
          'file_remote_error',
          `reading ${path}: no data at byte ${at} (the file shrank while it was read?); try again`,
        );
      parts.push(part);
      done += part.length;
      onProgress?.(done, want);
    }
    const content = Buffer.concat(parts);
    const local = sha256(content);
    const remote = await remoteSha(sh, tool, path, want, start);
    if (remote !== local) {
      throw new GatewalkError(
        'file_corrupted',
        `reading ${path}: SHA-256 mismatch (remote ${remote}, received ${local}); try again`,
      );
    }
    return { content, size, offset: start, truncated: start + want < size, sha256: local };
  };
  if (!record) return work();
  const r = await record.hidden(work);
  record.placeholder(
    `[read_file ${path}: ${r.content.length} bytes at ${r.offset} of ${r.size}, sha256 ${r.sha256}]`,
  );
  return r;
}

export interface WriteOptions {
  append?: boolean;
  /**
   * Writes a chunk at this byte offset: the file must be exactly this long already (the chunks
   * before it written), and the chunk is appended. 0 or absent: the file is replaced.
   */
  offset?: number;
  /** Octal mode for the file, e.g. "644". */
  mode?: string;
  /** Keeps the encoded content out of the transcript. */
  record?: FileRecord;
}

export interface WriteResult {
  bytes: number;
  sha256: string;
  /** The file's size after the write (with offset or append). */
  size?: number;
}

/**
 * Writes a remote file through a temporary file that is renamed into place only once its
 * SHA-256 matches, so a broken transfer never leaves a half-written file. With `offset`, a chunk
 * of a larger file, appended once verified.
 */
export async function writeRemoteFile(
  sh: ShellExecutor,
  path: string,
  content: Buffer,
  options: WriteOptions = {},
): Promise<WriteResult> {
  if (content.length > MAX_FILE_BYTES) {
    throw new GatewalkError(
      'file_too_large',
      `writing ${path}: ${content.length} bytes is over the ${MAX_FILE_BYTES}-byte limit`,
    );
  }
  if (options.mode !== undefined && !/^[0-7]{3,4}$/.test(options.mode)) {
    throw new GatewalkError(
      'invalid_mode',
      `writing ${path}: mode must be octal like 644, not ${JSON.stringify(options.mode)}`,
    );
  }
  const offset = options.offset ?? 0;
  if (offset > 0 && options.append)
    throw new GatewalkError(
      'invalid_arguments',
      `writing ${path}: give offset or append, not both (offset continues a chunked write)`,
    );
  const record = options.record;
  const work = () => writeWork(sh, path, content, options, offset);
  if (!record) return work();
  const r = await record.hidden(work);
  record.placeholder(
    `[write_file ${path}: ${r.bytes} bytes${offset ? ` at ${offset}` : ''}, sha256 ${r.sha256}]`,
  );
  return r;
}

async function remoteSize(sh: ShellExecutor, path: string): Promise<number | null> {
  const out = await run(
    sh,
    `if [ -e ${shPath(path)} ]; then wc -c < ${shPath(path)}; else echo none; fi`,
    `writing ${path}`,
  );
  const size = Number(out.trim());
  return out.trim() === 'none' || !Number.isFinite(size) ? null : size;
}

async function writeWork(
  sh: ShellExecutor,
  path: string,
  content: Buffer,
  options: WriteOptions,
  offset: number,
): Promise<WriteResult> {
  const tool = await requireTools(sh);
  if (offset > 0) {
    // Chunks go in order: a chunk sent again (its answer lost) is refused, not added twice.
    const size = await remoteSize(sh, path);
    if (size !== offset)
      throw new GatewalkError(
        'file_offset_mismatch',
        `writing ${path} at offset ${offset}: the file is ${size === null ? 'missing' : `${size} bytes`}; offset must equal its size to continue a chunked write (0 starts over)`,
      );
  }
  const nonce = randomBytes(8).toString('hex');
  const tmp = `${path}.gw-${nonce}`;
  const ready = `GWREADY${nonce}`;
  // The data goes to base64 -d on the terminal's input, in lines, with echo off; Ctrl-D ends it.
  // READY comes only once the temporary file could be created: otherwise no data is typed
  // (it would land at the prompt as commands). It is split in the command ('GW''READY'), and
  // only the command's output is searched: the typed line's echo can never pass for it.
  const started = await sh.execute(
    `: > ${shPath(tmp)} && stty -echo && printf 'GW''READY%s\\n' ${nonce} && base64 -d > ${shPath(tmp)}; gw_rc=$?; stty echo; [ $gw_rc -eq 0 ]`,
    { timeoutMs: 0 },
  );
  try {
    await sh.waitForOutput(started.command_id, ready, 10_000);
  } catch {
    const end = await sh.get(started.command_id, 3_000);
    if (end.status !== 'done') await sh.interrupt().catch(() => undefined);
    throw new GatewalkError(
      'file_remote_error',
      `writing ${path}: cannot create ${tmp} (${detail(end.output) || `no answer; status ${end.status}`})`,
    );
  }
  const lines = content.toString('base64').match(/.{1,76}/g) ?? [];
  const type = options.record ? options.record.type : (data: string) => sh.writeRaw(data);
  for (let i = 0; i < lines.length; i += 512) type(`${lines.slice(i, i + 512).join('\n')}\n`);
  type('\x04');
  const done = await sh.get(started.command_id, 120_000);
  if (done.status !== 'done' || done.exit_code !== 0) {
    if (done.status !== 'done') await sh.interrupt().catch(() => undefined);
    await sh.execute('stty echo').catch(() => undefined);
    await sh.execute(`rm -f ${shPath(tmp)}`).catch(() => undefined);
    throw new GatewalkError(
      'file_remote_error',
      `writing ${path}: the remote side could not decode or store the data (${detail(done.output) || done.status})`,
    );
  }
  const local = sha256(content);
  const remote = await remoteSha(sh, tool, tmp);
  if (remote !== local) {
    await run(sh, `rm -f ${shPath(tmp)}`, `cleaning up ${tmp}`);
    throw new GatewalkError(
      'file_corrupted',
      `writing ${path}: SHA-256 mismatch after transfer (sent ${local}, stored ${remote}); nothing was changed`,
    );
  }
  const place =
    options.append || offset > 0
      ? `cat ${shPath(tmp)} >> ${shPath(path)} && rm -f ${shPath(tmp)}`
      : `mv -f ${shPath(tmp)} ${shPath(path)}`;
  const chmod = options.mode ? ` && chmod ${options.mode} ${shPath(path)}` : '';
  await run(sh, `${place}${chmod}`, `writing ${path}`);
  if (offset === 0 && !options.append) return { bytes: content.length, sha256: local };
  const size = await remoteSize(sh, path);
  return { bytes: content.length, sha256: local, ...(size === null ? {} : { size }) };
}
