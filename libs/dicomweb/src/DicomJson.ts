/** One attribute in the DICOM JSON model (PS3.18 §F.2). Tags are 8 upper-case hex digits, e.g. `0020000D`. */
export interface DicomJsonAttribute {
  vr: string;
  Value?: unknown[];
  BulkDataURI?: string;
  InlineBinary?: string;
}

/** A data set in the DICOM JSON model, as QIDO-RS and WADO-RS metadata return them. */
export type DicomJson = Record<string, DicomJsonAttribute>;

/** The first value of an attribute as a string (UIDs, codes, dates), or undefined when absent or empty. */
export function firstString(dataset: DicomJson, tag: string): string | undefined {
  const value = dataset[tag]?.Value?.[0];
  return value === undefined || value === null ? undefined : String(value);
}
