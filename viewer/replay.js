// Replay of a session from its transcript: what the remote printed, at its pace or faster, with
// a seek bar marked at each hop reached and each command. xterm.js cannot go back: a seek
// resets the terminal and writes everything up to that moment at once.
/* global window, document, fetch, performance, URLSearchParams */
(function () {
  const { cfg, term } = window.gatewalkOpen();
  const button = document.getElementById('play');
  const speed = document.getElementById('speed');
  const clock = document.getElementById('clock');
  const seek = document.getElementById('seek');
  const strip = document.getElementById('markers');
  let events = [];
  let markers = [];
  let end = 0;
  let next = 0;
  let paused = false;
  let timer;
  const commands = window.gatewalkCommands(cfg, (e) => seekTo(e.t));

  function show(e) {
    if (e.type === 'recv') term.write(e.data);
    else if (e.type === 'state') document.getElementById('state').textContent = e.state;
  }

  // A virtual clock: at each tick, every event already due is shown (timers are clamped by
  // browsers, so one timer per event would fall behind); speed 0 shows everything at once.
  let clockAt = 0; // transcript ms shown so far
  let realAt = 0; // performance.now() at clockAt
  function shownAt(t) {
    seek.value = String(Math.round(t));
    clock.textContent = `${(t / 1000).toFixed(1)} s of ${(end / 1000).toFixed(1)} s`;
    commands.current(t);
    document.body.dataset.at = String(t);
  }

  function step() {
    if (paused) return;
    const factor = Number(speed.value);
    const now = performance.now();
    const due = factor > 0 ? clockAt + (now - realAt) * factor : Infinity;
    while (next < events.length && events[next].t <= due) show(events[next++]);
    clockAt = Math.min(due, next < events.length ? events[next].t : end);
    realAt = now;
    shownAt(clockAt);
    if (next >= events.length) {
      paused = true;
      button.textContent = 'play';
      document.body.dataset.replayed = 'true';
      return;
    }
    // Long silences are shortened to 2 s at most.
    const wait = Math.min(2000, (events[next].t - clockAt) / factor);
    if (wait >= 2000) clockAt = events[next].t - 2000 * factor;
    timer = setTimeout(step, Math.max(0, Math.min(wait, 2000)));
  }

  /** The screen as it stood at transcript time t; playing goes on from there if it was. */
  function seekTo(t) {
    clearTimeout(timer);
    term.reset();
    let out = '';
    next = 0;
    for (; next < events.length && events[next].t <= t; next++) {
      const e = events[next];
      if (e.type === 'recv') out += e.data;
      else if (e.type === 'state') document.getElementById('state').textContent = e.state;
    }
    term.write(out);
    clockAt = t;
    realAt = performance.now();
    delete document.body.dataset.replayed;
    shownAt(t);
    if (!paused) step();
  }

  function play(on) {
    paused = !on;
    button.textContent = paused ? 'play' : 'pause';
    clearTimeout(timer);
    realAt = performance.now();
    if (paused) return;
    // Play at the end starts over.
    if (next >= events.length) seekTo(0);
    else step();
  }

  button.addEventListener('click', () => play(paused));
  seek.addEventListener('input', () => seekTo(Number(seek.value)));
  document.getElementById('next').addEventListener('click', () => {
    const after = markers.find((m) => m.kind === 'command' && m.t > clockAt);
    if (after) seekTo(after.t);
  });
  speed.addEventListener('change', () => {
    realAt = performance.now();
  });

  fetch(`/sessions/${cfg.id}/transcript`)
    .then((r) => r.json())
    .then((t) => {
      events = t.events;
      markers = t.markers;
      end = events.length > 0 ? events[events.length - 1].t : 0;
      seek.max = String(Math.ceil(end));
      for (const e of events) {
        if (e.type === 'command_start') commands.start(e);
        else if (e.type === 'command_end') commands.end(e);
      }
      for (const m of markers) {
        const b = document.createElement('button');
        b.type = 'button';
        b.className = m.kind;
        b.style.left = `${end > 0 ? (m.t / end) * 100 : 0}%`;
        b.title = `${(m.t / 1000).toFixed(1)} s  ${m.kind === 'hop' ? 'hop ' : '$ '}${m.label}`;
        b.dataset.t = String(m.t);
        b.addEventListener('click', () => seekTo(m.t));
        strip.append(b);
      }
      const at = Number(new URLSearchParams(window.location.search).get('at'));
      if (at > 0) seekTo(at);
      else {
        clockAt = events.length > 0 ? events[0].t : 0;
        realAt = performance.now();
        step();
      }
    });
  window.gatewalkTerminal = term;
  window.gatewalkSeek = seekTo;
})();
