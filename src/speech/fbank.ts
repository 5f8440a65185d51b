/**
 * Kaldi-style log-mel filterbank features ("fbank80"), the input the common ONNX exports of
 * WeSpeaker and 3D-Speaker speaker-embedding models (ResNet, ECAPA-TDNN, CAM++) expect:
 * `[1, T, 80]`. The recipe is Kaldi's `compute-fbank-feats` with these options, which is
 * what WeSpeaker's and 3D-Speaker's `torchaudio.compliance.kaldi.fbank` calls amount to:
 *
 *   --sample-frequency=16000 --frame-length=25 --frame-shift=10 --dither=0
 *   --preemph-coeff=0.97 --remove-dc-offset=true --window-type=povey
 *   --round-to-power-of-two=true (512-point FFT) --snip-edges=true
 *   --num-mel-bins=80 --low-freq=20 --high-freq=0 (Nyquist) --use-power=true
 *   --use-log-fbank=true --use-energy=false --energy-floor=0
 *
 * then per-utterance mean normalisation (each bin minus its mean over the utterance's
 * frames; no variance normalisation). Samples are scaled to the int16 range first, as
 * WeSpeaker does; after mean normalisation the scale only matters where a bin hits the
 * log floor (digital silence). Pure functions: no I/O, deterministic.
 */
export const FBANK_SAMPLE_RATE = 16_000;
export const FBANK_BINS = 80;
export const FRAME_LENGTH = 400; // 25 ms
export const FRAME_SHIFT = 160; // 10 ms
const FFT_SIZE = 512;
const PREEMPH = 0.97;
const LOW_FREQ = 20;
const HIGH_FREQ = FBANK_SAMPLE_RATE / 2;
/** Kaldi floors energies at FLT_EPSILON before the log. */
const LOG_FLOOR = 1.1920928955078125e-7;
const INT16_SCALE = 32768;

export interface Features {
  /** Row-major `[frames, bins]`. */
  data: Float32Array;
  frames: number;
  bins: number;
}

/** Frames Kaldi takes from `samples` with snip-edges: only whole 25 ms windows, every 10 ms. */
export function frameCount(samples: number): number {
  return samples < FRAME_LENGTH ? 0 : 1 + Math.floor((samples - FRAME_LENGTH) / FRAME_SHIFT);
}

const melScale = (hz: number) => 1127 * Math.log(1 + hz / 700);

/** Triangular filters on the mel scale: `[bin][fftBin]` weights over FFT bins 0..255 (Nyquist excluded, as in Kaldi). */
function melBanks(): Float32Array[] {
  const fftBins = FFT_SIZE / 2;
  const binHz = FBANK_SAMPLE_RATE / FFT_SIZE;
  const lo = melScale(LOW_FREQ);
  const delta = (melScale(HIGH_FREQ) - lo) / (FBANK_BINS + 1);
  const banks: Float32Array[] = [];
  for (let b = 0; b < FBANK_BINS; b++) {
    const left = lo + b * delta;
    const center = left + delta;
    const right = center + delta;
    const w = new Float32Array(fftBins);
    for (let i = 0; i < fftBins; i++) {
      const mel = melScale(binHz * i);
      if (mel > left && mel < right) w[i] = mel <= center ? (mel - left) / (center - left) : (right - mel) / (right - center);
    }
    banks.push(w);
  }
  return banks;
}

/** Centre frequency (Hz) of mel bin `b`, for checks that a tone lands where it should. */
export function melBinCenterHz(b: number): number {
  const lo = melScale(LOW_FREQ);
  const delta = (melScale(HIGH_FREQ) - lo) / (FBANK_BINS + 1);
  return 700 * (Math.exp((lo + (b + 1) * delta) / 1127) - 1);
}

const povey = Float64Array.from({ length: FRAME_LENGTH }, (_, i) => Math.pow(0.5 - 0.5 * Math.cos((2 * Math.PI * i) / (FRAME_LENGTH - 1)), 0.85));
let banks: Float32Array[] | undefined;

