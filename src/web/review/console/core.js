  /*
   * The moderators' review console (served inline by src/web/review-page.ts, allowed by its hash in
   * the Content-Security-Policy). Vanilla JS, no build step, nothing fetched from elsewhere. Every
   * value from the API is untrusted: it reaches the page through textContent and createElement only.
   * Styles are set through the CSSOM (element.style), which the policy allows; style attributes are not.
   */
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
