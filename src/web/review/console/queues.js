  // Part of the review console script (the login and queue views); src/web/review-page.ts joins the parts in order.
  // ---------- login ----------

  function renderLogin(view) {
    const email = h('input', { id: 'login-email', name: 'email', type: 'email', autocomplete: 'username', required: true, testid: 'login-email' });
    const password = h('input', { id: 'login-password', name: 'password', type: 'password', autocomplete: 'current-password', required: true, testid: 'login-password' });
    const error = h('p', { id: 'login-error', class: 'form-error', role: 'alert', testid: 'login-error' });
    const submit = h('button', { type: 'submit', class: 'primary', testid: 'login-submit' }, 'Sign in');
    const form = h('form', { class: 'login-form', novalidate: true, 'aria-describedby': 'login-error' },
      h('div', { class: 'field' }, h('label', { for: 'login-email' }, 'Email'), email),
      h('div', { class: 'field' }, h('label', { for: 'login-password' }, 'Password'), password),
      error,
      submit);
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      error.textContent = '';
      if (!email.value || !password.value) {
        error.textContent = 'Enter your email and password.';
        (email.value ? password : email).focus();
        return;
      }
      submit.disabled = true;
      try {
        const r = await api('POST', '/login', { email: email.value.trim(), password: password.value });
        setSession(r);
        password.value = '';
        const next = S.after && !S.after.startsWith('#/login') ? S.after : '#/queues';
        S.after = null;
        go(next);
      } catch (err) {
        error.textContent = err instanceof ApiError ? err.message : 'Sign-in failed.';
        password.select();
        password.focus();
      } finally {
        submit.disabled = false;
      }
    });
    view.append(h('div', { class: 'login', testid: 'login-view' },
      h('h1', { text: 'Sign in to the review console' }),
      h('p', { class: 'muted', text: 'Moderator accounts only. Tenant API keys do not work here.' }),
      form));
    setTimeout(() => email.focus());
  }

  // ---------- queues ----------

  async function claimQueue(queue) {
    S.fromQueue = queue;
    const r = await api('POST', `/queues/${seg(queue)}/claim`);
    if (!r.item) return null;
    S.pending = r.item;
    return r.item;
  }

  async function claimNextFrom(queue, label) {
    clearError();
    const item = await attempt(() => claimQueue(queue));
    if (item === null) {
      say(`Nothing to claim: the queue “${label || queueLabel(queue)}” is empty.`);
      return false;
    }
    if (item) go(`#/item/${seg(item.id)}`);
    return !!item;
  }

  function queueLabel(id) {
    const q = S.queues.find((x) => x.id === id);
    return q ? q.label : id === 'all' ? 'All' : words(id);
  }

  function queueTable(queues, withActions) {
    const head = h('tr', {}, h('th', { scope: 'col' }, 'Queue'), h('th', { scope: 'col', class: 'num' }, 'Open'),
      h('th', { scope: 'col', class: 'num' }, 'Oldest'), h('th', { scope: 'col', class: 'num' }, 'SLA'),
      h('th', { scope: 'col', class: 'num' }, 'Overdue'), withActions ? h('th', { scope: 'col' }, h('span', { class: 'sr-only' }, 'Actions')) : null);
    const rows = queues.map((q) => {
      const overdue = num(q.overdue) && q.overdue > 0;
      const view = !PRIMARY.includes(q.id) && !q.count;
      return h('tr', { testid: 'queue-row', 'data-queue-id': q.id, class: [overdue ? 'is-overdue' : '', view ? 'empty-view' : '', q.count ? '' : 'is-empty'].join(' ').trim() },
        h('th', { scope: 'row' }, h('span', { class: 'queue-label', text: q.label || q.id }), h('span', { class: 'queue-id', title: q.id, text: shortIds(q.id) })),
        h('td', { class: 'num', testid: 'queue-count' }, String(q.count ?? 0)),
        h('td', { class: 'num' }, q.count ? ageWords(q.oldest_age_seconds) : '–'),
        h('td', { class: 'num' }, num(q.sla_minutes) ? ageWords(q.sla_minutes * 60) : '–'),
        h('td', { class: 'num' }, overdue ? h('span', { class: 'badge bad', testid: 'queue-overdue' }, `${q.overdue} overdue`) : h('span', { class: 'muted', text: '0' })),
        withActions
          ? h('td', { class: 'actions' },
            h('button', { type: 'button', class: 'primary small', testid: 'claim-next', disabled: !q.count, 'aria-label': `Claim next in ${q.label || q.id}`,
              onclick: (e) => {
                const b = e.currentTarget;
                b.disabled = true;
                claimNextFrom(q.id, q.label).finally(() => { b.disabled = false; });
              } }, 'Claim next'),
            h('a', { href: `#/queue/${seg(q.id)}`, class: 'list-link', testid: 'queue-items-link', 'aria-label': `List items in ${q.label || q.id}` }, 'List items'))
          : null);
    });
    const table = h('table', { class: 'grid queues', testid: 'queue-table' }, h('thead', {}, head), h('tbody', {}, rows));
    const hidden = queues.filter((q) => !PRIMARY.includes(q.id) && !q.count).length;
    if (!hidden) return table;
    const toggle = h('button', { type: 'button', class: 'quiet small', testid: 'toggle-empty', 'aria-expanded': 'false' }, `Show ${hidden} empty views`);
    toggle.addEventListener('click', () => {
      const on = table.classList.toggle('show-empty');
      toggle.setAttribute('aria-expanded', String(on));
      toggle.textContent = on ? 'Hide empty views' : `Show ${hidden} empty views`;
    });
    return h('div', { class: 'queue-block' }, table, h('p', { class: 'table-foot' }, toggle));
  }

  async function loadQueues() {
    const r = await api('GET', '/queues');
    S.queues = Array.isArray(r.queues) ? r.queues : [];
    return S.queues;
  }

  async function renderQueues(view) {
    const root = h('div', { class: 'page', testid: 'queues-view' }, h('h1', { text: 'Queues' }));
    view.append(root);
    const queues = await attempt(loadQueues);
    if (!queues) return;
    const total = queues.find((q) => q.id === 'all');
    root.append(h('p', { class: 'lede' }, total ? `${total.count} open items in your queues.` : `${queues.length} queues.`,
      ' Claim the next item of a queue, or list its items to choose one.'));
    root.append(queues.length ? queueTable(queues, true) : h('p', { text: 'You have no queues to work.' }));
    refreshEvery(30_000, async () => {
      const fresh = await loadQueues().catch(() => null);
      const old = $('[data-testid="queue-table"]', root);
      const block = old && (old.closest('.queue-block') || old);
      if (fresh && block && !root.contains(document.activeElement)) block.replaceWith(queueTable(fresh, true));
    });
  }

  function refreshEvery(ms, fn) {
    const t = setInterval(fn, ms);
    S.cleanup.push(() => clearInterval(t));
  }

  async function renderQueueItems(view, queue) {
    if (!S.queues.length) await loadQueues().catch(() => null);
    const label = queueLabel(queue);
    const root = h('div', { class: 'page', testid: 'queue-items-view', 'data-queue-id': queue });
    root.append(h('p', { class: 'crumbs' }, h('a', { href: '#/queues' }, 'Queues'), ' / ', label));
    root.append(h('div', { class: 'title-row' }, h('h1', { text: `Queue: ${label}` }),
      h('button', { type: 'button', class: 'primary', testid: 'claim-next', onclick: () => claimNextFrom(queue, label) }, 'Claim next')));
    view.append(root);
    const r = await attempt(() => api('GET', `/queues/${seg(queue)}/items?limit=100`));
    if (!r) return;
    const items = Array.isArray(r.items) ? r.items : [];
    if (!items.length) {
      root.append(h('p', { class: 'empty', testid: 'queue-empty', text: 'This queue is empty.' }));
      return;
    }
    const head = h('tr', {}, ...['Priority', 'Kind', 'Tenant', 'Categories', 'Age', 'State'].map((t, i) => h('th', { scope: 'col', class: i === 0 || i === 4 ? 'num' : '' }, t)),
      h('th', { scope: 'col' }, h('span', { class: 'sr-only' }, 'Actions')));
    const rows = items.map((it) => h('tr', { testid: 'item-row', 'data-item-id': it.id, class: it.overdue ? 'is-overdue' : '' },
      h('td', { class: 'num' }, String(it.priority ?? '–')),
      h('td', {}, kindWords(it.kind)),
      h('td', {}, it.tenant_name || it.tenant_id || '–'),
      h('td', {}, chips(it.categories)),
      h('td', { class: 'num' }, ageWords(it.age_seconds), it.overdue ? h('span', { class: 'badge bad', testid: 'item-overdue' }, 'overdue') : null),
      h('td', {}, words(it.state || 'open')),
      h('td', { class: 'actions' }, h('button', { type: 'button', class: 'small', testid: 'open-item', 'aria-label': `Open ${kindWords(it.kind)} from ${it.tenant_name || 'tenant'}`,
        onclick: () => openChosen(it.id, queue) }, 'Open'))));
    root.append(h('table', { class: 'grid items', testid: 'item-table' }, h('thead', {}, head), h('tbody', {}, rows)));
  }

  async function openChosen(id, queue) {
    clearError();
    const r = await attempt(() => api('POST', `/items/${seg(id)}/claim`));
    if (!r) return;
    S.fromQueue = queue;
    S.pending = r.item || (r.id ? r : null);
    go(`#/item/${seg(id)}`);
  }

  function chips(list, flagged) {
    const arr = Array.isArray(list) ? list : [];
    if (!arr.length) return h('span', { class: 'muted', text: 'none' });
    return h('span', { class: 'chips' }, arr.map((c) => h('span', { class: `chip${flagged ? ' flagged' : ''}`, text: catWords(c) })));
  }
