/**
 * Which part of the TUI's event log is on screen: a category filter (all, faults, roles,
 * failover, membership) and a scroll offset counted from the newest line (0 = follow the
 * newest as the run goes).
 */
import type { LiveTimelineItem } from '../scenario/live-run.ts';

export const LOG_FILTERS: readonly { readonly name: string; readonly categories?: readonly string[] }[] = [
  { name: 'all' },
  { name: 'faults', categories: ['fault', 'heal', 'error'] },
  { name: 'roles', categories: ['role'] },
  { name: 'failover', categories: ['failover'] },
  { name: 'membership', categories: ['suspect', 'membership', 'node'] },
];

export class LogView {
  private filterIndex = 0;
  /** Lines between the newest matching line and the bottom of the view. */
  offset = 0;

  get filter(): string {
    return LOG_FILTERS[this.filterIndex]!.name;
  }

  nextFilter(): void {
    this.filterIndex = (this.filterIndex + 1) % LOG_FILTERS.length;
    this.offset = 0;
  }

  /** Scrolls by `lines` (positive: older); clamped when the view is drawn. */
  scroll(lines: number): void {
    this.offset = Math.max(0, this.offset + lines);
  }

  matching(items: readonly LiveTimelineItem[]): LiveTimelineItem[] {
    const cats = LOG_FILTERS[this.filterIndex]!.categories;
    return cats ? items.filter((i) => cats.includes(i.category)) : [...items];
  }

  /** The `rows` lines to show, and how many newer lines are below them. */
  visible(items: readonly LiveTimelineItem[], rows: number): { lines: LiveTimelineItem[]; newer: number; total: number } {
    const all = this.matching(items);
    const maxOffset = Math.max(0, all.length - rows);
    this.offset = Math.min(this.offset, maxOffset);
    const end = all.length - this.offset;
    return { lines: rows > 0 ? all.slice(Math.max(0, end - rows), end) : [], newer: this.offset, total: all.length };
  }

  /** "log: faults · 12 newer ↓" when not following everything; '' otherwise. */
  status(newer: number): string {
    const parts = [this.filter !== 'all' ? `log: ${this.filter}` : '', newer > 0 ? `${newer} newer ↓ (] to follow)` : ''].filter(Boolean);
    return parts.join(' · ');
  }
}
