// Swarm worker entry: worker threads start without the main thread's loader, so register tsx
// here and then import the TypeScript worker body (the same trick as bin/hasim.js).
import { register } from 'tsx/esm/api';

register();
await import('./worker-main.ts');
