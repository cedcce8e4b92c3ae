import { fromDicomWebMetadata, type DicomInstance } from '@lungflow/dicom';
import { DicomWebClient, DicomWebError } from '@lungflow/dicomweb';

/** Where the handler gets an instance's header and pixels: a DICOMweb PACS in production, a fake in unit tests. */
export interface PacsReader {
  readInstance(studyUid: string, seriesUid: string, sopUid: string, numberOfFrames: number): Promise<DicomInstance>;
}

/**
 * WADO-RS: the instance's metadata, then every frame as uncompressed Explicit VR Little Endian (the PACS decodes,
 * so no codec runs here for the common case). Errors stay DicomWebErrors: 5xx, timeouts and refused connections are
 * retriable (the consumer backs off and commits nothing), 4xx are not (the study is dead-lettered).
 */
export class DicomWebPacsReader implements PacsReader {
  constructor(private readonly client: DicomWebClient) {}

  async readInstance(studyUid: string, seriesUid: string, sopUid: string, numberOfFrames: number): Promise<DicomInstance> {
    const [metadata] = await this.client.retrieveInstanceMetadata(studyUid, seriesUid, sopUid);
    if (!metadata) {
      throw new DicomWebError('DICOMWEB_BAD_RESPONSE', `WADO-RS metadata of instance ${sopUid} is empty`, { details: { studyUid, seriesUid, sopUid } });
    }
    const frameNumbers = Array.from({ length: Math.max(1, numberOfFrames) }, (_, i) => i + 1);
    const frames = await this.client.retrieveFrames(studyUid, seriesUid, sopUid, frameNumbers);
    return fromDicomWebMetadata(metadata, frames);
  }
}
