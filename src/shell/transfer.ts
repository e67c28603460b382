import { randomBytes } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  readFileSync,
  realpathSync,
  renameSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { dirname, isAbsolute, relative, resolve } from 'node:path';
import { GatewalkError } from '../errors.js';
import type { ShellExecutor } from './executor.js';
import { redactFile, type FileRecord } from './file-record.js';
import { MAX_FILE_BYTES, readRemoteFile, shPath, writeRemoteFile } from './files.js';

export type OnConflict = 'fail' | 'overwrite' | 'rename';

export interface TransferOptions {
  /** Local files are read from and written to this folder only. */
  localRoot: string;
  onConflict?: OnConflict;
  /** Called as data moves: bytes done of the total. */
  onProgress?: (done: number, total: number) => void;
  /** Keeps the encoded content out of the transcript. */
  record?: FileRecord;
  /** The session's secret values: masked in what a download writes. */
  secrets?: Set<string>;
}

/** Characters of a local path (as the tools' schemas advertise), and bytes of one name in it. */
const MAX_LOCAL_PATH = 4096;
const MAX_NAME_BYTES = 255;

/** A local path the file system can take, or an error that says what is wrong with it. */
function checkLocalPath(path: string): void {
  const bad = (why: string) =>
    new GatewalkError(
      'local_path_invalid',
      `local path ${JSON.stringify(path.slice(0, 80))}${path.length > 80 ? '...' : ''} ${why}: give a relative path inside the transfer folder`,
    );
  if (path.length === 0) throw bad('is empty');
  if (path.length > MAX_LOCAL_PATH)
    throw bad(`is ${path.length} characters, over ${MAX_LOCAL_PATH}`);
  // eslint-disable-next-line no-control-regex
  if (/[\x00-\x1f\x7f]/.test(path)) throw bad('holds a control character (NUL, newline, ...)');
  const long = path.split('/').find((name) => Buffer.byteLength(name) > MAX_NAME_BYTES);
  if (long !== undefined) throw bad(`has a name over ${MAX_NAME_BYTES} bytes`);
}

/** A local file-system call whose failure (ENAMETOOLONG, EACCES, ENOSPC ...) is told plainly. */
function local<T>(what: string, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    const code =
      (err as NodeJS.ErrnoException).code ?? (err instanceof Error ? err.message : String(err));
    throw new GatewalkError('local_file_error', `${what}: ${code}; nothing was changed there`, {
      cause: err,
    });
  }
}

/** A local path inside the configured folder, or an error saying it is outside. */
function confined(localRoot: string, path: string): string {
  checkLocalPath(path);
  const root = local(`the transfer folder ${localRoot}`, () => realpathSync(localRoot));
  const full = resolve(root, path);
  // The system's own bound on a whole path (PATH_MAX, 4096 bytes with its NUL).
  if (Buffer.byteLength(full) > MAX_LOCAL_PATH - 1)
    throw new GatewalkError(
      'local_path_invalid',
      `local path ${JSON.stringify(path.slice(0, 80))}... is ${Buffer.byteLength(full)} bytes inside the transfer folder, over the system's ${MAX_LOCAL_PATH - 1}: give a shorter relative path`,
    );
  // The path itself and, links resolved, its nearest existing ancestor must both be inside.
  let probe = full;
  while (!existsSync(probe)) probe = dirname(probe);
  for (const candidate of [full, local(`resolving ${path}`, () => realpathSync(probe))]) {
    const rel = relative(root, candidate);
    if (rel.startsWith('..') || isAbsolute(rel)) {
      throw new GatewalkError(
        'path_outside_root',
        `${path} is outside the transfer folder ${root}: only files under it can be moved`,
      );
    }
  }
  return existsSync(full) ? local(`resolving ${path}`, () => realpathSync(full)) : full;
}