/** Log mel energies of every frame, not normalised (the VAD's speech segments are concatenated in these). */
export function logMel(samples: Float32Array): Features {
  banks ??= melBanks();
  const frames = frameCount(samples.length);
  const data = new Float32Array(frames * FBANK_BINS);
  const re = new Float64Array(FFT_SIZE);
  const im = new Float64Array(FFT_SIZE);
  const power = new Float64Array(FFT_SIZE / 2);
  for (let f = 0; f < frames; f++) {
    const off = f * FRAME_SHIFT;
    let mean = 0;
    for (let i = 0; i < FRAME_LENGTH; i++) mean += samples[off + i]! * INT16_SCALE;
    mean /= FRAME_LENGTH;
    for (let i = 0; i < FRAME_LENGTH; i++) re[i] = samples[off + i]! * INT16_SCALE - mean;
    // Pre-emphasis from the end backwards; the first sample against itself (Kaldi's convention).
    for (let i = FRAME_LENGTH - 1; i > 0; i--) re[i] = re[i]! - PREEMPH * re[i - 1]!;
    re[0] = re[0]! * (1 - PREEMPH);
    for (let i = 0; i < FRAME_LENGTH; i++) re[i] = re[i]! * povey[i]!;
    re.fill(0, FRAME_LENGTH);
    im.fill(0);
    fft(re, im);
    for (let k = 0; k < FFT_SIZE / 2; k++) power[k] = re[k]! * re[k]! + im[k]! * im[k]!;
    for (let b = 0; b < FBANK_BINS; b++) {
      const w = banks[b]!;
      let e = 0;
      for (let k = 0; k < w.length; k++) if (w[k]) e += w[k]! * power[k]!;
      data[f * FBANK_BINS + b] = Math.log(Math.max(e, LOG_FLOOR));
    }
  }
  return { data, frames, bins: FBANK_BINS };
}

/** Per-utterance mean normalisation: every bin minus its mean over the frames (a new array). */
export function meanNormalise(x: Features): Features {
  const data = Float32Array.from(x.data);
  if (!x.frames) return { ...x, data };
  for (let b = 0; b < x.bins; b++) {
    let m = 0;
    for (let f = 0; f < x.frames; f++) m += data[f * x.bins + b]!;
    m /= x.frames;
    for (let f = 0; f < x.frames; f++) data[f * x.bins + b] = data[f * x.bins + b]! - m;
  }
  return { ...x, data };
}

/** Frames of several pieces, one after another (each piece framed on its own, no window across a join). */
export function concatFeatures(parts: readonly Features[]): Features {
  const frames = parts.reduce((n, p) => n + p.frames, 0);
  const data = new Float32Array(frames * FBANK_BINS);
  let at = 0;
  for (const p of parts) {
    data.set(p.data, at);
    at += p.data.length;
  }
  return { data, frames, bins: FBANK_BINS };
}

/** The whole recipe over one utterance: log mel frames, then mean normalisation. */
export function fbank80(samples: Float32Array): Features {
  return meanNormalise(logMel(samples));
}

/** In-place iterative radix-2 FFT (length a power of two). */
function fft(re: Float64Array, im: Float64Array): void {
  const n = re.length;
  for (let i = 1, j = 0; i < n; i++) {
    let bit = n >> 1;
    for (; j & bit; bit >>= 1) j ^= bit;
    j ^= bit;
    if (i < j) {
      [re[i], re[j]] = [re[j]!, re[i]!];
      [im[i], im[j]] = [im[j]!, im[i]!];
    }
  }
  for (let len = 2; len <= n; len <<= 1) {
    const ang = (-2 * Math.PI) / len;
    const wr = Math.cos(ang);
    const wi = Math.sin(ang);
    for (let i = 0; i < n; i += len) {
      let cr = 1;
      let ci = 0;
      for (let k = 0; k < len / 2; k++) {
        const a = i + k;
        const b = a + len / 2;
        const tr = re[b]! * cr - im[b]! * ci;
        const ti = re[b]! * ci + im[b]! * cr;
        re[b] = re[a]! - tr;
        im[b] = im[a]! - ti;
        re[a] = re[a]! + tr;
        im[a] = im[a]! + ti;
        const nr = cr * wr - ci * wi;
        ci = cr * wi + ci * wr;
        cr = nr;
      }
    }
  }
}
