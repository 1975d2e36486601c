/** Log entries as stored and replicated. */
import type { Membership } from './membership.ts';

export type Entry =
  /** Appended by every new leader so it can commit earlier terms' entries (paper §5.4.2, §8). */
  | { readonly index: number; readonly term: number; readonly kind: 'noop' }
  | {
      readonly index: number;
      readonly term: number;
      readonly kind: 'cmd';
      readonly data: unknown;
      /** Client session for at-most-once application (dissertation §6.3). */
      readonly client?: string;
      readonly seq?: number;
    }
  /** The whole new membership; it takes effect when appended, committed or not (dissertation §4.1). */
  | { readonly index: number; readonly term: number; readonly kind: 'config'; readonly membership: Membership };

export type EntryKind = Entry['kind'];
