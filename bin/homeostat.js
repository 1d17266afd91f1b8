#!/usr/bin/env node
// Runs the TypeScript CLI through tsx so that `npm start` and the bin work without a build step.
import { register } from 'tsx/esm/api';

register();
await import('./cli.ts');
