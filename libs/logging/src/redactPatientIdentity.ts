/**
 * Keys whose values identify a patient. Matched case-insensitively at any depth, both as DICOM keywords and as the
 * DICOMweb JSON tags (group+element), so that a whole DICOM dataset or DICOMweb metadata logged by mistake leaks
 * nothing. UIDs are not on the list: they are what logs should use to name objects.
 */
const IDENTIFYING_KEYS = new Set(
  [
    'PatientName', 'PatientID', 'PatientBirthDate', 'PatientBirthName', 'PatientMotherBirthName', 'OtherPatientIDs',
    'OtherPatientNames', 'PatientAddress', 'PatientTelephoneNumbers', 'IssuerOfPatientID', 'ResponsiblePerson',
    'patientName', 'patientId', 'birthDate', 'patientBirthDate',
    '00100010', '00100020', '00100030', '00101000', '00101001', '00101005', '00101040', '00102154', '00101060', '00100021',
  ].map((key) => key.toLowerCase()),
);

export const REDACTED = '[REDACTED]';

export function isIdentifyingKey(key: string): boolean {
  return IDENTIFYING_KEYS.has(key.toLowerCase().replace(/[^a-z0-9]/g, '')) || IDENTIFYING_KEYS.has(key.toLowerCase());
}

/** A deep copy of `value` with every identifying field replaced by REDACTED. Cycles are cut, not followed. */
export function redactPatientIdentity(value: unknown, seen = new WeakSet<object>()): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (seen.has(value)) return '[Circular]';
  seen.add(value);
  if (Array.isArray(value)) return value.map((item) => redactPatientIdentity(item, seen));
  if (value instanceof Error) {
    const copy: Record<string, unknown> = { type: value.name, message: value.message, stack: value.stack };
    for (const [key, inner] of Object.entries(value)) copy[key] = isIdentifyingKey(key) ? REDACTED : redactPatientIdentity(inner, seen);
    return copy;
  }
  if (ArrayBuffer.isView(value)) return `[${value.constructor.name} ${value.byteLength} bytes]`;
  const copy: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(value)) copy[key] = isIdentifyingKey(key) ? REDACTED : redactPatientIdentity(inner, seen);
  return copy;
}
