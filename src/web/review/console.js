/*
 * The moderators' review console (served inline by src/web/review-page.ts, allowed by its hash in
 * the Content-Security-Policy). Vanilla JS, no build step, nothing fetched from elsewhere. Every
 * value from the API is untrusted: it reaches the page through textContent and createElement only.
 * Styles are set through the CSSOM (element.style), which the policy allows; style attributes are not.
 */
'use strict';
(() => {
  const API = '/review/api';
  /** Categories whose media is shown blurred and greyed until the moderator unblurs it. */
  const WELLNESS = ['sexual', 'violence', 'terrorism', 'minor_safety'];
  const CATEGORY_WORDS = {
    sexual: 'Sexual', violence: 'Violence', terrorism: 'Terrorism', gambling: 'Gambling', fraud: 'Fraud',
    abuse: 'Abuse', minor_safety: 'Minor safety', other_harmful: 'Other harmful',
  };
  const KIND_WORDS = {
    portrait_image: 'Portrait image', customization_video: 'Customization video', generated_video: 'Generated video',
    voice_sample: 'Voice sample', driving_audio: 'Driving audio', driving_text: 'Driving text', consent: 'Consent ceremony',
  };
  const VIDEO_KINDS = ['customization_video', 'generated_video'];
  /** Primary queues are always listed; kind, category and tenant views only when they hold something (or on request). */
  const PRIMARY = ['all', 'media', 'consent', 'appeal', 'escalated'];
  const AUDIO_KINDS = ['voice_sample', 'driving_audio'];

  const S = {
    me: null, csrf: null, reasons: [], queues: [],
    /** The queue the open item was claimed from: the next claim after a decision comes from it. */
    fromQueue: 'all',
    /** An ItemView just returned by a claim, shown without fetching it again. */
    pending: null,
    after: null,
    cleanup: [],
    busy: false,
  };

  // ---------- small helpers ----------

  const $ = (sel, root = document) => root.querySelector(sel);

  /** createElement with attributes and children; strings become text nodes, never markup. */
  function h(tag, attrs, ...children) {
    const el = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === null || v === undefined || v === false) continue;
      if (k === 'class') el.className = v;
      else if (k === 'text') el.textContent = String(v);
      else if (k === 'testid') el.dataset.testid = v;
      else if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
      else el.setAttribute(k, v === true ? '' : String(v));
    }
    for (const c of children.flat(Infinity)) {
      if (c === null || c === undefined || c === false) continue;
      el.append(c instanceof Node ? c : String(c));
    }
    return el;
  }

  const words = (code) => {
    const s = String(code ?? '').replace(/[_.:]+/g, ' ').trim();
    return s ? s[0].toUpperCase() + s.slice(1) : '';
  };
  const catWords = (c) => CATEGORY_WORDS[c] || words(c);
  const kindWords = (k) => KIND_WORDS[k] || words(k);
  const num = (v) => typeof v === 'number' && Number.isFinite(v);
  const score2 = (v) => (num(v) ? v.toFixed(2) : '–');
  /** Only same-origin paths from the API are used as media sources. */
  const localUrl = (u) => (typeof u === 'string' && u.startsWith('/') && !u.startsWith('//') ? u : null);
  /** A path segment; queue ids keep their colon (`kind:portrait_image`). */
  const seg = (s) => encodeURIComponent(s).replace(/%3A/gi, ':');

  function ageWords(seconds) {
    if (!num(seconds)) return '–';
    const s = Math.max(0, Math.round(seconds));
    if (s < 60) return `${s} s`;
    const m = Math.floor(s / 60);
    if (m < 60) return `${m} min`;
    const hr = Math.floor(m / 60);
    if (hr < 24) return m % 60 ? `${hr} h ${m % 60} min` : `${hr} h`;
    const d = Math.floor(hr / 24);
    return hr % 24 ? `${d} d ${hr % 24} h` : `${d} d`;
  }

  function clock(ms) {
    if (!num(ms)) return '–';
    const t = Math.max(0, ms / 1000);
    const m = Math.floor(t / 60);
    const s = t - m * 60;
    const whole = Math.floor(s);
    const d = Math.floor((s - whole) * 10);
    const tenth = d && t < 600 ? `.${d}` : '';
    return `${m}:${String(whole).padStart(2, '0')}${tenth}`;
  }

  function dateWords(at) {
    const d = new Date(at);
    if (Number.isNaN(d.getTime())) return at ? String(at) : '–';
    const p = (n) => String(n).padStart(2, '0');
    return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}`;
  }

  function timeEl(at, rel) {
    const d = new Date(at);
    if (Number.isNaN(d.getTime())) return h('span', { text: at ? String(at) : '–' });
    const text = rel ? `${ageWords((Date.now() - d.getTime()) / 1000)} ago` : dateWords(at);
    return h('time', { datetime: d.toISOString(), title: dateWords(at) }, text);
  }

  /** A short plain-words rendering of any JSON value (history data, attesters, guardians). */
  function summary(v, depth = 0) {
    if (v === null || v === undefined) return '–';
    if (typeof v === 'boolean') return v ? 'yes' : 'no';
    if (typeof v !== 'object') return String(v);
    if (Array.isArray(v)) return v.length ? v.map((x) => summary(x, depth + 1)).join(', ') : 'none';
    if (depth > 1) return '…';
    const parts = Object.entries(v).filter(([, x]) => x !== null && x !== undefined).map(([k, x]) => `${words(k).toLowerCase()}: ${summary(x, depth + 1)}`);
    const s = parts.join('; ');
    return s.length > 240 ? `${s.slice(0, 237)}…` : s || '–';
  }

  function dl(pairs, cls) {
    const list = h('dl', { class: cls || 'pairs' });
    for (const [k, v] of pairs) {
      if (v === undefined) continue;
      list.append(h('dt', { text: k }), h('dd', {}, v instanceof Node ? v : summary(v)));
    }
    return list;
  }

  function section(title, id, ...content) {
    return h('section', { class: 'card', 'aria-labelledby': id, 'data-section': id }, h('h2', { id, text: title }), ...content);
  }

  // ---------- messages ----------

  function showError(text) {
    const box = $('#alert');
    $('#alert-text').textContent = text;
    box.hidden = false;
  }
  function clearError() {
    $('#alert').hidden = true;
    $('#alert-text').textContent = '';
  }
  let sayTimer = 0;
  /** A short-lived note in the status region (what just happened); errors go to the alert instead. */
  function say(text) {
    clearTimeout(sayTimer);
    $('#status').textContent = text || '';
    if (text) sayTimer = setTimeout(() => { $('#status').textContent = ''; }, 8000);
  }

  // ---------- the API ----------

  class ApiError extends Error {
    constructor(status, code, detail) {
      super(detail);
      this.status = status;
      this.code = code;
    }
  }

  async function api(method, path, body) {
    const init = { method, credentials: 'same-origin', headers: { accept: 'application/json' } };
    if (method !== 'GET') {
      init.headers['content-type'] = 'application/json';
      if (S.csrf) init.headers['x-csrf-token'] = S.csrf;
      init.body = JSON.stringify(body ?? {});
    }
    let res;
    try {
      res = await fetch(API + path, init);
    } catch {
      throw new ApiError(0, 'network', 'The service cannot be reached. Check the connection and try again.');
    }
    const type = res.headers.get('content-type') || '';
    const data = type.includes('json') ? await res.json().catch(() => null) : null;
    if (!res.ok) {
      const detail = (data && (data.detail || data.title)) || `The request failed (${res.status}).`;
      const err = new ApiError(res.status, (data && data.code) || `http.${res.status}`, String(detail));
      if (res.status === 401 && path !== '/login' && path !== '/session') sessionLost();
      throw err;
    }
    return data || {};
  }

  /** Runs an action; an API error is shown in the alert region, never thrown further. */
  async function attempt(fn) {
    try {
      return await fn();
    } catch (e) {
      if (e instanceof ApiError) {
        if (e.status !== 401) showError(e.message);
      } else {
        showError(`Something went wrong in the console: ${e && e.message ? e.message : e}`);
      }
      return undefined;
    }
  }

  function setSession(r) {
    S.me = r.moderator || null;
    S.csrf = r.csrf_token || null;
    S.reasons = Array.isArray(r.reject_reasons) ? r.reject_reasons.map(String) : [];
    const name = S.me ? S.me.name || S.me.display_name || S.me.email || 'Moderator' : '';
    $('#who-name').textContent = name;
    $('#who-role').textContent = S.me && S.me.role ? words(S.me.role) : '';
    document.body.dataset.signedIn = S.me ? 'true' : 'false';
  }

  function sessionLost() {
    if (!S.me) return;
    setSession({});
    if (!location.hash.startsWith('#/login')) S.after = location.hash;
    go('#/login');
    setTimeout(() => {
      const err = $('#login-error');
      if (err) err.textContent = 'Your session ended. Sign in again.';
    });
  }

  // ---------- routing ----------

  function go(hash) {
    if (location.hash === hash) route();
    else location.hash = hash;
  }

  function clearView() {
    for (const fn of S.cleanup.splice(0)) {
      try {
        fn();
      } catch {
        /* a view's cleanup never blocks the next view */
      }
    }
    for (const m of document.querySelectorAll('#view video, #view audio')) {
      m.pause();
      m.removeAttribute('src');
      m.load();
    }
    $('#view').replaceChildren();
    S.busy = false;
  }

  function focusHeading() {
    const h1 = $('#view h1');
    if (h1) {
      h1.tabIndex = -1;
      h1.focus({ preventScroll: true });
    }
  }

  async function route() {
    clearView();
    clearError();
    const raw = location.hash || '#/queues';
    const parts = raw.replace(/^#\/?/, '').split('/');
    const name = parts[0] || 'queues';
    let arg = '';
    try {
      arg = decodeURIComponent(parts.slice(1).join('/'));
    } catch {
      arg = '';
    }
    if (!S.me && name !== 'login') {
      S.after = raw;
      go('#/login');
      return;
    }
    for (const a of document.querySelectorAll('nav a')) {
      if (a.dataset.route === name || (name === 'queue' && a.dataset.route === 'queues')) a.setAttribute('aria-current', 'page');
      else a.removeAttribute('aria-current');
    }
    document.body.dataset.view = name;
    const view = $('#view');
    if (name === 'login') {
      if (S.me) return go('#/queues');
      renderLogin(view);
    } else if (name === 'queues') await renderQueues(view);
    else if (name === 'queue') await renderQueueItems(view, arg || 'all');
    else if (name === 'item') await openItem(view, arg);
    else if (name === 'dashboard') await renderDashboard(view);
    else return go('#/queues');
    document.title = `${$('#view h1') ? $('#view h1').textContent : 'Review'} · Review console`;
    focusHeading();
  }

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

  // ---------- evidence walking ----------

  function asBox(b) {
    if (Array.isArray(b) && b.length === 4 && b.every(num)) return { x: b[0], y: b[1], width: b[2], height: b[3] };
    if (b && typeof b === 'object' && num(b.x) && num(b.y)) {
      const width = num(b.width) ? b.width : b.w;
      const height = num(b.height) ? b.height : b.h;
      if (num(width) && num(height) && width > 0 && height > 0) return { x: b.x, y: b.y, width, height };
    }
    return null;
  }

  /**
   * Everything the console draws, found anywhere in the stages' evidence: boxes (ocrBox, box, boxes,
   * faces[].box), flagged segments (segments with a category), time ranges and frames of evidence,
   * text spans and transcripts, each with the stage it came from.
   */
  function collectEvidence(stages) {
    const out = { boxes: [], segments: [], ranges: [], spans: [], transcripts: [], durationMs: null };
    const seen = new Set();
    const walk = (v, stage, category, depth) => {
      if (depth > 12 || v === null || typeof v !== 'object') return;
      if (Array.isArray(v)) {
        for (const x of v) walk(x, stage, category, depth + 1);
        return;
      }
      const cat = typeof v.category === 'string' ? v.category : category;
      if (typeof v.category === 'string') {
        const tr = v.timeRangeMs;
        if (Array.isArray(tr) && tr.length === 2 && tr.every(num)) out.ranges.push({ category: cat, startMs: tr[0], endMs: tr[1], score: v.score, text: v.textSpan && v.textSpan.text, stage });
        else if (v.frame && num(v.frame.timestampMs)) out.ranges.push({ category: cat, startMs: v.frame.timestampMs, endMs: v.frame.timestampMs, score: v.score, stage, frame: true });
        if (v.textSpan && num(v.textSpan.start) && num(v.textSpan.end)) out.spans.push({ category: cat, start: v.textSpan.start, end: v.textSpan.end, text: v.textSpan.text, score: v.score, stage });
      }
      if (num(v.durationSeconds) && !out.durationMs) out.durationMs = v.durationSeconds * 1000;
      for (const [k, x] of Object.entries(v)) {
        if (k === 'ocrBox' || k === 'box') {
          const b = asBox(x);
          // The face inventory lists every detection down to score 0.3; one too small or faint to be
          // usable is no face a moderator must judge, unless the registry or the age check flagged it.
          const faint = k === 'box' && v.usable === false && !v.do_not_clone && !(num(v.estimated_age) && v.estimated_age < 18);
          if (b && faint) continue;
          if (b) {
            const key = `${b.x},${b.y},${b.width},${b.height},${cat}`;
            if (!seen.has(key)) {
              seen.add(key);
              out.boxes.push({ ...b, label: cat ? catWords(cat) : k === 'box' ? 'Face' : 'Text', kind: k === 'box' ? 'face' : 'text', score: v.score, stage });
            }
            continue;
          }
        }
        if (k === 'boxes' && Array.isArray(x)) {
          for (const bx of x) {
            const b = asBox(bx) || asBox(bx && bx.box);
            if (b) out.boxes.push({ ...b, label: cat ? catWords(cat) : 'Region', kind: 'region', stage });
          }
          continue;
        }
        if (k === 'segments' && Array.isArray(x)) {
          const flagged = x.filter((s) => s && typeof s.category === 'string' && num(s.startMs));
          for (const s of flagged) out.segments.push({ category: s.category, startMs: s.startMs, endMs: num(s.endMs) ? s.endMs : s.startMs, score: s.maxScore ?? s.score, frames: s.frames, stage });
          if (flagged.length || x.every((s) => s && num(s.startMs))) continue; // speech (VAD) segments are not flags
        }
        if ((k === 'asr' || k === 'transcript') && x && typeof x === 'object' && typeof x.text === 'string' && x.text.trim()) {
          out.transcripts.push({ stage, text: x.text });
          continue;
        }
        if (k === 'transcript' && typeof x === 'string' && x.trim()) {
          out.transcripts.push({ stage, text: x });
          continue;
        }
        walk(x, stage, cat, depth + 1);
      }
    };
    for (const st of Array.isArray(stages) ? stages : []) walk(st && st.evidence, st && st.stage, undefined, 0);
    return out;
  }

  /** Flagged time segments of a video or audio item: merged frame segments, plus ranges not already in them. */
  function flaggedSegments(ev) {
    const list = ev.segments.slice();
    const withSegments = new Set(ev.segments.map((s) => s.stage));
    for (const r of ev.ranges) {
      if (r.frame && withSegments.has(r.stage)) continue;
      if (list.some((s) => s.category === r.category && r.startMs >= s.startMs && r.endMs <= s.endMs)) continue;
      list.push(r);
    }
    return list.sort((a, b) => a.startMs - b.startMs || a.endMs - b.endMs);
  }

  // ---------- item view ----------

  async function openItem(view, id) {
    let item = S.pending && S.pending.id === id ? S.pending : null;
    S.pending = null;
    if (!item) {
      const r = await attempt(() => api('GET', `/items/${seg(id)}`));
      if (!r) {
        view.append(h('div', { class: 'page' }, h('h1', { text: 'Item not available' }), h('p', {}, h('a', { href: '#/queues' }, 'Back to the queues'))));
        return;
      }
      item = r.item || r;
    }
    renderItem(view, item);
  }

  function needsBlur(it) {
    const cats = Array.isArray(it.categories) ? it.categories : [];
    return !!(it.wellness && it.wellness.blur) || cats.some((c) => WELLNESS.includes(c));
  }

  function renderItem(view, it) {
    const ev = collectEvidence(it.stages);
    const blurred = needsBlur(it);
    const root = h('div', { class: `item${blurred ? ' blurred' : ''}`, testid: 'item-view', 'data-item-id': it.id, 'data-kind': it.kind, 'data-state': it.state });
    const column = h('div', { class: 'evidence', tabindex: '0', role: 'region', 'aria-label': 'Evidence' });
    const overdue = it.overdue ? h('span', { class: 'badge bad', testid: 'item-overdue' }, 'Overdue') : null;
    column.append(
      h('div', { class: 'item-head' },
        h('h1', {}, `${kindWords(it.kind)} `, h('span', { class: 'h1-sub', text: [it.consent && it.consent.subject && !it.media ? it.consent.subject.display_name : null,
          it.tenant_name || it.tenant_id || 'unknown tenant'].filter(Boolean).map((x) => `· ${x}`).join(' ') })),
        h('p', { class: 'meta' },
          h('span', {}, `${words(it.queue)} queue`), h('span', {}, `Priority ${it.priority ?? '–'}`),
          h('span', {}, `Age ${ageWords(it.age_seconds)}`), num(it.sla_minutes) ? h('span', {}, `SLA ${ageWords(it.sla_minutes * 60)}`) : null,
          overdue, h('span', { class: 'mono', title: `Item ${it.id}`, text: `#${String(it.id).slice(0, 8)}` }))),
      mediaRow(it, ev),
      h('div', { class: 'cards' },
        it.appeal ? appealCard(it.appeal, it) : null,
        it.media || Object.keys(it.scores || {}).length ? scoresCard(it) : null,
        Array.isArray(it.stages) && it.stages.length ? stagesCard(it) : null,
        it.consent && it.media ? consentCard(it.consent) : null,
        historyCard(it)));
    root.append(column, decisionPanel(it, root));
    view.append(root);
  }

  function mediaRow(it, ev) {
    const row = h('div', { class: 'media-row' });
    const m = it.media;
    const url = m && localUrl(m.url);
    const cats = Array.isArray(it.categories) ? it.categories : [];
    if (m) {
      const panel = h('section', { class: 'panel upload', testid: 'upload-media', 'data-kind': m.kind || it.kind, 'aria-labelledby': 'upload-h' });
      panel.append(h('div', { class: 'panel-head' }, h('h2', { id: 'upload-h' }, 'Upload'), h('span', { class: 'muted' }, [m.content_type, m.size_bytes ? bytesWords(m.size_bytes) : null, m.filename].filter(Boolean).join(' · '))));
      if (m.protected || !url) {
        panel.append(h('p', { class: 'notice', testid: 'media-protected' }, m.protected ? 'This media is protected and is not shown in the console.' : 'The media cannot be shown.'));
      } else {
        const kind = m.kind || it.kind;
        if (kind === 'portrait_image' || /^image\//.test(m.content_type || '')) panel.append(imageMedia(url, ev.boxes, it));
        else if (VIDEO_KINDS.includes(kind) || /^video\//.test(m.content_type || '')) panel.append(videoMedia(url, ev, it));
        else if (AUDIO_KINDS.includes(kind) || /^audio\//.test(m.content_type || '')) panel.append(audioMedia(url, ev, it));
        else if (kind === 'driving_text' || /^text\//.test(m.content_type || '')) panel.append(textMedia(url, ev));
        else panel.append(h('p', { class: 'notice' }, `No viewer for ${m.content_type || kind}.`));
      }
      row.append(panel);
    }
    const c = it.consent;
    const rec = c && c.challenge && localUrl(c.challenge.recording_url);
    if (c) row.append(consentMedia(c, rec, faceMatchOf(it)));
    // A ceremony without an upload: its details take the place of the upload, beside the recording.
    if (c && !m) row.append(consentCard(c));
    if (!row.childElementCount) row.append(h('p', { class: 'notice' }, 'No media for this item.'));
    row.classList.toggle('two', row.childElementCount > 1);
    if (cats.length || (it.reasons && it.reasons.length)) {
      row.prepend(h('div', { class: 'flags' }, h('span', { class: 'flags-label' }, 'Flagged'), cats.length ? chips(cats, true) : null,
        (it.reasons || []).map((r) => h('code', { class: 'reason', text: r }))));
    }
    return row;
  }

  function bytesWords(n) {
    if (!num(n)) return '';
    if (n < 1024) return `${n} B`;
    if (n < 1024 * 1024) return `${(n / 1024).toFixed(0)} KiB`;
    return `${(n / 1024 / 1024).toFixed(1)} MiB`;
  }

  function imageMedia(url, boxes, it) {
    const wrap = h('div', { class: 'img-wrap' });
    const img = h('img', { testid: 'media-image', class: 'wellness', alt: `Uploaded ${kindWords(it.kind).toLowerCase()}${boxes.length ? `, ${boxes.length} flagged regions outlined` : ''}` });
    const drawn = boxes.map((b) => h('div', { class: `box box-${b.kind}`, testid: 'box', 'data-label': b.label, 'aria-hidden': 'true' }, h('span', { class: 'box-label', text: b.label })));
    img.addEventListener('load', () => {
      const w = img.naturalWidth;
      const ht = img.naturalHeight;
      boxes.forEach((b, i) => {
        const d = drawn[i].style;
        d.left = `${(b.x / w) * 100}%`;
        d.top = `${(b.y / ht) * 100}%`;
        d.width = `${(b.width / w) * 100}%`;
        d.height = `${(b.height / ht) * 100}%`;
        drawn[i].classList.add('placed');
      });
      wrap.dataset.loaded = 'true';
    });
    img.addEventListener('error', () => { wrap.dataset.loaded = 'error'; });
    img.src = url;
    wrap.append(img, ...drawn);
    const list = boxes.length
      ? h('ul', { class: 'box-list', 'aria-label': 'Flagged regions' }, boxes.map((b) => h('li', {}, `${b.label}: ${Math.round(b.width)}×${Math.round(b.height)} px at ${Math.round(b.x)}, ${Math.round(b.y)}${num(b.score) ? ` (${score2(b.score)})` : ''}`)))
      : null;
    return h('div', { class: 'media-body' }, wrap, list);
  }

  function mediaDurationMs(el, fallback) {
    return num(el.duration) && el.duration > 0 ? el.duration * 1000 : fallback;
  }

  /** Buttons that seek `el` to each flagged segment, and (for video) a bar that shows where they are. */
  function segmentControls(el, segments, ev, withBar) {
    const wrap = h('div', { class: 'segments' });
    const bar = withBar ? h('div', { class: 'timeline', 'aria-hidden': 'true', testid: 'timeline' }) : null;
    const head = bar ? h('div', { class: 'playhead' }) : null;
    const marks = segments.map((s) => h('div', { class: 'seg', title: `${catWords(s.category)} ${clock(s.startMs)}` }));
    const place = () => {
      if (!bar) return;
      const total = mediaDurationMs(el, ev.durationMs || Math.max(1, ...segments.map((s) => s.endMs)) * 1.05);
      segments.forEach((s, i) => {
        marks[i].style.left = `${Math.min(100, (s.startMs / total) * 100)}%`;
        marks[i].style.width = `${Math.max(0.8, ((s.endMs - s.startMs) / total) * 100)}%`;
      });
      head.style.left = `${Math.min(100, ((el.currentTime * 1000) / total) * 100)}%`;
    };
    if (bar) {
      bar.append(...marks, head);
      bar.addEventListener('click', (e) => {
        const r = bar.getBoundingClientRect();
        const total = mediaDurationMs(el, ev.durationMs || 0);
        if (total) el.currentTime = (((e.clientX - r.left) / r.width) * total) / 1000;
      });
      el.addEventListener('loadedmetadata', place);
      el.addEventListener('timeupdate', place);
      place();
      wrap.append(bar);
    }
    const list = h('ul', { class: 'seg-list', 'aria-label': 'Flagged time ranges' });
    if (!segments.length) list.append(h('li', { class: 'muted' }, 'No flagged time ranges.'));
    for (const s of segments) {
      const range = s.endMs > s.startMs ? `${clock(s.startMs)}–${clock(s.endMs)}` : clock(s.startMs);
      list.append(h('li', {}, h('button', { type: 'button', class: 'seg-btn small', testid: 'segment', 'data-start-ms': String(s.startMs),
        onclick: () => {
          el.currentTime = s.startMs / 1000;
          place();
        } }, h('span', { class: 'seg-time', text: range }), ` ${catWords(s.category)}`, num(s.score) ? h('span', { class: 'muted', text: ` ${score2(s.score)}` }) : null,
      s.text ? h('span', { class: 'seg-text wellness', text: ` “${s.text}”` }) : null)));
    }
    wrap.append(list);
    return wrap;
  }

  function videoMedia(url, ev, it) {
    const video = h('video', { testid: 'media-video', class: 'wellness', controls: true, muted: true, playsinline: true, preload: 'metadata', 'aria-label': `Uploaded ${kindWords(it.kind).toLowerCase()}` });
    video.muted = true;
    video.defaultMuted = true;
    video.src = url;
    keepFresh(video, it, (v) => v.media && v.media.url);
    const segments = flaggedSegments(ev);
    const body = h('div', { class: 'media-body' }, shielded(video), segmentControls(video, segments, ev, true), frameStrip(url, segments, ev, video));
    const tr = ev.transcripts[0];
    if (tr) body.append(transcriptBlock(tr, ev, video));
    return body;
  }

  /** A video in a frame that keeps its blur inside, with a note on how to unblur while blurred. */
  function shielded(video) {
    return h('div', { class: 'video-wrap' }, video, h('span', { class: 'blur-note', 'aria-hidden': 'true' }, 'Blurred · press U to unblur'));
  }

  function audioMedia(url, ev, it) {
    const audio = h('audio', { testid: 'media-audio', controls: true, preload: 'metadata', 'aria-label': `Uploaded ${kindWords(it.kind).toLowerCase()}` });
    // The wellness shield: audio starts muted, as video does (the moderator unmutes it in the controls).
    if (!it.wellness || it.wellness.mute !== false) {
      audio.muted = true;
      audio.defaultMuted = true;
    }
    audio.src = url;
    keepFresh(audio, it, (v) => v.media && v.media.url);
    const tr = ev.transcripts[0];
    return h('div', { class: 'media-body' }, audio,
      tr ? transcriptBlock(tr, ev, audio) : h('p', { class: 'muted', testid: 'transcript-missing', text: 'No transcript in the evidence.' }),
      segmentControls(audio, flaggedSegments(ev), ev, false));
  }

  /** Signed media links expire after five minutes: on a load error, fetch the item again for fresh ones (once a minute at most). */
  function keepFresh(el, it, pick) {
    let last = Date.now();
    el.addEventListener('error', async () => {
      if (Date.now() - last < 60_000) return;
      last = Date.now();
      const r = await api('GET', `/items/${seg(it.id)}`).catch(() => null);
      const u = r && localUrl(pick(r.item || r));
      if (u && el.isConnected) {
        const t = el.currentTime;
        el.src = u;
        el.addEventListener('loadedmetadata', () => { el.currentTime = t; }, { once: true });
      }
    });
  }

  /** A few frames (flagged segment starts first, then evenly spaced) drawn by seeking a hidden copy of the video. */
  function frameStrip(url, segments, ev, main) {
    const strip = h('div', { class: 'frames', role: 'group', 'aria-label': 'Sampled frames', testid: 'frames' });
    const probe = h('video', { hidden: true, muted: true, preload: 'auto', 'aria-hidden': 'true', tabindex: '-1' });
    probe.muted = true;
    let stopped = false;
    S.cleanup.push(() => {
      stopped = true;
      probe.removeAttribute('src');
      probe.load();
    });
    const seek = (t) => new Promise((resolve) => {
      const done = () => { clearTimeout(timer); probe.removeEventListener('seeked', done); resolve(); };
      const timer = setTimeout(done, 4000);
      probe.addEventListener('seeked', done);
      probe.currentTime = t;
    });
    probe.addEventListener('loadedmetadata', async () => {
      const dur = mediaDurationMs(probe, ev.durationMs || 0);
      if (!dur) return;
      const wanted = [];
      for (const s of segments) if (wanted.length < 3) wanted.push(s.startMs);
      const n = 6;
      for (let i = 0; i < n; i++) wanted.push(Math.round((((i + 0.5) / n) * dur) / 1000) * 1000);
      const times = [];
      for (const t of wanted.map((x) => Math.min(Math.max(0, x), Math.max(0, dur - 50)))) {
        if (times.length < n && !times.some((u) => Math.abs(u - t) < 500)) times.push(t);
      }
      times.sort((a, b) => a - b);
      const vw = probe.videoWidth || 16;
      const vh = probe.videoHeight || 9;
      for (const t of times) {
        if (stopped) return;
        await seek(t / 1000);
        if (stopped) return;
        const canvas = h('canvas', { class: 'wellness', width: '160', height: String(Math.round((160 * vh) / vw)), 'aria-hidden': 'true' });
        try {
          canvas.getContext('2d').drawImage(probe, 0, 0, canvas.width, canvas.height);
        } catch {
          continue;
        }
        const flagged = segments.some((s) => t >= s.startMs - 1 && t <= s.endMs + 1);
        strip.append(h('button', { type: 'button', class: `frame${flagged ? ' flagged' : ''}`, testid: 'frame', 'aria-label': `Go to the frame at ${clock(t)}${flagged ? ' (flagged)' : ''}`,
          onclick: () => { main.currentTime = t / 1000; } }, canvas, h('span', { class: 'frame-time', text: clock(t) })));
      }
      strip.dataset.ready = 'true';
    }, { once: true });
    probe.src = url;
    return h('div', { class: 'frames-wrap' }, strip, probe);
  }

  /** `text` with the given UTF-16 spans marked; overlapping spans are merged into one mark. */
  function marked(text, spans) {
    const frag = document.createDocumentFragment();
    const sorted = spans.filter((s) => s.end > s.start && s.start < text.length).map((s) => ({ ...s, end: Math.min(s.end, text.length) })).sort((a, b) => a.start - b.start);
    const merged = [];
    for (const s of sorted) {
      const last = merged[merged.length - 1];
      if (last && s.start <= last.end) {
        last.end = Math.max(last.end, s.end);
        if (!last.cats.includes(s.category)) last.cats.push(s.category);
      } else merged.push({ start: s.start, end: s.end, cats: [s.category] });
    }
    let at = 0;
    for (const s of merged) {
      if (s.start > at) frag.append(text.slice(at, s.start));
      frag.append(h('mark', { testid: 'flagged-span', title: s.cats.map(catWords).join(', '), 'data-start': String(s.start), 'data-end': String(s.end) }, text.slice(s.start, s.end)));
      at = s.end;
    }
    if (at < text.length) frag.append(text.slice(at));
    return { frag, count: merged.length };
  }

  function transcriptBlock(tr, ev, el) {
    const spans = ev.spans.filter((s) => s.stage === tr.stage);
    const { frag, count } = marked(tr.text, spans);
    return h('div', { class: 'transcript-wrap' },
      h('h3', { class: 'mini', text: `Transcript${count ? ` · ${count} flagged` : ''}` }),
      h('p', { class: 'transcript wellness', testid: 'transcript', tabindex: '0' }, frag));
  }

  function textMedia(url, ev) {
    const body = h('div', { class: 'media-body text-body' });
    const pre = h('pre', { class: 'text wellness', testid: 'media-text', tabindex: '0', 'aria-label': 'Item text' }, 'Loading the text…');
    body.append(pre);
    fetch(url, { credentials: 'same-origin' })
      .then(async (r) => {
        if (!r.ok) throw new Error(`${r.status}`);
        const text = await r.text();
        const spans = ev.spans.filter((s) => s.stage === 'moderate.text' || !ev.transcripts.some((t) => t.stage === s.stage));
        const { frag, count } = marked(text, spans);
        pre.replaceChildren(frag);
        pre.dataset.loaded = 'true';
        body.prepend(h('h3', { class: 'mini', text: `${text.length} characters · ${count} flagged span${count === 1 ? '' : 's'}` }));
      })
      .catch((e) => {
        pre.textContent = '';
        pre.append(h('span', { class: 'notice', text: `The text could not be loaded (${e.message}).` }));
      });
    return body;
  }

  /** The API's face_match, else the consent.face stage's own score and threshold. */
  function faceMatchOf(it) {
    const c = it.consent;
    if (c && c.face_match && num(c.face_match.score)) return c.face_match;
    const st = (Array.isArray(it.stages) ? it.stages : []).find((s) => s && s.stage === 'consent.face');
    const e = st && st.evidence;
    if (e && num(e.score) && num(e.threshold)) return { score: e.score, threshold: e.threshold, status: st.status === 'pass' ? 'match' : st.status === 'reject' ? 'no match' : st.status };
    return c && c.face_match;
  }

  function consentMedia(c, url, fm) {
    const ch = c.challenge || {};
    const audio = /^audio\//.test(ch.recording_content_type || '');
    const panel = h('section', { class: 'panel consent-rec', testid: 'consent-media', 'aria-labelledby': 'consent-rec-h' });
    panel.append(h('div', { class: 'panel-head' }, h('h2', { id: 'consent-rec-h' }, 'Consent recording'), h('span', { class: 'muted', text: [ch.recording_content_type, ch.language].filter(Boolean).join(' · ') })));
    if (!url) {
      panel.append(h('p', { class: 'notice', testid: 'consent-no-recording', text: c.challenge ? 'No recording for this ceremony.' : 'No consent ceremony has been recorded for this attestation.' }));
    } else if (audio) {
      const a = h('audio', { controls: true, preload: 'metadata', testid: 'consent-frame', 'aria-label': 'Consent ceremony recording' });
      a.src = url;
      panel.append(a);
    } else {
      const v = h('video', { controls: true, muted: true, playsinline: true, preload: 'auto', class: 'wellness', testid: 'consent-frame', 'aria-label': 'Consent ceremony recording' });
      v.muted = true;
      // Paused at its first frame: a seek to 0 makes Chromium paint it.
      v.addEventListener('loadeddata', () => { if (v.paused && v.currentTime === 0) v.currentTime = 0.001; }, { once: true });
      v.src = url;
      panel.append(shielded(v));
    }
    if (fm) {
      const pass = num(fm.score) && num(fm.threshold) ? fm.score >= fm.threshold : null;
      panel.append(h('p', { class: 'face-match', testid: 'face-match' }, 'Face match ', h('strong', { text: score2(fm.score) }), ` vs threshold ${score2(fm.threshold)}`,
        h('span', { class: `badge${fm.status === 'fail' || fm.status === 'no match' || pass === false ? ' bad' : ''}` }, words(fm.status || (pass ? 'match' : pass === false ? 'no match' : 'unknown')))));
    }
    if (c.challenge) panel.append(h('div', { class: 'statements' },
      h('div', {}, h('h3', { class: 'mini', text: 'Statement required' }), h('blockquote', { testid: 'statement-required', text: ch.statement || '–' })),
      h('div', {}, h('h3', { class: 'mini', text: 'Statement heard' }), h('blockquote', { testid: 'statement-heard', class: ch.heard ? '' : 'muted', text: ch.heard || 'Nothing recognised.' }))));
    return panel;
  }

  function scoresCard(it) {
    const scores = it.scores && typeof it.scores === 'object' ? it.scores : {};
    const order = Object.keys(CATEGORY_WORDS).filter((c) => c in scores).concat(Object.keys(scores).filter((c) => !(c in CATEGORY_WORDS)));
    const flagged = new Set(it.categories || []);
    const rows = order.map((c) => {
      const v = Number(scores[c]) || 0;
      const fill = h('span', { class: 'fill' });
      fill.style.width = `${Math.max(0, Math.min(1, v)) * 100}%`;
      return h('tr', { class: flagged.has(c) ? 'flagged' : '', testid: 'score-row', 'data-category': c },
        h('th', { scope: 'row' }, catWords(c)), h('td', { class: 'bar-cell' }, h('span', { class: 'bar', 'aria-hidden': 'true' }, fill)), h('td', { class: 'num' }, score2(v)));
    });
    return section('Scores', 'scores-h',
      rows.length ? h('table', { class: 'scores' }, h('tbody', {}, rows)) : h('p', { class: 'muted', text: 'No scores.' }),
      it.reasons && it.reasons.length ? h('p', { class: 'reasons' }, 'Reasons: ', it.reasons.map((r) => h('code', { class: 'reason', text: r }))) : null);
  }

  function stagesCard(it) {
    const stages = Array.isArray(it.stages) ? it.stages : [];
    return section('Pipeline stages', 'stages-h', stages.length
      ? h('ol', { class: 'stages' }, stages.map((s) => h('li', { testid: 'stage', 'data-status': s.status },
        h('div', { class: 'stage-head' }, h('span', { class: `status st-${String(s.status)}`, text: words(s.status) }), h('span', { class: 'stage-name', text: s.stage }),
          s.reason ? h('code', { class: 'reason', text: s.reason }) : null, num(s.duration_ms) ? h('span', { class: 'muted dur', text: `${Math.round(s.duration_ms)} ms` }) : null),
        s.explanation ? h('p', { class: 'explain', text: s.explanation }) : null)))
      : h('p', { class: 'muted', text: 'No pipeline stages (nothing ran on this item).' }));
  }

  function consentCard(c) {
    const a = c.attestation || {};
    const ch = c.challenge;
    const parts = [];
    const validity = h('span', {}, timeEl(a.valid_from), ' → ', timeEl(a.valid_until));
    parts.push(dl([
      ['Subject', c.subject ? [c.subject.display_name, c.subject.language, c.subject.birth_date ? `born ${c.subject.birth_date}` : null].filter(Boolean).join(' · ') : undefined],
      ['Relation', a.relation], ['Attester', a.attester], ['Scopes', a.scopes], ['Purposes', a.purposes], ['Valid', validity],
      ['State', a.state ? `${words(a.state)}${a.verification ? ` · verification: ${words(a.verification).toLowerCase()}` : ''}` : undefined],
      ['Biometric consent', a.separate_biometric_consent === undefined ? undefined : a.separate_biometric_consent ? 'separate, explicit' : 'not separate'],
      ['Guardian', a.guardian ? a.guardian : undefined],
    ].filter(([, v]) => v !== undefined && v !== null)));
    if (ch && Array.isArray(ch.checks) && ch.checks.length) {
      parts.push(h('table', { class: 'grid checks', testid: 'consent-checks' },
        h('thead', {}, h('tr', {}, ['Check', 'Status', 'Score', 'Threshold', 'Reason'].map((t) => h('th', { scope: 'col', text: t })))),
        h('tbody', {}, ch.checks.map((k) => h('tr', {}, h('th', { scope: 'row', text: words(k.name) }),
          h('td', {}, h('span', { class: `status st-${k.status}`, text: words(k.status) })), h('td', { class: 'num', text: score2(k.score) }),
          h('td', { class: 'num', text: score2(k.threshold) }), h('td', { title: k.reason || null }, k.reason ? words(k.reason) : '–'))))));
    }
    if (ch && ch.outcome) parts.push(h('p', {}, 'Ceremony outcome: ', h('strong', { text: words(ch.outcome) })));
    return section('Consent', 'consent-h', h('div', { testid: 'consent-details' }, parts));
  }

  function appealCard(ap, it) {
    const o = ap.original || {};
    return section('Appeal', 'appeal-h', h('div', { testid: 'appeal' },
      h('blockquote', { class: 'appeal-statement', text: ap.statement || '–' }),
      dl([['Filed', timeEl(ap.created_at)], ['Original decision', words(o.decision || o.action) || '–'], ['Reason', o.reason ? words(o.reason) : '–'], ['Note', o.note || '–'],
        ['By', o.by ? actorWords(o.by, it) : '–'], ['At', o.at ? timeEl(o.at) : '–']])));
  }

  /** `tenant:<id>` and `moderator:<id>` in words: the tenant's name, "you", or a short id. */
  function actorWords(actor, it) {
    if (!actor) return 'system';
    const a = String(actor);
    if (a === `tenant:${it.tenant_id}`) return `tenant ${it.tenant_name || shortIds(it.tenant_id)}`;
    if (S.me && (a === `moderator:${S.me.id}` || a === S.me.id || a === S.me.email)) return 'you';
    return shortIds(a.replace(/:/, ' '));
  }

  const shortIds = (s) => String(s).replace(/\b([0-9a-f]{8})-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/gi, '$1…');

  function historyCard(it) {
    const hist = Array.isArray(it.history) ? it.history : [];
    const card = section('History', 'history-h', hist.length
      ? h('table', { class: 'history', testid: 'history' },
        h('thead', { class: 'sr-only' }, h('tr', {}, ['When', 'Event', 'By', 'Details'].map((t) => h('th', { scope: 'col', text: t })))),
        h('tbody', {}, hist.map((e) => h('tr', { testid: 'history-entry', 'data-type': e.type },
          h('td', { class: 'when' }, timeEl(e.at)),
          h('td', { class: 'what' }, h('strong', { text: words(e.type) }), e.source ? h('span', { class: 'muted', text: ` · ${e.source}` }) : null),
          h('td', { class: 'who', title: e.actor ? String(e.actor) : null, text: actorWords(e.actor, it) }),
          h('td', { class: 'data', text: e.data && Object.keys(e.data).length ? shortIds(summary(e.data)) : '' })))))
      : h('p', { class: 'muted', text: 'No history yet.' }));
    card.classList.add('wide');
    return card;
  }

  // ---------- decisions ----------

  function decisionPanel(it, root) {
    const mine = it.claimed_by_me === true && it.state !== 'decided' && it.state !== 'waiting';
    const open = it.state === 'open' || (it.state === 'claimed' && !mine);
    const panel = h('section', { class: 'decide', testid: 'decision-panel', 'aria-labelledby': 'decide-h' });
    panel.append(h('h2', { id: 'decide-h', text: it.state === 'decided' ? 'Decided' : 'Decision' }));
    const lease = h('p', { class: 'lease', testid: 'lease', 'aria-live': 'off' });
    panel.append(lease);

    const reason = h('select', { id: 'reject-reason', testid: 'reject-reason' },
      h('option', { value: '' }, 'Choose a reason…'), S.reasons.map((r) => h('option', { value: r }, words(r))));
    const note = h('textarea', { id: 'decision-note', rows: '2', testid: 'decision-note', maxlength: '2000', placeholder: 'Optional; kept in the history' });
    const sameHash = num(it.same_hash_open) && it.same_hash_open > 0
      ? h('input', { type: 'checkbox', id: 'same-hash', testid: 'same-hash' }) : null;
    const isImage = (it.media && it.media.kind === 'portrait_image') || it.kind === 'portrait_image';
    const hashBank = isImage ? h('input', { type: 'checkbox', id: 'hash-bank', testid: 'hash-bank' }) : null;

    const btn = (action, label, key, cls) => h('button', { type: 'button', class: `act ${cls || ''}`, testid: `decision-${action.replace('_', '-')}`, 'aria-keyshortcuts': key,
      onclick: () => decide(it, action, { reason, note, sameHash, hashBank }) }, label, h('kbd', { 'aria-hidden': 'true', text: key === 'Escape' ? 'Esc' : key.toUpperCase() }));
    const approve = btn('approve', 'Approve', 'a', 'approve');
    const reject = btn('reject', 'Reject', 'r', 'reject');
    const escalate = btn('escalate', 'Escalate', 'e');
    const evidence = btn('request_evidence', 'Request evidence', 'v');
    const release = h('button', { type: 'button', class: 'act quiet', testid: 'release', 'aria-keyshortcuts': 'Escape', onclick: () => releaseItem(it) }, 'Release claim', h('kbd', { 'aria-hidden': 'true', text: 'Esc' }));
    const unblur = h('button', { type: 'button', class: 'act quiet', testid: 'unblur', 'aria-pressed': 'false', 'aria-keyshortcuts': 'u', onclick: () => toggleBlur(root, unblur) }, 'Unblur', h('kbd', { 'aria-hidden': 'true', text: 'U' }));
    if (!root.classList.contains('blurred')) unblur.setAttribute('aria-pressed', 'true');

    if (it.state === 'decided' && it.decision) {
      const d = it.decision;
      panel.append(dl([['Action', words(d.action)], ['Reason', d.reason ? words(d.reason) : '–'], ['Note', d.note || '–'], ['By', d.by ? actorWords(d.by, it) : '–'], ['At', d.at ? timeEl(d.at) : '–']]),
        h('p', {}, h('a', { href: '#/queues' }, 'Back to the queues')));
      panel.append(unblur);
      bindKeys({ u: () => unblur.click() });
      return panel;
    }
    if (!mine) {
      const why = it.state === 'waiting' ? 'Waiting for the tenant’s evidence.' : it.state === 'claimed' ? 'Another moderator holds this item.' : 'You have not claimed this item.';
      panel.append(h('p', { class: 'notice', testid: 'not-claimed', text: why }));
      if (open) {
        panel.append(h('button', { type: 'button', class: 'act primary', testid: 'claim-item', onclick: () => openChosen(it.id, S.fromQueue) }, 'Claim this item'));
      }
      panel.append(unblur, h('p', {}, h('a', { href: '#/queues' }, 'Back to the queues')));
      bindKeys({ u: () => unblur.click() });
      return panel;
    }

    startLease(lease, it.lease_until);
    const rejectGroup = h('div', { class: 'reject-group' }, h('label', { for: 'reject-reason' }, 'Reject reason'), reason, reject);
    panel.append(h('div', { class: 'actions' }, approve, rejectGroup, escalate, evidence));
    panel.append(h('div', { class: 'field' }, h('label', { for: 'decision-note' }, 'Note'), note));
    if (sameHash) panel.append(h('div', { class: 'check' }, sameHash, h('label', { for: 'same-hash' }, `Apply to ${it.same_hash_open} other open item${it.same_hash_open === 1 ? '' : 's'} with the same hash`)));
    if (hashBank) panel.append(h('div', { class: 'check' }, hashBank, h('label', { for: 'hash-bank' }, 'Add to the tenant’s hash bank (on reject)')));
    panel.append(h('div', { class: 'pair' }, release, unblur));
    panel.append(h('p', { class: 'keys muted' }, 'Keys: A approve · R reason, then R or Enter to reject · E escalate · V request evidence · U unblur · Esc release'));

    reason.addEventListener('keydown', (e) => {
      if (e.key === 'Enter') {
        e.preventDefault();
        if (reason.value) decide(it, 'reject', { reason, note, sameHash, hashBank });
      } else if (e.key === 'Escape') {
        e.preventDefault();
        reason.blur();
        root.querySelector('h1').focus();
      }
    });
    note.addEventListener('keydown', (e) => {
      if (e.key === 'Escape') {
        e.preventDefault();
        note.blur();
        root.querySelector('h1').focus();
      }
    });
    bindKeys({
      a: () => approve.click(),
      r: () => {
        if (!reason.value) {
          reason.focus();
          say('Choose a reject reason, then press Enter.');
        } else reject.click();
      },
      e: () => escalate.click(),
      v: () => evidence.click(),
      u: () => unblur.click(),
      Escape: () => release.click(),
    });
    return panel;
  }

  function toggleBlur(root, button) {
    const on = root.classList.toggle('blurred');
    button.setAttribute('aria-pressed', on ? 'false' : 'true');
  }

  /** Single-key shortcuts for the item view: never while typing in a field, never with a modifier. */
  function bindKeys(map) {
    const onKey = (e) => {
      if (e.defaultPrevented || e.ctrlKey || e.metaKey || e.altKey || e.repeat) return;
      const t = e.target;
      if (t && (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName))) return;
      const key = e.key === 'Escape' ? 'Escape' : e.key.length === 1 ? e.key.toLowerCase() : null;
      const fn = key && map[key];
      if (!fn || S.busy) return;
      e.preventDefault();
      fn();
    };
    document.addEventListener('keydown', onKey);
    S.cleanup.push(() => document.removeEventListener('keydown', onKey));
  }

  function startLease(el, until) {
    const end = new Date(until).getTime();
    if (!until || Number.isNaN(end)) {
      el.textContent = '';
      return;
    }
    const tick = () => {
      const left = Math.round((end - Date.now()) / 1000);
      if (left <= 0) {
        el.textContent = 'Your claim has expired: another moderator may take this item.';
        el.className = 'lease expired';
        clearInterval(t);
        return;
      }
      el.textContent = `Claim held for ${Math.floor(left / 60)}:${String(left % 60).padStart(2, '0')}`;
      el.className = `lease${left < 60 ? ' low' : ''}`;
    };
    const t = setInterval(tick, 1000);
    tick();
    S.cleanup.push(() => clearInterval(t));
  }

  function setBusy(on) {
    S.busy = on;
    for (const b of document.querySelectorAll('[data-testid="decision-panel"] button')) b.disabled = on;
  }

  const DONE_WORDS = { approve: 'Approved', reject: 'Rejected', escalate: 'Escalated', request_evidence: 'Evidence requested' };

  async function decide(it, action, f) {
    if (S.busy) return;
    clearError();
    const body = { action };
    if (action === 'reject') {
      if (!f.reason.value) {
        f.reason.focus();
        showError('Choose a reason before rejecting.');
        return;
      }
      body.reason = f.reason.value;
      if (f.hashBank && f.hashBank.checked) body.add_to_hash_bank = true;
    }
    if (f.note.value.trim()) body.note = f.note.value.trim();
    if (f.sameHash && f.sameHash.checked) body.same_hash = true;
    setBusy(true);
    const done = await attempt(() => api('POST', `/items/${seg(it.id)}/decision`, body));
    if (!done) {
      setBusy(false);
      return;
    }
    const more = Array.isArray(done.also_decided) ? done.also_decided.length : 0;
    const also = more ? ` (and ${more} more with the same hash)` : '';
    await nextAfter(`${DONE_WORDS[action] || words(action)}${also}.`);
  }

  async function releaseItem(it) {
    if (S.busy) return;
    clearError();
    setBusy(true);
    const r = await attempt(() => api('POST', `/items/${seg(it.id)}/release`));
    if (!r) {
      setBusy(false);
      return;
    }
    say('Claim released.');
    go(S.fromQueue && S.fromQueue !== 'all' ? `#/queue/${seg(S.fromQueue)}` : '#/queues');
  }

  /** After a decision: the next item of the same queue, or the queue list when it is empty. */
  async function nextAfter(what) {
    const queue = S.fromQueue || 'all';
    const next = await attempt(() => claimQueue(queue));
    if (next) {
      say(`${what} Next item from ${queueLabel(queue)}.`);
      go(`#/item/${seg(next.id)}`);
    } else {
      say(next === null ? `${what} The queue “${queueLabel(queue)}” is empty.` : what);
      go('#/queues');
    }
  }

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
})();
