// Entry of a model worker thread (see model-workers.ts): worker threads do not inherit
// the TypeScript loader of the thread that started them, so each registers its own.
import { register } from 'tsx/esm/api';

register();
await import('./model-worker.ts');
