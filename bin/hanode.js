#!/usr/bin/env node
// The hanode daemon and its client CLI: compiled JavaScript from dist/ when it is up to date,
// else the TypeScript sources through tsx (bin/launch.js).
import { launch } from './launch.js';

await launch('cli/hanode');
