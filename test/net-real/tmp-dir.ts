// Temp directories for storage tests, removed after each test file.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const made: string[] = [];

export function freshDir(label = 'st'): string {
  const d = mkdtempSync(join(tmpdir(), `hanode-${label}-`));
  made.push(d);
  return d;
}

export function removeDirs(): void {
  for (const d of made.splice(0)) rmSync(d, { recursive: true, force: true });
}
