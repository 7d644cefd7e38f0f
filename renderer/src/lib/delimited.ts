// CSV/TSV text split into rows for a table view of an artifact: quoted fields (with doubled
// quotes and line breaks inside) as RFC 4180 has them; at most `maxRows` rows are kept.
export function parseDelimited(text: string, sep: ',' | '\t', maxRows: number): { rows: string[][]; more: boolean } {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
      continue;
    }
    if (ch === '"' && field === '') quoted = true;
    else if (ch === sep) {
      row.push(field);
      field = '';
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i++;
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
      if (rows.length > maxRows) return { rows: rows.slice(0, maxRows), more: true };
    } else field += ch;
  }
  if (field !== '' || row.length > 0) {
    row.push(field);
    rows.push(row);
  }
  return rows.length > maxRows ? { rows: rows.slice(0, maxRows), more: true } : { rows, more: false };
}
