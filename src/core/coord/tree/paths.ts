/** ZooKeeper path rules: absolute, '/'-separated, no empty, '.' or '..' segments, no trailing '/'. */

export function isValidPath(path: string): boolean {
  if (typeof path !== 'string' || path.length === 0 || path[0] !== '/') return false;
  if (path === '/') return true;
  if (path.endsWith('/')) return false;
  for (const seg of path.slice(1).split('/')) {
    if (seg === '' || seg === '.' || seg === '..' || seg.includes('\u0000')) return false;
  }
  return true;
}

export function parentOf(path: string): string {
  const i = path.lastIndexOf('/');
  return i <= 0 ? '/' : path.slice(0, i);
}

export function nameOf(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

export function joinPath(parent: string, name: string): string {
  return parent === '/' ? `/${name}` : `${parent}/${name}`;
}

/** Whether `path` is `root` or below it. */
export function isUnder(path: string, root: string): boolean {
  if (root === '/') return true;
  return path === root || path.startsWith(`${root}/`);
}

/** ZooKeeper's sequential suffix: the number of children created under the parent so far, zero-padded to 10 digits (%010d). */
export function sequentialSuffix(created: number): string {
  return String(created).padStart(10, '0');
}
