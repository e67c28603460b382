// Replay of a session from its transcript: what the remote printed, at its pace (or faster).
/* global Terminal, window, document, fetch, performance */
(function () {
  // The page's settings, in a data attribute (no inline script: the CSP allows none).
  const cfg = JSON.parse(document.getElementById('gatewalk-config').dataset.config);
  const term = new Terminal({ cols: cfg.cols, rows: cfg.rows, scrollback: 5000 });
  term.open(document.getElementById('terminal'));
  const button = document.getElementById('play');
  const speed = document.getElementById('speed');
  const clock = document.getElementById('clock');
  const table = document.getElementById('commands');
  let events = [];
  let next = 0;
  let paused = false;
  let timer;

  function show(e) {
    if (e.type === 'recv') term.write(e.data);
    else if (e.type === 'command_start') {
      const tr = table.insertRow();
      tr.id = `c-${e.id}`;
      tr.insertCell().textContent = e.command;
      tr.insertCell().textContent = '…';
      tr.insertCell().textContent = '';
    } else if (e.type === 'command_end') {
      const tr = document.getElementById(`c-${e.id}`);
      if (tr) {
        tr.cells[1].textContent = e.exit_code === null ? e.status : String(e.exit_code);
        tr.cells[2].textContent = String(e.duration_ms);
      }
    } else if (e.type === 'state') document.getElementById('state').textContent = e.state;
  }

  // A virtual clock: at each tick, every event already due is shown (timers are clamped by
  // browsers, so one timer per event would fall behind); speed 0 shows everything at once.
  let clockAt = 0; // transcript ms shown so far
  let realAt = 0; // performance.now() at clockAt
  function step() {
    if (paused) return;
    const factor = Number(speed.value);
    const now = performance.now();
    const due = factor > 0 ? clockAt + (now - realAt) * factor : Infinity;
    while (next < events.length && events[next].t <= due) show(events[next++]);
    const shown = next > 0 ? events[next - 1].t : 0;
    clockAt = Math.min(due, next < events.length ? events[next].t : shown);
    realAt = now;
    clock.textContent = `${(shown / 1000).toFixed(1)} s`;
    if (next >= events.length) {
      button.textContent = 'done';
      document.body.dataset.replayed = 'true';
      return;
    }
    // Long silences are shortened to 2 s at most.
    const wait = Math.min(2000, (events[next].t - clockAt) / factor);
    if (wait >= 2000) clockAt = events[next].t - 2000 * factor;
    timer = setTimeout(step, Math.max(0, Math.min(wait, 2000)));
  }

  button.addEventListener('click', () => {
    if (next >= events.length) return;
    paused = !paused;
    button.textContent = paused ? 'play' : 'pause';
    clearTimeout(timer);
    realAt = performance.now();
    if (!paused) step();
  });

  fetch(`/sessions/${cfg.id}/transcript`)
    .then((r) => r.json())
    .then((t) => {
      events = t.events;
      clockAt = events.length > 0 ? events[0].t : 0;
      realAt = performance.now();
      step();
    });
  window.gatewalkTerminal = term;
})();
