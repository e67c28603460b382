// The sessions list: filtered by profile, label and state, and kept current by asking the
// server for the list every few seconds (a listing, cheap to produce: see /sessions.json).
/* global window, document, fetch, URLSearchParams, history */
(function () {
  const REFRESH_MS = 2000;
  let sessions = JSON.parse(document.getElementById('gatewalk-config').dataset.config).sessions;
  const body = document.querySelector('#sessions tbody');
  const empty = document.getElementById('empty');
  const updated = document.getElementById('updated');
  const profile = document.getElementById('f-profile');
  const label = document.getElementById('f-label');
  const state = document.getElementById('f-state');
  const order = ['busy', 'ready', 'opening', 'broken', 'closed'];
  const rank = (s) => (order.indexOf(s) < 0 ? 99 : order.indexOf(s));

  // The filters live in the address too: a filtered list can be bookmarked and reloaded.
  const query = new URLSearchParams(window.location.search);
  label.value = query.get('label') || '';

  function age(iso) {
    const s = Math.max(0, Math.round((Date.now() - Date.parse(iso)) / 1000));
    return s < 90 ? `${s} s` : s < 5400 ? `${Math.round(s / 60)} min` : `${Math.round(s / 3600)} h`;
  }

  /** Adds options seen for the first time (new profiles, states), keeping the one chosen. */
  function offer(select, values, wanted) {
    const have = new Set([...select.options].map((o) => o.value));
    for (const v of [...new Set(values)].sort())
      if (!have.has(v)) select.add(new window.Option(v, v));
    if (wanted !== null) select.value = wanted;
  }

  function cell(tr, text, className) {
    const td = tr.insertCell();
    td.textContent = text;
    if (className) td.className = className;
    return td;
  }

  function link(td, href, text) {
    const a = document.createElement('a');
    a.href = href;
    a.textContent = text;
    td.append(a);
  }

  function render() {
    const p = profile.value;
    const l = label.value.trim().toLowerCase();
    const st = state.value;
    const shown = sessions
      .filter(
        (s) =>
          (!p || s.profile === p) &&
          (!st || s.state === st) &&
          (!l || (s.label || '').toLowerCase().includes(l)),
      )
      .sort(
        (a, b) => rank(a.state) - rank(b.state) || b.last_activity.localeCompare(a.last_activity),
      );
    body.textContent = '';
    for (const s of shown) {
      const tr = body.insertRow();
      tr.dataset.id = s.id;
      tr.dataset.state = s.state;
      tr.dataset.lastActivity = s.last_activity;
      link(cell(tr, ''), `/sessions/${encodeURIComponent(s.id)}`, s.id);
      cell(tr, s.state, 'state');
      cell(tr, s.profile);
      cell(tr, s.label || '');
      cell(tr, s.hop);
      cell(tr, age(s.opened_at), 'wide');
      cell(tr, `${age(s.last_activity)} ago`);
      cell(tr, String(s.commands), 'wide');
      const last = cell(tr, s.live ? 'live' : '');
      if (!s.live) link(last, `/sessions/${encodeURIComponent(s.id)}/replay`, 'replay');
    }
    empty.hidden = shown.length > 0;
    empty.textContent = sessions.length === 0 ? 'No sessions yet.' : 'No sessions match.';
    const q = new URLSearchParams();
    if (p) q.set('profile', p);
    if (l) q.set('label', label.value.trim());
    if (st) q.set('state', st);
    const search = q.toString();
    history.replaceState(null, '', search ? `/?${search}` : '/');
  }

  function refresh() {
    fetch('/sessions.json', { headers: { accept: 'application/json' } })
      .then((r) => (r.ok ? r.json() : Promise.reject(new Error(String(r.status)))))
      .then((j) => {
        sessions = j.sessions;
        offer(
          profile,
          sessions.map((s) => s.profile),
          null,
        );
        offer(
          state,
          sessions.map((s) => s.state),
          null,
        );
        render();
        updated.textContent = `updated ${new Date().toLocaleTimeString([], { hour12: false })}`;
      })
      .catch(() => {
        updated.textContent = 'the viewer is unreachable; retrying';
      })
      .finally(() => setTimeout(refresh, REFRESH_MS));
  }

  offer(
    profile,
    sessions.map((s) => s.profile),
    query.get('profile'),
  );
  offer(
    state,
    sessions.map((s) => s.state),
    query.get('state'),
  );
  for (const input of [profile, state]) input.addEventListener('change', render);
  label.addEventListener('input', render);
  document.getElementById('filters').addEventListener('submit', (e) => e.preventDefault());
  render();
  setTimeout(refresh, REFRESH_MS);
})();
