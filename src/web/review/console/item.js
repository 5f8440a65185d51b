  // Part of the review console script (the item view and its cards: scores, stages, consent, appeal, history); src/web/review-page.ts joins the parts in order.
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
