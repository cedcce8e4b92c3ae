/**
 * A parsed Content-Type (RFC 9110 §8.3). Parameter values may be quoted strings that themselves contain `;` and `=`,
 * as in `multipart/related; type="application/octet-stream; transfer-syntax=1.2.840.10008.1.2.1"; boundary=abc`
 * (PS3.18 §8.7.3.5 lets a PACS answer like that), so a naive split on `;` would cut the quoted type in two and miss
 * the boundary.
 */
export interface ContentType {
  /** Lower-cased `type/subtype`. */
  mediaType: string;
  /** Parameter names lower-cased; values unquoted and unescaped, case kept (boundaries are case-sensitive). */
  params: Record<string, string>;
}

export function contentType(header: string): ContentType {
  let i = 0;
  const n = header.length;
  const skipSpace = (): void => {
    while (i < n && (header[i] === ' ' || header[i] === '\t')) i += 1;
  };
  const readUntil = (stops: string): string => {
    const start = i;
    while (i < n && !stops.includes(header[i] as string)) i += 1;
    return header.slice(start, i).trim();
  };

  skipSpace();
  const mediaType = readUntil(';').toLowerCase();
  const params: Record<string, string> = {};
  while (i < n) {
    i += 1; // the ';'
    skipSpace();
    const name = readUntil('=;').toLowerCase();
    if (header[i] !== '=') {
      continue; // a bare token without value: ignore, as browsers do
    }
    i += 1;
    skipSpace();
    let value: string;
    if (header[i] === '"') {
      i += 1;
      value = '';
      while (i < n && header[i] !== '"') {
        if (header[i] === '\\' && i + 1 < n) i += 1;
        value += header[i];
        i += 1;
      }
      i += 1; // closing quote
      readUntil(';'); // anything between the closing quote and the next ';' is junk
    } else {
      value = readUntil(';');
    }
    if (name !== '' && !(name in params)) params[name] = value;
  }
  return { mediaType, params };
}

/** Quotes a parameter value when it holds characters that are not allowed in a token. */
export function quoteParam(value: string): string {
  return /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(value) ? value : `"${value.replace(/(["\\])/g, '\\$1')}"`;
}
