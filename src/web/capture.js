// The capture page's script (served inline, allowed by its hash in the Content-Security-Policy).
// Plain browser JavaScript, no dependencies: it records the statement with MediaRecorder and
// uploads it to <page path>/recording, authenticated by the token in the path alone.
'use strict';
(() => {
  const root = document.querySelector('main');
  const wantVideo = root.dataset.video === 'true';
  const expiresAt = Date.parse(root.dataset.expiresAt);
  const maxSeconds = Number(root.dataset.maxSeconds);
  const company = root.dataset.company;
  const $ = (id) => document.getElementById(id);
  const start = $('start');
  const stop = $('stop');
  const timer = $('timer');
  const status = $('status');
  const result = $('result');
  const preview = $('preview');
  const expiry = $('expiry');
  const uploadPath = location.pathname.replace(/\/+$/, '') + '/recording';
  let recorder = null;
  let stream = null;
  let ticker = 0;
  let discarded = false;

  for (const t of document.querySelectorAll('time[data-local-date]')) {
    const d = new Date(t.dateTime);
    if (!Number.isNaN(d.getTime())) t.textContent = d.toLocaleDateString(undefined, { year: 'numeric', month: 'long', day: 'numeric' });
  }

  const fmt = (seconds) => {
    const s = Math.max(0, Math.ceil(seconds));
    return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
  };
  const say = (text, kind) => {
    status.textContent = text;
    status.dataset.kind = kind || 'info';
  };

  // The code in the statement runs out with the link; past it, recording is pointless.
  const expiryTicker = setInterval(() => {
    const left = (expiresAt - Date.now()) / 1000;
    expiry.textContent = fmt(left);
    if (left > 0) return;
    clearInterval(expiryTicker);
    if (recorder && recorder.state !== 'inactive') {
      discarded = true;
      recorder.stop();
    }
    start.disabled = true;
    stop.hidden = true;
    say(`This link has expired. Ask ${company} for a new one.`, 'error');
  }, 250);

  function pickType() {
    const candidates = wantVideo
      ? ['video/webm;codecs=vp8,opus', 'video/webm;codecs=vp9,opus', 'video/webm', 'video/mp4']
      : ['audio/webm;codecs=opus', 'audio/webm', 'audio/ogg;codecs=opus', 'audio/mp4'];
    return candidates.find((t) => MediaRecorder.isTypeSupported(t)) || '';
  }

  function deviceProblem(e) {
    const what = wantVideo ? 'camera and microphone' : 'microphone';
    if (e && e.name === 'NotAllowedError') return `Your browser did not allow the ${what}. Allow it for this page and press Start again.`;
    if (e && e.name === 'NotFoundError') return `No ${what} was found on this device.`;
    return `The ${what} could not be started (${(e && e.message) || e}).`;
  }

  start.addEventListener('click', async () => {
    if (!navigator.mediaDevices || !window.MediaRecorder) {
      say('This browser cannot record here. Open the link in a current Chrome, Firefox, Edge or Safari.', 'error');
      return;
    }
    start.disabled = true;
    say(wantVideo ? 'Asking for your camera and microphone…' : 'Asking for your microphone…');
    try {
      // Echo cancellation, noise suppression and gain control reshape speech; the checks want it as said.
      stream = await navigator.mediaDevices.getUserMedia({
        audio: { echoCancellation: false, noiseSuppression: false, autoGainControl: false },
        video: wantVideo ? { width: { ideal: 640 }, height: { ideal: 480 }, facingMode: 'user' } : false,
      });
    } catch (e) {
      start.disabled = false;
      say(deviceProblem(e), 'error');
      return;
    }
    const type = pickType();
    const options = { audioBitsPerSecond: 128000, ...(wantVideo ? { videoBitsPerSecond: 1500000 } : {}), ...(type ? { mimeType: type } : {}) };
    const chunks = [];
    recorder = new MediaRecorder(stream, options);
    recorder.addEventListener('dataavailable', (ev) => {
      if (ev.data && ev.data.size) chunks.push(ev.data);
    });
    recorder.addEventListener('stop', () => {
      clearInterval(ticker);
      for (const t of stream.getTracks()) t.stop();
      preview.hidden = true;
      preview.srcObject = null;
      stop.hidden = true;
      timer.hidden = true;
      if (discarded) return;
      upload(new Blob(chunks, { type: (recorder.mimeType || type || 'application/octet-stream').split(';')[0] }));
    });
    if (wantVideo) {
      preview.srcObject = stream;
      preview.hidden = false;
      preview.play().catch(() => {});
    }
    recorder.start(1000);
    const startedAt = Date.now();
    root.dataset.recording = 'true';
    stop.hidden = false;
    stop.disabled = false;
    timer.hidden = false;
    say('Recording. Read the statement aloud, then press Stop and send.', 'recording');
    const update = () => {
      const elapsed = (Date.now() - startedAt) / 1000;
      timer.textContent = `Recording ${fmt(elapsed)} — stops by itself in ${fmt(maxSeconds - elapsed)}`;
      if (elapsed >= maxSeconds && recorder.state !== 'inactive') recorder.stop();
    };
    update();
    ticker = setInterval(update, 250);
    stop.focus();
  });

  stop.addEventListener('click', () => {
    stop.disabled = true;
    if (recorder && recorder.state !== 'inactive') recorder.stop();
  });

  async function upload(blob) {
    root.dataset.recording = 'false';
    say('Sending your recording and checking it. This takes a few seconds…', 'busy');
    let res;
    let body = null;
    try {
      res = await fetch(uploadPath, {
        method: 'POST',
        headers: { 'content-type': blob.type || 'application/octet-stream' },
        body: blob,
        credentials: 'omit',
        cache: 'no-store',
        referrerPolicy: 'no-referrer',
      });
      body = await res.json().catch(() => null);
    } catch (e) {
      say(`The recording could not be sent (${e.message}). Check your connection and reload the page to try again.`, 'error');
      return;
    }
    clearInterval(expiryTicker);
    $('expiry-note').hidden = true;
    if (res.ok && body) showOutcome(body);
    else showProblem(res.status, body);
  }

  function list(items) {
    const ul = document.createElement('ul');
    for (const text of items) {
      const li = document.createElement('li');
      li.textContent = text;
      ul.append(li);
    }
    return ul;
  }

  function showOutcome(body) {
    const checks = Array.isArray(body.checks) ? body.checks : [];
    const negated = checks.some((c) => c.reason === 'speech.negated');
    const heading = document.createElement('h2');
    const parts = [heading];
    if (body.outcome === 'verified') {
      heading.textContent = 'Thank you. Your consent is recorded and confirmed.';
    } else if (body.outcome === 'review') {
      heading.textContent = `Thank you. Your recording was received; a person at ${company} will check it before it counts.`;
      const pending = checks.filter((c) => c.status === 'unverified').map((c) => c.message);
      if (pending.length) parts.push(list(pending));
    } else if (negated) {
      heading.textContent = 'Your refusal is recorded. This consent will not be used.';
    } else {
      heading.textContent = 'We could not confirm your consent.';
      parts.push(list(checks.filter((c) => c.status === 'fail').map((c) => c.message)));
      const again = document.createElement('p');
      again.textContent = `This link is now used up. Ask ${company} for a new link to try again.`;
      parts.push(again);
    }
    say('');
    result.replaceChildren(...parts);
    result.dataset.outcome = body.outcome;
    result.hidden = false;
    start.hidden = true;
  }

  const PROBLEMS = {
    'capture.link_used': 'This link was already used. Ask for a new one if you need to record again.',
    'capture.link_expired': 'This link has expired. Ask for a new one.',
    'capture.link_not_found': 'This link does not exist.',
    'capture.consent_inactive': 'This consent is no longer active; nothing was recorded.',
    'media.too_large': 'The recording is too large. Record only the statement and press Stop right after it.',
    'media.empty': 'Nothing was recorded. Check your microphone and reload the page to try again.',
  };

  function showProblem(statusCode, body) {
    const code = (body && body.code) || `http.${statusCode}`;
    const p = document.createElement('p');
    p.textContent = PROBLEMS[code] || (body && body.detail) || `The upload failed (HTTP ${statusCode}).`;
    result.replaceChildren(p);
    result.dataset.outcome = 'error';
    result.dataset.code = code;
    result.hidden = false;
    start.hidden = true;
    say('', 'error');
  }
})();
