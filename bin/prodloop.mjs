#!/usr/bin/env node
// The prodloop command: loads the TypeScript sources through tsx, so no build step is needed.
import { register } from 'tsx/esm/api';

const [major] = process.versions.node.split('.').map(Number);
if (major < 22) {
  console.error(
    `prodloop needs Node.js 22 or later (this is ${process.version}); run it as \`npx prodloop\` or \`npm run local\` inside the project, which use the project's Node 22.`,
  );
  process.exit(2);
}
register();
const { main } = await import('./cli.ts');
process.exitCode = await main(process.argv.slice(2));
