#!/usr/bin/env node
// In a clone (src/ present) the TypeScript CLI runs through tsx, with no build step; an installed package runs the
// JavaScript that `npm pack` compiled into dist/, with neither the source tree nor tsx.
import { existsSync } from 'node:fs';

let runCli;
if (existsSync(new URL('../src/cli/main.ts', import.meta.url))) {
  const { register } = await import('tsx/esm/api');
  register();
  ({ runCli } = await import('../src/cli/main.ts'));
} else {
  ({ runCli } = await import('../dist/cli/trove.js'));
}
await runCli(process.argv);
