// Entry of a text-line worker thread (see text-lines.ts): worker threads do not inherit the
// TypeScript loader the CLI registered, so each registers its own before loading the code.
import { register } from 'tsx/esm/api';

register();
await import('./text-lines-worker.ts');
