// Spreadsheet programs execute cells that start with these, after leading blanks; a participant-supplied
// user agent must not. Quoted when a comma or a semicolon could split it: depending on the locale, either
// is the separator a spreadsheet assumes.
export function csvCell(value: string | number | Date | null): string {
  let text = value instanceof Date ? value.toISOString() : value === null ? '' : String(value);
  if (/^[\s]*[=+\-@]/.test(text) || /^[\t\r]/.test(text)) text = `'${text}`;
  return /[",;\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}
