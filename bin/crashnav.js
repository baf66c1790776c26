#!/usr/bin/env node
// The installed entry point: runs the compiled CLI (built by `npm run build`, which `npm ci` runs as `prepare`).
import { main } from '../dist/clients/cli/main.js';

process.exitCode = await main(process.argv.slice(2));
