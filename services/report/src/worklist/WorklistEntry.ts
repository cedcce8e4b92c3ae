import type { StoredObject } from '@lungflow/contracts';

/** One study on the worklist: what the model said and where LungFlow's SR and SC are. Never patient identity. */
export interface WorklistEntry {
  studyInstanceUid: string;
  studyVersion: number;
  /** Modality of the analysed image (CR, DX or CT). */
  modality: string;
  decision: { className: string; threshold: number; positive: boolean };
  /** Study-level probability of the decision's class. */
  probability: number;
  probabilities: Record<string, number>;
  model: { id: string; version: string; sha256: string };
  /** The image the SR and SC were made from (the most suspicious one). */
  source: { seriesInstanceUid: string; sopInstanceUid: string; frame: number };
  sr: StoredObject;
  sc: StoredObject;
  /** The lung and lesion SEG, for results with lesion findings (models that quantify lesions). */
  seg?: StoredObject;
  /**
   * What the lesion quantification measured on the drawn image (results with lesion findings only): the lesion share
   * of the lungs and the severity scores, for the worklist column. The masks are in the SEG.
   */
  lesions?: { areaFraction: number; brixiaGlobal: number | null; extent: number | null; opacity: number | null };
  /** CT results: the drawn series' lung volume (classical HU segmentation) and the CAM-based involved share. */
  ctLungs?: { lungVolumeMl: number | null; involvedFraction: number };
  analysedImages: number;
  /**
   * The acquiring device as the source image names it (Manufacturer and Manufacturer's Model Name), for the positive
   * rate per device: a new detector or a changed processing setting is the usual cause of drift. Absent on entries
   * written before it existed and when the image names no device.
   */
  sourceDevice?: string;
  /** When the worklist first listed this study (the priority's age counts from here). */
  listedAt: string;
  /** When this version's SR and SC were stored. */
  reportedAt: string;
  /** When the model finished (inference.completed provenance), for latency figures. */
  inferredAt: string;
}

/** An entry as the API returns it: with the read state and the priority now. */
export interface WorklistItem extends WorklistEntry {
  read: boolean;
  readAt: string | null;
  priority: number;
}
