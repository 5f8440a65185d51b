#!/usr/bin/env node
// The CLI runs the TypeScript sources directly through tsx's loader: one code path, no build step.
import { register } from 'tsx/esm/api';

// The AWS SDK warns on every start that its 2027 releases need Node 22; the README says so once.
const emitWarning = process.emitWarning.bind(process);
process.emitWarning = (warning, ...rest) => {
  const name = typeof rest[0] === 'string' ? rest[0] : rest[0]?.type;
  if (name === 'NodeVersionSupportWarning' || /NodeVersionSupportWarning/.test(String(warning))) return;
  emitWarning(warning, ...rest);
};
register();
await import('../src/cli/main.ts');
