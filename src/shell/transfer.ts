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
import { MAX_FILE_BYTES, readRemoteFile, shPath, writeRemoteFile } from './files.js';

export type OnConflict = 'fail' | 'overwrite' | 'rename';

export interface TransferOptions {
  /** Local files are read from and written to this folder only. */
  localRoot: string;
  onConflict?: OnConflict;
  /** Called as data moves: bytes done of the total. */
  onProgress?: (done: number, total: number) => void;
}

/** A local path inside the configured folder, or an error saying it is outside. */
function confined(localRoot: string, path: string): string {
  const root = realpathSync(localRoot);
  const full = resolve(root, path);
  // The path itself and, links resolved, its nearest existing ancestor must both be inside.
  let probe = full;
  while (!existsSync(probe)) probe = dirname(probe);
  for (const candidate of [full, realpathSync(probe)]) {
    const rel = relative(root, candidate);
    if (rel.startsWith('..') || isAbsolute(rel)) {
      throw new GatewalkError(
        'path_outside_root',
        `${path} is outside the transfer folder ${root}: only files under it can be moved`,
      );
    }
  }
  return existsSync(full) ? realpathSync(full) : full;
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
  if (statSync(source).size > MAX_FILE_BYTES) {
    throw new GatewalkError(
      'file_too_large',
      `${localPath} is over the ${MAX_FILE_BYTES}-byte transfer limit`,
    );
  }
  const data = readFileSync(source);
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
  const written = await writeRemoteFile(sh, target, data);
  options.onProgress?.(data.length, data.length);
  return { remotePath: target, ...written };
}

/** Copies a file from the current hop to a local path (under localRoot), verified. */
export async function download(
  sh: ShellExecutor,
  remotePath: string,
  localPath: string,
  options: TransferOptions,
): Promise<{ localPath: string; bytes: number; sha256: string }> {
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
  const read = await readRemoteFile(sh, remotePath, undefined, options.onProgress);
  if (read.truncated) {
    throw new GatewalkError(
      'file_too_large',
      `${remotePath} is ${read.size} bytes, over the transfer limit: nothing was written`,
    );
  }
  mkdirSync(dirname(target), { recursive: true });
  // Temp file and rename: a failed write never leaves half a file under the real name.
  // A fresh name, created exclusively: an existing file or link of that name is never followed.
  const tmp = `${target}.gw-${randomBytes(6).toString('hex')}`;
  writeFileSync(tmp, read.content, { mode: 0o600, flag: 'wx' });
  renameSync(tmp, target);
  return { localPath: target, bytes: read.content.length, sha256: read.sha256 };
}
