#!/usr/bin/env node
// The hasim CLI: compiled JavaScript from dist/ when it is up to date, else the TypeScript
// sources through tsx (bin/launch.js).
import { launch } from './launch.js';

await launch('cli/hasim');
