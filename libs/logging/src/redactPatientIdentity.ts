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
    // identify a patient together with a date or a place (issue 16, item 10): accession number, the people and the
    // institution of the exam, and its dates
    'AccessionNumber', 'accessionNumber', 'ReferringPhysicianName', 'PerformingPhysicianName', 'OperatorsName',
    'NameOfPhysiciansReadingStudy', 'RequestingPhysician', 'InstitutionName', 'InstitutionAddress',
    'InstitutionalDepartmentName', 'StationName', 'StudyDate', 'SeriesDate', 'AcquisitionDate', 'ContentDate',
    'AcquisitionDateTime', 'StudyTime', 'SeriesTime', 'AcquisitionTime', 'ContentTime', 'studyDate',
    '00080050', '00080090', '00081050', '00081070', '00081060', '00321032', '00080080', '00080081', '00081040',
    '00081010', '00080020', '00080021', '00080022', '00080023', '0008002A', '00080030', '00080031', '00080032', '00080033',
    // credentials are not patient data but must never reach a log either
    'authorization', 'access_token', 'password', 'DICOMWEB_PASSWORD', 'bearerToken', 'REDIS_PASSWORD', 'KAFKA_SASL_PASSWORD',
  ].map((key) => key.toLowerCase()),
);

// A token carried in a URL (RFC 6750 §2.3: the page's images and live updates) would be logged with every request
// line: the value is cut out of any string, wherever the URL appears.
const TOKEN_IN_URL = /([?&]access_token=)[^&#\s"]*/gi;

export const REDACTED = '[REDACTED]';

export function isIdentifyingKey(key: string): boolean {
  return IDENTIFYING_KEYS.has(key.toLowerCase().replace(/[^a-z0-9]/g, '')) || IDENTIFYING_KEYS.has(key.toLowerCase());
}

/** A deep copy of `value` with every identifying field replaced by REDACTED. Cycles are cut, not followed. */
export function redactPatientIdentity(value: unknown, seen = new WeakSet<object>()): unknown {
  if (typeof value === 'string') return value.includes('access_token=') ? value.replace(TOKEN_IN_URL, `$1${REDACTED}`) : value;
  if (value === null || typeof value !== 'object') return value;
  if (seen.has(value)) return '[Circular]';
  seen.add(value);
  if (Array.isArray(value)) return value.map((item) => redactPatientIdentity(item, seen));
  if (value instanceof Error) {
    const copy: Record<string, unknown> = { type: value.name, message: redactPatientIdentity(value.message, seen), stack: redactPatientIdentity(value.stack, seen) };
    for (const [key, inner] of Object.entries(value)) copy[key] = isIdentifyingKey(key) ? REDACTED : redactPatientIdentity(inner, seen);
    return copy;
  }
  if (ArrayBuffer.isView(value)) return `[${value.constructor.name} ${value.byteLength} bytes]`;
  const copy: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(value)) copy[key] = isIdentifyingKey(key) ? REDACTED : redactPatientIdentity(inner, seen);
  return copy;
}
