/**
 * How LungFlow's own DICOM objects identify their maker. Ingest recognises our output by this equipment identity
 * (Manufacturer and Manufacturer's Model Name in the General Equipment module, and the Contributing Equipment
 * Sequence), not by a description string, so an SR or SC written back to the PACS never starts a new analysis.
 */
export const LUNGFLOW_MANUFACTURER = 'LungFlow';
export const LUNGFLOW_MODEL_NAME = 'LungFlow chest triage';
