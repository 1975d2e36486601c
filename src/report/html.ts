export function renderHtmlReport(..._a: unknown[]): string { return '<html></html>'; }
