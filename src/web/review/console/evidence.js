  // Part of the review console script (walking stage evidence for boxes, time ranges and text spans); src/web/review-page.ts joins the parts in order.
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
