#!/usr/bin/env node
// The hanode daemon and its client CLI: the TypeScript sources run through tsx's loader.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/hanode.ts');
