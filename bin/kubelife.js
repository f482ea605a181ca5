#!/usr/bin/env node
// Runs the TypeScript CLI through tsx, so `npx kubelife` needs no build step.
import { register } from 'tsx/esm/api';
register();
// A reader that stops early (`kubelife run ... --json | head`) closes the pipe: end quietly, as
// Unix tools do, instead of an unhandled EPIPE.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (e) => {
    if (e.code === 'EPIPE') process.exit(0);
    throw e;
  });
}
const { main } = await import('../src/cli/main.ts');
process.exitCode = await main(process.argv);
