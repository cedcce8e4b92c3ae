import { fromDicomWebMetadata, readPart10, type DicomInstance } from '@lungflow/dicom';
import { DicomWebClient, DicomWebError } from '@lungflow/dicomweb';

/** Where the handler gets an instance's header and pixels: a DICOMweb PACS in production, a fake in unit tests. */
export interface PacsReader {
  readInstance(studyUid: string, seriesUid: string, sopUid: string, numberOfFrames: number): Promise<DicomInstance>;
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

  async readInstance(studyUid: string, seriesUid: string, sopUid: string, numberOfFrames: number): Promise<DicomInstance> {
    const [metadata] = await this.client.retrieveInstanceMetadata(studyUid, seriesUid, sopUid);
    if (!metadata) {
      throw new DicomWebError('DICOMWEB_BAD_RESPONSE', `WADO-RS metadata of instance ${sopUid} is empty`, { details: { studyUid, seriesUid, sopUid } });
    }
    const frameNumbers = Array.from({ length: Math.max(1, numberOfFrames) }, (_, i) => i + 1);
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
