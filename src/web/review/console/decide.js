  // Part of the review console script (the decision panel, its keyboard shortcuts and the claim countdown); src/web/review-page.ts joins the parts in order.
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
