// The command list of a session page (live and replay alike): each command with its start time,
// how long it took and its exit code; a click seeks the replay to its start.
/* global window, document */
(function () {
  window.gatewalkCommands = function (cfg, onPick) {
    const body = document.querySelector('#commands tbody');
    const rows = new Map();
    const started = Date.parse(cfg.opened_at);
    const clock = (t) =>
      Number.isNaN(started)
        ? `+${(t / 1000).toFixed(1)} s`
        : new Date(started + t).toLocaleTimeString([], { hour12: false });
    const took = (ms) =>
      ms < 1000
        ? `${Math.round(ms)} ms`
        : ms < 120000
          ? `${(ms / 1000).toFixed(1)} s`
          : `${Math.round(ms / 60000)} min`;
    return {
      start(e) {
        if (rows.has(e.id)) return;
        const tr = body.insertRow();
        tr.dataset.t = String(e.t);
        tr.dataset.id = e.id;
        tr.title = 'replay from here';
        tr.insertCell().textContent = e.command;
        tr.insertCell().textContent = clock(e.t);
        tr.insertCell().textContent = '…';
        tr.insertCell().textContent = '';
        tr.addEventListener('click', () => onPick(e));
        rows.set(e.id, tr);
      },
      end(e) {
        const tr = rows.get(e.id);
        if (!tr) return;
        tr.cells[2].textContent = took(e.duration_ms);
        tr.cells[3].textContent = e.exit_code === null ? e.status : String(e.exit_code);
      },
      /** Marks the command running at transcript time t (the last one started by then). */
      current(t) {
        let last = null;
        for (const tr of rows.values()) {
          tr.classList.remove('current');
          if (Number(tr.dataset.t) <= t) last = tr;
        }
        if (last) last.classList.add('current');
      },
      clear() {
        rows.clear();
        body.textContent = '';
      },
    };
  };
})();
