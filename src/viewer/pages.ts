// The viewer's HTML: small server-rendered pages; the terminal itself is xterm.js in the browser.
import type { ViewerSession } from './catalog.js';

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function page(title: string, body: string, head = ''): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(title)} - gatewalk</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="stylesheet" href="/assets/xterm.css">
<style>
body { font: 14px system-ui, sans-serif; margin: 1em 1.5em; background: #fafafa; color: #222 }
h1 { font-size: 1.4em; overflow-wrap: anywhere }
table { border-collapse: collapse; max-width: 100% }
td, th { padding: .3em .8em; text-align: left; border-bottom: 1px solid #ddd; vertical-align: top }
/* The terminal takes the page's width; the side panel goes beside it only on wide screens. */
.layout { display: grid; grid-template-columns: minmax(0, 1fr); gap: 1em }
@media (min-width: 1700px) { .layout { grid-template-columns: minmax(0, 1fr) 26em } }
#terminal { background: #000; padding: 6px; border-radius: 4px; overflow: hidden }
#terminal.actual, #terminal.scrolls { overflow-x: auto }
.state { font-weight: bold } .muted { color: #777 }
.hops span { padding: .1em .4em; border: 1px solid #bbb; border-radius: 3px; margin-right: .3em }
.hops span.current { background: #222; color: #fff }
.bar { display: flex; flex-wrap: wrap; gap: .5em; align-items: center; margin: .5em 0 }
.mode { padding: .15em .6em; border-radius: 3px; background: #ddd }
.mode.control { background: #b00; color: #fff }
#commands { width: 100%; table-layout: fixed }
#commands td:nth-child(1) { font-family: monospace; overflow-wrap: anywhere }
#commands th:nth-child(n+2) { width: 5.5em }
#commands tr[data-t] { cursor: pointer } #commands tr[data-t]:hover { background: #eee }
#commands tr.current { background: #ffe9a8 }
.seek { position: relative; margin: .5em 0 1.2em }
#seek { width: 100%; margin: 0 }
#markers { position: relative; height: 12px }
#markers button { position: absolute; top: 0; width: 6px; height: 12px; padding: 0; border: 0;
  margin-left: -3px; cursor: pointer; background: #36c }
#markers button.hop { background: #c60; width: 8px; margin-left: -4px }
.filters { display: flex; flex-wrap: wrap; gap: .5em 1em; margin: .5em 0 1em }
#sessions { width: 100% } #sessions td { overflow-wrap: anywhere }
@media (max-width: 600px) { body { margin: .5em } td, th { padding: .2em .4em }
  #sessions .wide { display: none } }
</style>${head}</head><body>${body}</body></html>`;
}

/** The sessions, filtered and refreshed in the page (viewer/index.js): no row is drawn here. */
export function indexPage(sessions: ViewerSession[]): string {
  const options = (values: string[]) =>
    [...new Set(values)]
      .sort()
      .map((v) => `<option>${esc(v)}</option>`)
      .join('');
  return page(
    'sessions',
    `<h1>gatewalk sessions</h1>
<form class="filters" id="filters" role="search">
<label>profile <select id="f-profile" name="profile"><option value="">all</option>${options(sessions.map((s) => s.profile))}</select></label>
<label>label <input id="f-label" name="label" type="search" size="14" placeholder="contains"></label>
<label>state <select id="f-state" name="state"><option value="">all</option>${options(['busy', 'ready', 'opening', 'broken', 'closed', ...sessions.map((s) => s.state)])}</select></label>
<span class="muted" id="updated"></span></form>
<table id="sessions"><thead><tr><th>session</th><th>state</th><th>profile</th><th>label</th><th>hop</th>
<th class="wide">age</th><th>last activity</th><th class="wide">commands</th><th></th></tr></thead><tbody></tbody></table>
<p id="empty" class="muted" hidden>No sessions match.</p>
<div id="gatewalk-config" data-config="${esc(JSON.stringify({ sessions }))}" hidden></div>
<script src="/assets/index.js"></script>`,
  );
}

function sessionShell(s: ViewerSession, hops: string[], script: string, controls: string): string {
  const trail = hops
    .map((h, i) => `<span class="${i === hops.length - 1 ? 'current' : ''}">${esc(h)}</span>`)
    .join('→ ');
  const config = JSON.stringify({
    id: s.id,
    cols: s.cols,
    rows: s.rows,
    live: s.live,
    opened_at: s.opened_at,
  });
  return page(
    s.id,
    `<p><a href="/">sessions</a></p>
<h1>${esc(s.profile)} <span class="muted">${esc(s.label ?? '')} ${esc(s.id)}</span></h1>
<div class="layout"><div>${controls}<div id="terminal"></div></div>
<aside><p>State: <span class="state" id="state">${esc(s.state)}</span> <span id="reason" class="muted">${esc(s.reason ?? '')}</span></p>
<p class="hops" id="hops">${trail}</p>
<h3>Commands</h3><table id="commands"><thead><tr><th>command</th><th>started</th><th>took</th><th>exit</th></tr></thead><tbody></tbody></table>
<p><a href="/sessions/${esc(s.id)}/asciicast">download as asciicast (.cast)</a></p></aside></div>
<div id="gatewalk-config" data-config="${esc(config)}" hidden></div>
<script src="/assets/xterm.js"></script><script src="/assets/fit.js"></script>
<script src="/assets/commands.js"></script><script src="/assets/${script}"></script>`,
  );
}

/**
 * A live session. Each page starts in watch mode and sends nothing; control is a switch a
 * person turns on (the agent's calls wait while it is on).
 */
export function livePage(s: ViewerSession, hops: string[], controlled = false): string {
  return sessionShell(
    s,
    hops,
    'live.js',
    `<div class="bar"><span id="mode" class="mode">watch only</span>
<label><input type="checkbox" id="control" autocomplete="off"> control mode (type into the session; the agent's calls wait)</label>
${controlled ? '<span class="muted" id="held">someone holds control</span>' : ''}
<button type="button" id="fit">actual size</button>
<a href="/sessions/${esc(s.id)}/replay">replay</a> <span id="problem" class="muted"></span></div>`,
  );
}

export function replayPage(s: ViewerSession, hops: string[]): string {
  return sessionShell(
    s,
    hops,
    'replay.js',
    `<div class="bar"><button type="button" id="play">pause</button>
<button type="button" id="next">next command</button>
<label>speed <select id="speed"><option value="1">1x</option><option value="2">2x</option>
<option value="4" selected>4x</option><option value="8">8x</option><option value="0">instant</option></select></label>
<button type="button" id="fit">actual size</button>
<span id="clock" class="muted"></span></div>
<div class="seek"><div id="markers"></div><input type="range" id="seek" min="0" max="0" step="1" value="0" aria-label="position"></div>`,
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
