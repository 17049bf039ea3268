#!/usr/bin/env node
// The installed package runs the harness compiled to dist/. A checkout has the TypeScript
// sources and runs them through tsx, so there is no build step between a change and a run.
import { existsSync } from 'node:fs';

const sources = new URL('../harness/cli/main.ts', import.meta.url);
if (existsSync(sources)) (await import('tsx/esm/api')).register();
const { main } = await import(existsSync(sources) ? sources.href : '../dist/harness/cli/main.js');
process.exitCode = await main(process.argv.slice(2));
