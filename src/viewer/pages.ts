// The viewer's HTML: small server-rendered pages; the terminal itself is xterm.js in the browser.
import type { ViewerSession } from './catalog.js';

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function page(title: string, body: string, head = ''): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(title)} - gatewalk</title>
<link rel="stylesheet" href="/assets/xterm.css">
<style>
body { font: 14px system-ui, sans-serif; margin: 1.5em; background: #fafafa; color: #222 }
table { border-collapse: collapse } td, th { padding: .3em .8em; text-align: left; border-bottom: 1px solid #ddd }
.layout { display: flex; gap: 1.5em; align-items: flex-start }
#terminal { background: #000; padding: 6px; border-radius: 4px }
aside { min-width: 18em } .state { font-weight: bold } .muted { color: #777 }
.hops span { padding: .1em .4em; border: 1px solid #bbb; border-radius: 3px; margin-right: .3em }
.hops span.current { background: #222; color: #fff }
</style>${head}</head><body>${body}</body></html>`;
}

function age(iso: string, now: number): string {
  const s = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  return s < 90 ? `${s} s` : s < 5400 ? `${Math.round(s / 60)} min` : `${Math.round(s / 3600)} h`;
}

export function indexPage(sessions: ViewerSession[], now = Date.now()): string {
  const groups = new Map<string, ViewerSession[]>();
  for (const s of sessions) groups.set(s.state, [...(groups.get(s.state) ?? []), s]);
  const order = ['busy', 'ready', 'broken', 'opening', 'closed'];
  const states = [...groups.keys()].sort((a, b) => {
    const ia = order.indexOf(a);
    const ib = order.indexOf(b);
    return (ia < 0 ? 99 : ia) - (ib < 0 ? 99 : ib);
  });
  const body = states
    .map((state) => {
      const rows = (groups.get(state) ?? [])
        .map(
          (
            s,
          ) => `<tr><td><a href="/sessions/${esc(s.id)}">${esc(s.id)}</a></td><td>${esc(s.profile)}</td>
<td>${esc(s.label ?? '')}</td><td>${esc(s.hop)}</td><td>${age(s.opened_at, now)}</td>
<td>${age(s.last_activity, now)} ago</td><td>${s.commands}</td>
<td>${s.live ? 'live' : `<a href="/sessions/${esc(s.id)}/replay">replay</a>`}</td></tr>`,
        )
        .join('\n');
      return `<h2>${esc(state)}</h2><table><tr><th>session</th><th>profile</th><th>label</th><th>hop</th>
<th>age</th><th>last activity</th><th>commands</th><th></th></tr>${rows}</table>`;
    })
    .join('\n');
  return page(
    'sessions',
    `<h1>gatewalk sessions</h1>${body || '<p class="muted">No sessions yet.</p>'}`,
  );
}

function sessionShell(s: ViewerSession, hops: string[], script: string, controls: string): string {
  const trail = hops
    .map((h, i) => `<span class="${i === hops.length - 1 ? 'current' : ''}">${esc(h)}</span>`)
    .join('→ ');
  const config = JSON.stringify({ id: s.id, cols: s.cols, rows: s.rows, live: s.live });
  return page(
    s.id,
    `<p><a href="/">sessions</a></p>
<h1>${esc(s.profile)} <span class="muted">${esc(s.label ?? '')} ${esc(s.id)}</span></h1>
<div class="layout"><div><div id="terminal"></div>${controls}</div>
<aside><p>State: <span class="state" id="state">${esc(s.state)}</span> <span id="reason" class="muted">${esc(s.reason ?? '')}</span></p>
<p class="hops" id="hops">${trail}</p>
<h3>Commands</h3><table id="commands"><tr><th>command</th><th>exit</th><th>ms</th></tr></table>
<p><a href="/sessions/${esc(s.id)}/asciicast" download="${esc(s.id)}.cast">download as asciicast</a></p></aside></div>
<div id="gatewalk-config" data-config="${esc(config)}" hidden></div>
<script src="/assets/xterm.js"></script><script src="/assets/${script}"></script>`,
  );
}

export function livePage(s: ViewerSession, hops: string[], controlled = false): string {
  return sessionShell(
    s,
    hops,
    'live.js',
    `<p><label><input type="checkbox" id="control"${controlled ? ' checked' : ''}> take control (type into the session; the agent's calls wait)</label> <span id="problem" class="muted"></span>
<a href="/sessions/${esc(s.id)}/replay">replay</a></p>`,
  );
}

export function replayPage(s: ViewerSession, hops: string[]): string {
  return sessionShell(
    s,
    hops,
    'replay.js',
    `<p><button id="play">pause</button> speed <select id="speed"><option>1</option><option>2</option>
<option selected>4</option><option>16</option><option value="0">instant</option></select>
<span id="clock" class="muted"></span></p>`,
  );
}

/** What an ask page shows: who asks for what, never a value. */
export interface AskPageInfo {
  id: string;
  /** What is asked for ("OTP from your token"). */
  title: string;
  /** Where the walk stands: profile, hop, step, file:line:col. */
  where: string;
}

/**
 * The "enter secret" page: a password field posted back to this server (never through the
 * agent). `problem`: why the last post was refused (an empty value).
 */
export function askPage(ask: AskPageInfo, problem = ''): string {
  return page(
    'secret asked',
    `<h1>gatewalk asks for a secret</h1>
<p><strong>${esc(ask.title)}</strong></p>
<p class="muted">${esc(ask.where)}</p>
<form method="post" action="/ask/${esc(ask.id)}" autocomplete="off">
<p><input type="password" name="value" autofocus required autocomplete="one-time-code" size="40">
<button type="submit">send</button></p>
${problem ? `<p class="state">${esc(problem)}</p>` : ''}
</form>
<p class="muted">The value goes to the gatewalk server on this machine, which types it into the session; the agent never sees it. It is sent once.</p>`,
  );
}

/** What an ask's page says once it is over: sent, already used, expired or unknown. */
export function askOverPage(heading: string, text: string): string {
  return page('secret asked', `<h1>${esc(heading)}</h1><p>${esc(text)}</p>`);
}
