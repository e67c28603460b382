// The HTTP server's bearer token, kept across restarts: a client configuration saved with it
// (an `Authorization` header in a JSON file) keeps working after `gatewalk serve --http` starts
// again. It lives in the runtime root, readable by the user only, like the transcripts.
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { privateFile } from '../util/private-file.js';

export const TOKEN_FILE = 'http-token';

/**
 * The token in `${root}/http-token`, made (0600) on first use. Refuses a file that others may
 * read or that is not a plain file of ours (a symlink, another user's): whoever could read it
 * could call every tool, so it is not used quietly.
 */
export function stableToken(root: string): string {
  return privateFile(
    {
      file: join(root, TOKEN_FILE),
      // 32 random bytes, base64url: 43 characters. Shorter or other text is not ours.
      shape: /^[A-Za-z0-9_-]{32,256}$/,
      holds: 'a token (32 to 256 characters of A-Z a-z 0-9 _ -)',
      unsafe: 'http_token_unsafe',
      invalid: 'http_token_unsafe',
      fix: {
        link: 'delete it (a new token is made at the next start) or set GATEWALK_HTTP_TOKEN',
        mode: 'delete it (a new token is made at the next start; update the saved client configurations) or set GATEWALK_HTTP_TOKEN',
        content: 'delete it (a new one is made at the next start) or set GATEWALK_HTTP_TOKEN',
      },
    },
    () => randomBytes(32).toString('base64url'),
  );
}
