/** Small text formatting helpers for the TUI. */
import type { Micros } from '../core/env.ts';

/** "12.345s", "2m03.4s". */
export function clockText(us: Micros): string {
  const s = us / 1e6;
  if (s < 60) return `${s.toFixed(3)}s`;
  const m = Math.floor(s / 60);
  return `${m}m${(s - m * 60).toFixed(1).padStart(4, '0')}s`;
}

export function speedText(speed: number): string {
  return Number.isFinite(speed) ? `×${speed}` : 'max';
}

export function fit(text: string, width: number): string {
  if (width <= 0) return '';
  return text.length <= width ? text : `${text.slice(0, Math.max(0, width - 1))}…`;
}

/** Ink's `color` prop, given only when there is a colour (no prop: the terminal's default). */
export function tint(color: string | undefined): { color?: string } {
  return color === undefined ? {} : { color };
}
