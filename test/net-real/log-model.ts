/**
 * The log half of the FileStorage model tests (file-storage.property, file-storage-async): a
 * plain array of records from `first`, and the append / truncate / compact steps applied to the
 * storage under test and to the model alike.
 */
import type { FileStorage } from '../../src/net-real/file-storage.ts';

export interface LogModel {
  first: number;
  records: unknown[];
}

export type LogOp = { op: 'append'; n: number } | { op: 'truncate'; back: number } | { op: 'compact'; ahead: number };

/** Applies `o` to `s` and to `m`; `record` makes the n-th new record of an append. */
export function applyLogOp(s: FileStorage, m: LogModel, o: LogOp, record: () => unknown): void {
  const last = m.first + m.records.length - 1;
  switch (o.op) {
    case 'append': {
      const recs = Array.from({ length: o.n }, record);
      s.append(recs);
      m.records.push(...recs);
      return;
    }
    case 'truncate': {
      const i = Math.max(m.first, last + 1 - o.back);
      s.truncateFrom(i);
      m.records.length = i - m.first;
      return;
    }
    case 'compact': {
      const i = last + o.ahead - 3;
      s.compactTo(i);
      if (i >= m.first) {
        m.records.splice(0, Math.min(m.records.length, i - m.first + 1));
        m.first = i + 1;
      }
      return;
    }
  }
}
