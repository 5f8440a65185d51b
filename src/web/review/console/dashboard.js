  // Part of the review console script (the dashboard, and the start of the page); src/web/review-page.ts joins the parts in order.
  // ---------- dashboard ----------

  async function renderDashboard(view) {
    const root = h('div', { class: 'page', testid: 'dashboard' }, h('h1', { text: 'Dashboard' }));
    view.append(root);
    const d = await attempt(() => api('GET', '/dashboard'));
    if (!d) return;
    const queues = Array.isArray(d.queues) ? d.queues : [];
    const mods = Array.isArray(d.per_moderator) ? d.per_moderator : [];
    const agree = Array.isArray(d.agreement) ? d.agreement : [];
    const all = queues.find((q) => q.id === 'all');
    const overdue = all && num(all.overdue) ? all.overdue : num(d.overdue_total) ? d.overdue_total : 0;
    root.append(h('div', { class: 'stats' },
      stat('Open items', all ? all.count : '–'),
      stat('Oldest open item', all && all.count ? ageWords(all.oldest_age_seconds) : '–'),
      stat('Overdue', overdue, overdue > 0),
      stat('Decisions, last 24 h', mods.reduce((n, m) => n + (Number(m.decisions) || 0), 0))));
    const agreement = section('Model vs moderators', 'dash-agree-h',
      h('p', { class: 'muted small-text', text: 'Of the items the model sent to review, how many moderators upheld (rejected) or overturned (approved), per category and score band, over the last 30 days.' }),
      agree.length
        ? h('table', { class: 'grid agreement', testid: 'agreement' },
          h('thead', {}, h('tr', {}, ['Category', 'Decided', 'Upheld', 'Overturned', 'Overturn rate', 'Overturned by score band'].map((t, i) => h('th', { scope: 'col', class: i > 0 && i < 5 ? 'num' : '', text: t })))),
          h('tbody', {}, agree.map((a) => h('tr', { 'data-category': a.category },
            h('th', { scope: 'row', text: catWords(a.category) }), h('td', { class: 'num', text: String(a.decided ?? 0) }), h('td', { class: 'num', text: String(a.upheld ?? 0) }),
            h('td', { class: 'num', text: String(a.overturned ?? 0) }), h('td', { class: 'num', text: num(a.overturn_rate) ? `${Math.round(a.overturn_rate * 100)}%` : '–' }),
            h('td', {}, bands(a.bands))))))
        : h('p', { class: 'muted', text: 'No decided items with model scores yet.' }));
    const perMod = section('Decisions per moderator', 'dash-mods-h', mods.length
      ? h('table', { class: 'grid', testid: 'per-moderator' },
        h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Moderator'), h('th', { scope: 'col' }, 'Email'), h('th', { scope: 'col', class: 'num' }, 'Decisions'), h('th', { scope: 'col', class: 'num' }, 'Per hour'))),
        h('tbody', {}, mods.map((m) => h('tr', {}, h('th', { scope: 'row', text: String(m.moderator ?? '–') }), h('td', { text: m.email || '–' }),
          h('td', { class: 'num', text: String(m.decisions ?? 0) }), h('td', { class: 'num', text: num(m.per_hour) ? m.per_hour.toFixed(1) : '–' })))))
      : h('p', { class: 'muted', text: 'No decisions in the last 24 hours.' }));
    const queueCard = section('Queues', 'dash-queues-h', queues.length ? queueTable(queues, false) : h('p', { class: 'muted', text: 'No queues.' }));
    root.append(h('div', { class: 'dash-grid' }, agreement, queueCard, perMod));
  }

  function stat(label, value, bad) {
    return h('div', { class: `stat${bad ? ' bad' : ''}` }, h('span', { class: 'stat-value', text: String(value ?? '–') }), h('span', { class: 'stat-label', text: label }));
  }

  function bands(list) {
    const arr = Array.isArray(list) ? list.filter((b) => b && b.decided) : [];
    if (!arr.length) return h('span', { class: 'muted', text: '–' });
    return h('ul', { class: 'bands' }, arr.map((b) => {
      const rate = b.decided ? b.overturned / b.decided : 0;
      const fill = h('span', { class: 'fill' });
      fill.style.width = `${Math.round(rate * 100)}%`;
      return h('li', {}, h('span', { class: 'band-range', text: `${score2(b.from)}–${score2(b.to)}` }), h('span', { class: 'bar', 'aria-hidden': 'true' }, fill),
        h('span', { class: 'band-count', text: `${b.overturned}/${b.decided} overturned` }));
    }));
  }

  // ---------- start ----------

  function boot() {
    $('#alert-close').addEventListener('click', clearError);
    $('#logout').addEventListener('click', async () => {
      await api('POST', '/logout').catch(() => null);
      setSession({});
      S.after = null;
      go('#/login');
    });
    window.addEventListener('hashchange', route);
    api('GET', '/session')
      .then((r) => setSession(r))
      .catch((e) => {
        setSession({});
        if (!(e instanceof ApiError && e.status === 401)) showError(e.message);
      })
      .finally(() => {
        document.body.dataset.ready = 'true';
        route();
      });
  }

  boot();
