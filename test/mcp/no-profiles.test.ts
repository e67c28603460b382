// With no profile anywhere, list_profiles says where it looked and what to do.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { connectClient } from './helpers.js';

it('list_profiles names the folders it looked in when none are there', async () => {
  const empty = mkdtempSync(join(tmpdir(), 'gatewalk-empty-'));
  const c = await connectClient({ profileDirs: [empty] });
  try {
    const r = await c.call('list_profiles');
    const text = r.content.map((x) => (x.type === 'text' ? x.text : '')).join('\n');
    expect(text).toBe(
      `no profiles loaded (looked in ${empty}): put profile files there, or start gatewalk serve with --profiles DIR`,
    );
    expect(r.structuredContent).toEqual({ profiles: [] });
  } finally {
    await c.close();
    rmSync(empty, { recursive: true, force: true });
  }
});