function renamed(path: string, exists: (p: string) => boolean): string {
  for (let i = 1; i < 1000; i++) {
    const dot = path.lastIndexOf('.');
    const slash = path.lastIndexOf('/');
    const candidate =
      dot > slash + 1 ? `${path.slice(0, dot)}.${i}${path.slice(dot)}` : `${path}.${i}`;
    if (!exists(candidate)) return candidate;
  }
  throw new GatewalkError('file_conflict', `${path}: no free name found`);
}

/** Copies a local file (under localRoot) to the current hop. Returns the remote path used. */
export async function upload(
  sh: ShellExecutor,
  localPath: string,
  remotePath: string,
  options: TransferOptions,
): Promise<{ remotePath: string; bytes: number; sha256: string }> {
  const source = confined(options.localRoot, localPath);
  if (!existsSync(source))
    throw new GatewalkError('file_not_found', `${localPath}: no such local file`);
  if (local(`reading ${localPath}`, () => statSync(source)).size > MAX_FILE_BYTES) {
    throw new GatewalkError(
      'file_too_large',
      `${localPath} is over the ${MAX_FILE_BYTES}-byte transfer limit`,
    );
  }
  const data = local(`reading ${localPath}`, () => readFileSync(source));
  const remoteExists = async (p: string) =>
    (await sh.execute(`[ -e ${shPath(p)} ]`)).exit_code === 0;
  let target = remotePath;
  if (await remoteExists(target)) {
    const how = options.onConflict ?? 'fail';
    if (how === 'fail')
      throw new GatewalkError(
        'file_conflict',
        `${remotePath} exists on the remote side: choose on_conflict overwrite or rename`,
      );
    if (how === 'rename') {
      const taken = new Set<string>();
      let free: string | undefined;
      for (let i = 1; i < 1000 && !free; i++) {
        const candidate = renamed(remotePath, (p) => taken.has(p));
        if (await remoteExists(candidate)) taken.add(candidate);
        else free = candidate;
      }
      if (!free)
        throw new GatewalkError('file_conflict', `${remotePath}: no free name to rename to`);
      target = free;
    }
  }
  options.onProgress?.(0, data.length);
  const written = await writeRemoteFile(sh, target, data, {
    ...(options.record ? { record: options.record } : {}),
  });
  options.onProgress?.(data.length, data.length);
  return { remotePath: target, ...written };
}

/** Copies a file from the current hop to a local path (under localRoot), verified. */
export async function download(
  sh: ShellExecutor,
  remotePath: string,
  localPath: string,
  options: TransferOptions,
): Promise<{ localPath: string; bytes: number; sha256: string; redacted: boolean }> {
  let target = confined(options.localRoot, localPath);
  if (existsSync(target)) {
    const how = options.onConflict ?? 'fail';
    if (how === 'fail')
      throw new GatewalkError(
        'file_conflict',
        `${localPath} exists locally: choose on_conflict overwrite or rename`,
      );
    if (how === 'rename') target = renamed(target, existsSync);
  }
  const read = await readRemoteFile(sh, remotePath, undefined, options.onProgress, {
    ...(options.record ? { record: options.record } : {}),
  });
  if (read.truncated) {
    throw new GatewalkError(
      'file_too_large',
      `${remotePath} is ${read.size} bytes, over the transfer limit: nothing was written`,
    );
  }
  // The session's secret values are masked in the copy, as in every other result.
  const { content, masked } = redactFile(read.content, options.secrets ?? new Set());
  // Temp file and rename: a failed write never leaves half a file under the real name.
  // A fresh name, created exclusively: an existing file or link of that name is never followed.
  const tmp = `${target}.gw-${randomBytes(6).toString('hex')}`;
  local(`writing ${localPath}`, () => {
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(tmp, content, { mode: 0o600, flag: 'wx' });
    renameSync(tmp, target);
  });
  return { localPath: target, bytes: read.content.length, sha256: read.sha256, redacted: masked };
}
