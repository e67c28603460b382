// The live view: the session's transcript as server-sent events, drawn by xterm.js. A page
// watches only until a person turns control mode on: then keystrokes go to the session (the
// agent's calls wait meanwhile); in watch mode nothing is ever sent.
/* global window, document, EventSource, fetch */
(function () {
  const { cfg, term } = window.gatewalkOpen();
  const control = document.getElementById('control');
  const mode = document.getElementById('mode');
  const problem = document.getElementById('problem');
  const commands = window.gatewalkCommands(cfg, (e) => {
    window.location.href = `/sessions/${cfg.id}/replay?at=${encodeURIComponent(e.t)}`;
  });
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

  // Every page starts watching, also one the browser restores with the box still ticked.
  control.checked = false;
  function showMode() {
    const on = control.checked;
    mode.textContent = on ? 'in control' : 'watch only';
    mode.className = on ? 'mode control' : 'mode';
    term.options.disableStdin = !on;
    document.body.dataset.mode = on ? 'control' : 'watch';
  }
  showMode();

  function onEvent(e) {
    if (e.type === 'recv') term.write(e.data);
    else if (e.type === 'state') {
      document.getElementById('state').textContent = e.state;
      document.getElementById('reason').textContent = e.reason || '';
      if (e.state === 'closed') {
        source.close();
        control.checked = false;
        control.disabled = true;
        showMode();
      }
    } else if (e.type === 'command_start') commands.start(e);
    else if (e.type === 'command_end') commands.end(e);
    else if (e.type === 'note' && e.kind === 'switch' && e.hop) {
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
  });

  control.addEventListener('change', () => {
    showMode();
    void post('control', { on: control.checked });
    if (control.checked) term.focus();
  });
  term.onData((data) => {
    // Watch mode sends nothing: not keys, not the terminal's answers to queries.
    if (control.checked) void post('input', { data });
  });
  window.gatewalkTerminal = term;
})();
