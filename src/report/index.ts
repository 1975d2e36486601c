/** Reports of a run: the human text summary, the --json contract and the HTML report. */
export { formatRunText, type TextOptions } from './text.ts';
export { runToJson, JSON_FORMAT_VERSION, type RunJson } from './json.ts';
export { renderHtmlReport } from './html.ts';
export { extractReportData, MAX_EMBEDDED_MESSAGES, type ReportData } from './html-data.ts';
export { paint } from './colors.ts';
