  // Part of the review console script (the media of an item by kind, with boxes, segments, frames, transcript and spans); src/web/review-page.ts joins the parts in order.
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
