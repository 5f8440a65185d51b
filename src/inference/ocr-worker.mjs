// Worker thread running PaddleOCR through @gutenye/ocr-node. Plain JavaScript so it
// starts the same under tsx, vitest and plain node. Its OpenCV build installs
// process-wide error handlers, which is why it lives in a worker.
import { parentPort, workerData } from 'node:worker_threads';
import Ocr from '@gutenye/ocr-node';

const ocr = await Ocr.create({
  models: workerData.models,
  onnxOptions: { intraOpNumThreads: workerData.threads ?? 0, interOpNumThreads: 1 },
});

parentPort.on('message', async ({ id, image }) => {
  try {
    const lines = await ocr.detect(Buffer.from(image));
    parentPort.postMessage({ id, result: lines.map((l) => ({ text: l.text, score: l.mean, box: l.box })) });
  } catch (err) {
    parentPort.postMessage({ id, error: err instanceof Error ? err.message : String(err) });
  }
});
