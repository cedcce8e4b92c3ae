import type { StoredDeadLetter } from '@lungflow/kafka';

const REASON_WIDTH = 100;

/** `0:17  2026-12-02T10:00:00.000Z  infer  DICOM_MALFORMED  <reason>` (what `replay --at` and `show` take). */
export function formatDeadLetterLine(record: StoredDeadLetter): string {
  const when = new Date(record.timestampMs).toISOString();
  const where = `${record.partition}:${record.offset}`;
  if (!record.deadLetter) return `${where}  ${when}  ?  INVALID_ENVELOPE  ${record.invalid ?? ''}`;
  const { service, errorCode, reason } = record.deadLetter;
  const oneLine = reason.replace(/\s+/g, ' ');
  return `${where}  ${when}  ${service}  ${errorCode}  ${oneLine.length > REASON_WIDTH ? `${oneLine.slice(0, REASON_WIDTH - 1)}…` : oneLine}`;
}

export function formatDeadLetter(record: StoredDeadLetter): string {
  const lines = [`position      ${record.partition}:${record.offset}`, `dead-lettered ${new Date(record.timestampMs).toISOString()}`];
  const letter = record.deadLetter;
  if (!letter) return `${[...lines, `invalid       ${record.invalid ?? ''}`].join('\n')}\n`;
  const { original } = letter;
  lines.push(
    `service       ${letter.service}`,
    `error code    ${letter.errorCode}`,
    `reason        ${letter.reason}`,
    `attempts      ${letter.attempts} (first ${letter.firstFailureAt}, last ${letter.lastFailureAt})`,
    `original      ${original.topic} partition ${original.partition} offset ${original.offset} (${original.encoding})`,
    `key           ${original.key ?? '(none)'}`,
    `headers       ${JSON.stringify(original.headers)}`,
    original.truncated
      ? `value         (left out: ${original.truncated.valueBytes} bytes, sha256 ${original.truncated.valueSha256}; too big for the dead-letter topic, read it at the place above)`
      : `value         ${original.value ?? '(none)'}`,
  );
  return `${lines.join('\n')}\n`;
}
