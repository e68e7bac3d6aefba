#!/usr/bin/env node
// The kck command: loads the TypeScript sources through tsx, then hands over to src/cli.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/cli/main.ts');
await main(process.argv.slice(2));
