// The live view: the session's transcript as server-sent events, drawn by xterm.js; with
// "take control", keystrokes go to the session (the agent's calls wait meanwhile).
/* global Terminal, window, document, EventSource, fetch */
(function () {
  // The page's settings, in a data attribute (no inline script: the CSP allows none).
  const cfg = JSON.parse(document.getElementById('gatewalk-config').dataset.config);
  const term = new Terminal({ cols: cfg.cols, rows: cfg.rows, scrollback: 5000 });
  term.open(document.getElementById('terminal'));
  const table = document.getElementById('commands');
  const rows = new Map();
  const control = document.getElementById('control');
  const problem = document.getElementById('problem');
  // This page's event stream, named by the server: control ends when it does (tab closed).
  let conn = null;
  // One request after the other: keystrokes must arrive in order, and after "take control".
  let chain = Promise.resolve();
  const post = (what, body) =>
    (chain = chain.then(() =>
      fetch(`/sessions/${cfg.id}/${what}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ ...body, conn }),
      })
        .then((r) => {
          problem.textContent = r.ok ? '' : `the session refused (${r.status}): reload the page`;
        })
        .catch(() => {
          problem.textContent = 'the viewer is unreachable';
        }),
    ));

  function onEvent(e) {
    if (e.type === 'recv') term.write(e.data);
    else if (e.type === 'state') {
      document.getElementById('state').textContent = e.state;
      document.getElementById('reason').textContent = e.reason || '';
      if (e.state === 'closed') {
        source.close();
        control.disabled = true;
      }
    } else if (e.type === 'command_start') {
      const tr = table.insertRow();
      tr.insertCell().textContent = e.command;
      tr.insertCell().textContent = '…';
      tr.insertCell().textContent = '';
      rows.set(e.id, tr);
    } else if (e.type === 'command_end') {
      const tr = rows.get(e.id);
      if (tr) {
        tr.cells[1].textContent = e.exit_code === null ? e.status : String(e.exit_code);
        tr.cells[2].textContent = String(e.duration_ms);
      }
    } else if (e.type === 'note' && e.kind === 'switch' && e.hop) {
      const hops = document.getElementById('hops');
      const span = document.createElement('span');
      span.textContent = e.hop;
      for (const s of hops.querySelectorAll('span')) s.className = '';
      span.className = 'current';
      hops.append('→ ', span);
    }
  }

  const source = new EventSource(`/sessions/${cfg.id}/events`);
  source.onmessage = (m) => onEvent(JSON.parse(m.data));
  source.addEventListener('end', () => source.close());
  source.addEventListener('hello', (m) => {
    conn = JSON.parse(m.data).conn;
    // The page was reloaded while in control: this stream holds it now.
    if (control.checked) void post('control', { on: true });
  });

  control.addEventListener('change', () => {
    void post('control', { on: control.checked });
    if (control.checked) term.focus();
  });
  term.onData((data) => {
    if (control.checked) void post('input', { data });
  });
  window.gatewalkTerminal = term;
})();
