/**
 * HL7 v2 ER7 ("pipe") encoding with the standard delimiters |^~\& (HL7 v2.5.1 ch. 2.7). Text fields escape the
 * delimiters (\F\ \S\ \R\ \E\ \T\) so that a free-text value can never open a new field or component.
 */
export function escapeEr7(text: string): string {
  return text.replace(/[\\|^~&\r\n]/g, (c) => ({ '\\': '\\E\\', '|': '\\F\\', '^': '\\S\\', '~': '\\R\\', '&': '\\T\\', '\r': '\\X0D\\', '\n': '\\X0A\\' })[c] as string);
}

/** One component-separated field from already-escaped parts (trailing empty components dropped). */
export function components(...parts: readonly (string | undefined)[]): string {
  const list = parts.map((part) => part ?? '');
  while (list.length > 0 && list[list.length - 1] === '') list.pop();
  return list.join('^');
}

/** A segment: its id and fields 1..n (index 0 of `fields` is field 1); trailing empty fields dropped. */
export function segment(id: string, fields: readonly (string | undefined)[]): string {
  const list = fields.map((field) => field ?? '');
  while (list.length > 0 && list[list.length - 1] === '') list.pop();
  return [id, ...list].join('|');
}

/** HL7 DTM (YYYYMMDDHHMMSS+ZZZZ) in UTC. */
export function hl7Timestamp(date: Date): string {
  return `${date.toISOString().replace(/[-:T]/g, '').slice(0, 14)}+0000`;
}

/** Splits an ER7 message into segments (CR-separated, as MLLP carries them), each into fields. */
export function parseSegments(message: string): string[][] {
  return message
    .split(/\r\n?|\n/)
    .filter((line) => line.length > 0)
    .map((line) => line.split('|'));
}
