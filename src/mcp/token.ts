// The HTTP server's bearer token, kept across restarts: a client configuration saved with it
// (an `Authorization` header in a JSON file) keeps working after `gatewalk serve --http` starts
// again. It lives in the runtime root, readable by the user only, like the transcripts.
import { randomBytes } from 'node:crypto';
import {
  closeSync,
  constants,
  fstatSync,
  linkSync,
  mkdirSync,
  openSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { GatewalkError } from '../errors.js';

export const TOKEN_FILE = 'http-token';

/** 32 random bytes, base64url: 43 characters. Shorter or other text in the file is not ours. */
const TOKEN_SHAPE = /^[A-Za-z0-9_-]{32,256}$/;

/**
 * The token in `${root}/http-token`, made (0600) on first use. Refuses a file that others may
 * read or that is not a plain file of ours (a symlink, another user's): whoever could read it
 * could call every tool, so it is not used quietly.
 */
export function stableToken(root: string): string {
  const file = join(root, TOKEN_FILE);
  mkdirSync(root, { recursive: true, mode: 0o700 });
  const existing = readToken(file);
  if (existing !== undefined) return existing;
  // Written whole under another name, then linked into place: a server starting at the same
  // moment either sees no file or the whole token, never a half-written one; link() fails if
  // the file appeared meanwhile, and then both use that one.
  const token = randomBytes(32).toString('base64url');
  const temp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}`;
  writeFileSync(temp, `${token}\n`, { mode: 0o600, flag: 'wx' });
  try {
    linkSync(temp, file);
    return token;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    const theirs = readToken(file);
    if (theirs === undefined)
      throw new Error(`${file} vanished while it was being made`, { cause: err });
    return theirs;
  } finally {
    rmSync(temp, { force: true });
  }
}

/** The token in `file`; undefined when there is no file. */
function readToken(file: string): string | undefined {
  let fd: number;
  try {
    fd = openSync(file, constants.O_RDONLY | constants.O_NOFOLLOW);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    if (code === 'ELOOP')
      throw new GatewalkError(
        'http_token_unsafe',
        `${file} is a symbolic link: delete it (a new token is made at the next start) or set GATEWALK_HTTP_TOKEN`,
      );
    throw err;
  }
  try {
    const stat = fstatSync(fd);
    const mine = typeof process.getuid !== 'function' || stat.uid === process.getuid();
    if (!stat.isFile() || !mine || (stat.mode & 0o077) !== 0) {
      const mode = (stat.mode & 0o777).toString(8).padStart(4, '0');
      throw new GatewalkError(
        'http_token_unsafe',
        `${file} may be read by others (mode ${mode}${mine ? '' : ', owned by another user'}): ` +
          'delete it (a new token is made at the next start; update the saved client configurations) ' +
          'or set GATEWALK_HTTP_TOKEN',
      );
    }
    const token = readFileSync(fd, 'utf8').trim();
    if (!TOKEN_SHAPE.test(token))
      throw new GatewalkError(
        'http_token_unsafe',
        `${file} does not hold a token (32 to 256 characters of A-Z a-z 0-9 _ -): delete it (a new one is made at the next start) or set GATEWALK_HTTP_TOKEN`,
      );
    return token;
  } finally {
    closeSync(fd);
  }
}
