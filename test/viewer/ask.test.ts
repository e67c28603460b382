// The viewer's "enter secret" pages (/ask/<id>): token-guarded, posted from their own origin,
// single use, clear when over; over HTTP as a browser speaks it.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pastCatalog } from '../../src/viewer/catalog.js';
import { startViewer, viewerAt, type Viewer } from '../../src/viewer/server.js';

let viewer: Viewer;
let root: string;
let cookie: string;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'gatewalk-ask-viewer-'));
  viewer = await startViewer({ catalog: pastCatalog(root), port: 0 });
  const first = await fetch(viewer.url, { redirect: 'manual' });
  cookie = (first.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
});

afterAll(async () => {
  await viewer.close();
  rmSync(root, { recursive: true, force: true });
});

const bare = (url: string) => url.replace(/\?token=.*$/, '');
const origin = () => `http://127.0.0.1:${viewer.port}`;

async function get(url: string, headers: Record<string, string> = { cookie }) {
  const r = await fetch(url, { headers, redirect: 'manual' });
  return { status: r.status, body: await r.text() };
}

async function post(url: string, form: Record<string, string>, from = origin()) {
  const r = await fetch(url, {
    method: 'POST',
    headers: { cookie, origin: from, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(form).toString(),
    redirect: 'manual',
  });
  return { status: r.status, body: await r.text() };
}

const ask = (extra: Partial<Parameters<Viewer['ask']>[0]> = {}) =>
  viewer.ask({
    title: 'OTP <from> your token',
    where: 'profile "p", hop "h", step 2 (send_secret)',
    ttlMs: 60_000,
    ...extra,
  });

describe('the ask page', () => {
  it('shows who asks for what with a password field, behind the token', async () => {
    const a = ask();
    expect(a.url).toBe(`${origin()}/ask/${a.id}?token=${viewer.token}`);
    expect((await get(bare(a.url), {})).status).toBe(401);
    // The token in the URL becomes a cookie, as for every viewer page.
    const first = await get(a.url, {});
    expect(first.status).toBe(303);
    const page = await get(bare(a.url));
    expect(page.status).toBe(200);
    expect(page.body).toContain('OTP &#60;from&#62; your token');
    expect(page.body).toContain('profile &#34;p&#34;, hop &#34;h&#34;, step 2 (send_secret)');
    expect(page.body).toMatch(/<input type="password" name="value"/);
    expect(page.body).toContain(`action="/ask/${a.id}"`);
    a.cancel();
  });

  it('takes the value once, from its own origin only, and hands it over', async () => {
    const a = ask();
    const url = bare(a.url);
    expect((await post(url, { value: 'x' }, 'http://evil.example')).status).toBe(403);
    const empty = await post(url, { value: '' });
    expect(empty.status).toBe(400);
    expect(empty.body).toContain('Nothing was entered');
    const long = await post(url, { value: 'x'.repeat(4097) });
    expect(long.status).toBe(413);
    const sent = await post(url, { value: 's3cret-value' });
    expect(sent.status).toBe(200);
    expect(sent.body).toContain('You can close this tab');
    expect(sent.body).not.toContain('s3cret-value');
    expect(await a.value).toBe('s3cret-value');
    const again = await post(url, { value: 'other' });
    expect(again.status).toBe(409);
    expect(again.body).toContain('Already sent');
    expect((await get(url)).body).toContain('Already sent');
  });

  it('says when an ask is over or unknown, and ends with a null value', async () => {
    const a = ask();
    a.cancel();
    expect(await a.value).toBeNull();
    const over = await post(bare(a.url), { value: 'late' });
    expect(over.status).toBe(410);
    expect(over.body).toContain('Expired');
    const timed = ask({ ttlMs: 50 });
    expect(await timed.value).toBeNull();
    expect((await get(bare(timed.url))).body).toContain('Expired');
    const unknown = await get(`${origin()}/ask/nope`);
    expect(unknown.status).toBe(404);
    expect(unknown.body).toContain('Unknown or expired');
  });

  it('keeps a value for a retry under its key, once, and finds the page still waiting', async () => {
    const a = ask({ keep: { key: 'k1', ms: 60_000 } });
    expect(viewer.waitingAsk('k1')?.id).toBe(a.id);
    expect(viewer.takeAnswer('k1')).toBeNull();
    await post(bare(a.url), { value: 'kept-value' });
    expect(viewer.waitingAsk('k1')).toBeNull();
    expect(viewer.takeAnswer('k1')).toBe('kept-value');
    expect(viewer.takeAnswer('k1')).toBeNull();
  });

  it('is found by its URL with the right token only', () => {
    expect(viewerAt(viewer.url)).toBe(viewer);
    expect(viewerAt(viewer.sessionUrl('s_x'))).toBe(viewer);
    expect(viewerAt(bare(viewer.url))).toBeNull();
    expect(viewerAt(`${origin()}/?token=wrong`)).toBeNull();
    expect(viewerAt('not a url')).toBeNull();
  });
});
