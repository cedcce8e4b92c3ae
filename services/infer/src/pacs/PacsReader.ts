import { DEFAULT_READ_LIMITS, DicomError, fromDicomWebMetadata, readPart10, type DicomInstance } from '@lungflow/dicom';
import { DicomWebClient, DicomWebError, type DicomJson } from '@lungflow/dicomweb';

/**
 * Frames per instance LungFlow downloads at most. The largest enhanced CT instances hold a few thousand frames; a
 * count beyond this (QIDO once answered 999999999) is a broken or hostile header, and allocating the frame list
 * for it aborted the process.
 */
export const MAX_FRAMES_PER_INSTANCE = 65_536;

/** Where the handler gets an instance's header and pixels: a DICOMweb PACS in production, a fake in unit tests. */
export interface PacsReader {
  /** `metadata`: the instance's WADO-RS metadata when the caller already has it (readSeriesMetadata); else fetched. */
  readInstance(studyUid: string, seriesUid: string, sopUid: string, numberOfFrames: number, metadata?: DicomJson): Promise<DicomInstance>;
  /**
   * Every instance's metadata of one series in one request, by SOP Instance UID: a CT series then costs one metadata
   * request instead of one per slice (each request cost about as much CPU as its answer, in infer and in Orthanc).
   */
  readSeriesMetadata?(studyUid: string, seriesUid: string): Promise<Map<string, DicomJson>>;
  /** The reader for studies of one PACS (the event's sourcePacsId) where several are configured. */
  forPacs?(sourcePacsId: string): PacsReader;
}

/**
 * WADO-RS: the instance's metadata, then every frame as uncompressed Explicit VR Little Endian (the PACS decodes, so
 * no codec runs here for the common case).
 *
 * A PACS that cannot transcode the stored syntax answers that request with an error (Orthanc without a JPEG 2000
 * decoder answers 500). Retrying would never cure that, so on a server error or a 4xx "cannot serve that syntax"
 * (400, 406, 415) the instance is fetched once more as stored (Part-10, any syntax) and decoded here with
 * @lungflow/dicom's codecs. If that request fails too, its error stands: a retriable one (PACS down) makes the
 * consumer back off without committing, a DicomError (undecodable pixels) dead-letters the study.
 */
export class DicomWebPacsReader implements PacsReader {
  constructor(private readonly client: DicomWebClient) {}

  async readSeriesMetadata(studyUid: string, seriesUid: string): Promise<Map<string, DicomJson>> {
    const bySop = new Map<string, DicomJson>();
    for (const json of await this.client.retrieveSeriesMetadata(studyUid, seriesUid)) {
      const sop = (json['00080018'] as { Value?: unknown[] } | undefined)?.Value?.[0];
      if (typeof sop === 'string') bySop.set(sop, json);
    }
    return bySop;
  }

  async readInstance(studyUid: string, seriesUid: string, sopUid: string, numberOfFrames: number, known?: DicomJson): Promise<DicomInstance> {
    const [metadata] = known ? [known] : await this.client.retrieveInstanceMetadata(studyUid, seriesUid, sopUid);
    if (!metadata) {
      throw new DicomWebError('DICOMWEB_BAD_RESPONSE', `WADO-RS metadata of instance ${sopUid} is empty`, { details: { studyUid, seriesUid, sopUid } });
    }
    const frameCount = checkDeclaredSize(metadata, numberOfFrames, { studyUid, seriesUid, sopUid });
    const frameNumbers = Array.from({ length: frameCount }, (_, i) => i + 1);
    let frames: Uint8Array[];
    try {
      frames = await this.client.retrieveFrames(studyUid, seriesUid, sopUid, frameNumbers);
    } catch (error) {
      if (!cannotTranscode(error)) throw error;
      return readPart10(await this.client.retrieveInstance(studyUid, seriesUid, sopUid, { transferSyntax: '*' }));
    }
    return fromDicomWebMetadata(metadata, frames);
  }
}

function cannotTranscode(error: unknown): boolean {
  if (!(error instanceof DicomWebError) || error.status === undefined) return false;
  return error.status >= 500 || error.status === 400 || error.status === 406 || error.status === 415;
}

function firstNumber(dataset: DicomJson, tag: string): number | undefined {
  const value = (dataset[tag] as { Value?: unknown[] } | undefined)?.Value?.[0];
  const number = typeof value === 'string' ? Number(value) : value;
  return typeof number === 'number' && Number.isFinite(number) ? number : undefined;
}

/**
 * The frame count to download, after checking the declared size against the read limits BEFORE any frame is
 * requested: the larger of the event's count (from QIDO) and the header's NumberOfFrames, times Rows × Columns.
 * A poison pill becomes a DicomError (dead letter with its reason), never an allocation the size of its claim.
 */
function checkDeclaredSize(metadata: DicomJson, eventFrames: number, ids: { studyUid: string; seriesUid: string; sopUid: string }): number {
  const frames = Math.max(1, eventFrames, firstNumber(metadata, '00280008') ?? 1);
  const rows = firstNumber(metadata, '00280010') ?? 0;
  const columns = firstNumber(metadata, '00280011') ?? 0;
  const details = { sopInstanceUid: ids.sopUid, studyInstanceUid: ids.studyUid, seriesInstanceUid: ids.seriesUid, frames, rows, columns };
  if (!Number.isSafeInteger(frames) || frames > MAX_FRAMES_PER_INSTANCE) {
    throw new DicomError('DICOM_TOO_LARGE', `instance ${ids.sopUid} declares ${frames} frames, over the cap of ${MAX_FRAMES_PER_INSTANCE}; not downloaded`, details);
  }
  if (rows * columns > DEFAULT_READ_LIMITS.maxFramePixels || rows * columns * frames > DEFAULT_READ_LIMITS.maxTotalPixels) {
    throw new DicomError('DICOM_TOO_LARGE', `instance ${ids.sopUid} declares ${rows} × ${columns} × ${frames} frames, over the pixel caps; not downloaded`, details);
  }
  return frames;
}
