// Replay of a session from its transcript: what the remote printed, at its pace (or faster).
/* global Terminal, window, document, fetch */
(function () {
  const cfg = window.GATEWALK;
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

  function step() {
    if (paused || next >= events.length) {
      if (next >= events.length) {
        button.textContent = 'done';
        document.body.dataset.replayed = 'true';
      }
      return;
    }
    const e = events[next++];
    show(e);
    clock.textContent = `${(e.t / 1000).toFixed(1)} s`;
    const after = events[next];
    const factor = Number(speed.value);
    const wait = after && factor > 0 ? Math.min(2000, (after.t - e.t) / factor) : 0;
    timer = setTimeout(step, wait);
  }

  button.addEventListener('click', () => {
    if (next >= events.length) return;
    paused = !paused;
    button.textContent = paused ? 'play' : 'pause';
    clearTimeout(timer);
    if (!paused) step();
  });

  fetch(`/sessions/${cfg.id}/transcript`)
    .then((r) => r.json())
    .then((t) => {
      events = t.events;
      step();
    });
  window.gatewalkTerminal = term;
})();
