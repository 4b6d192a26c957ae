#!/usr/bin/env node
// Runs the TypeScript sources through tsx, so the repository works without a build step.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/cli/main.ts');
const code = await main(process.argv.slice(2), { out: process.stdout, err: process.stderr, env: process.env, cwd: process.cwd() });
// Exit explicitly: a lingering gRPC or socket handle must not keep `gardenos up` from returning.
process.exit(code);
