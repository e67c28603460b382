// Small secret files of the installation (the HTTP token, the audit key): made 0600 on first
// use, reused after, and refused when they are not a plain file of ours that only we may read:
// whoever can read one could call every tool, or rewrite transcripts unnoticed.
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
import { dirname } from 'node:path';
import { GatewalkError } from '../errors.js';

export interface PrivateFile {
  /** The file's path. */
  file: string;
  /** What the file must hold (trimmed), and how an error names that. */
  shape: RegExp;
  holds: string;
  /** Error codes: a file others may read or not ours; a file that does not hold `shape`. */
  unsafe: string;
  invalid: string;
  /** What the person should do, per problem. */
  fix: { link: string; mode: string; content: string };
}

/** The file's content; undefined when there is no file. Throws when it is unsafe or invalid. */
export function readPrivateFile(spec: PrivateFile): string | undefined {
  const { file } = spec;
  let fd: number;
  try {
    fd = openSync(file, constants.O_RDONLY | constants.O_NOFOLLOW);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    if (code === 'ELOOP')
      throw new GatewalkError(spec.unsafe, `${file} is a symbolic link: ${spec.fix.link}`);
    throw new GatewalkError(spec.unsafe, `cannot read ${file}: ${code ?? String(err)}`, {
      cause: err,
    });
  }
  try {
    const stat = fstatSync(fd);
    const mine = typeof process.getuid !== 'function' || stat.uid === process.getuid();
    if (!stat.isFile() || !mine || (stat.mode & 0o077) !== 0) {
      const mode = (stat.mode & 0o777).toString(8).padStart(4, '0');
      throw new GatewalkError(
        spec.unsafe,
        `${file} may be read by others (mode ${mode}${mine ? '' : ', owned by another user'}): ${spec.fix.mode}`,
      );
    }
    const text = readFileSync(fd, 'utf8').trim();
    if (!spec.shape.test(text))
      throw new GatewalkError(
        spec.invalid,
        `${file} does not hold ${spec.holds}: ${spec.fix.content}`,
      );
    return text;
  } finally {
    closeSync(fd);
  }
}

/** The file's content, made with `make()` (mode 0600) when there is no file yet. */
export function privateFile(spec: PrivateFile, make: () => string): string {
  mkdirSync(dirname(spec.file), { recursive: true, mode: 0o700 });
  const existing = readPrivateFile(spec);
  if (existing !== undefined) return existing;
  // Written whole under another name, then linked into place: a server starting at the same
  // moment either sees no file or the whole content, never half of it; link() fails if the
  // file appeared meanwhile, and then both use that one.
  const made = make();
  const temp = `${spec.file}.${process.pid}.${randomBytes(4).toString('hex')}`;
  writeFileSync(temp, `${made}\n`, { mode: 0o600, flag: 'wx' });
  try {
    linkSync(temp, spec.file);
    return made;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    const theirs = readPrivateFile(spec);
    if (theirs === undefined)
      throw new Error(`${spec.file} vanished while it was being made`, { cause: err });
    return theirs;
  } finally {
    rmSync(temp, { force: true });
  }
}
