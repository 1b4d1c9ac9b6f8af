#!/usr/bin/env node
// Entry point: loads the TypeScript sources through tsx so that a fresh clone runs without a build step.
import { register } from 'tsx/esm/api';
register();
await import('../node/cli/main.ts');
