import { PacsDirectory } from '@lungflow/config';
import type { CommonSettings } from '@lungflow/config';
import { DicomWebClient, type DicomJson } from '@lungflow/dicomweb';
import type { DicomInstance } from '@lungflow/dicom';
import { DicomWebPacsReader } from './PacsReader';
import type { PacsReader } from './PacsReader';

/**
 * Reads each study from the PACS it came from (the event's `sourcePacsId`, looked up in LUNGFLOW_PACS), not from
 * one DICOMWEB_URL: a site with several PACS gets its pixels from the one holding them. Without LUNGFLOW_PACS every
 * id maps to DICOMWEB_URL, as before.
 */
export class RoutedPacsReader implements PacsReader {
  private readonly directory: PacsDirectory<PacsReader>;

  constructor(settings: CommonSettings) {
    this.directory = new PacsDirectory(settings, (entry) =>
      new DicomWebPacsReader(
        DicomWebClient.fromSettings({ DICOMWEB_URL: entry.dicomWebUrl, DICOMWEB_USERNAME: entry.username, DICOMWEB_PASSWORD: entry.password, DICOMWEB_BEARER_TOKEN: entry.bearerToken, DICOMWEB_TIMEOUT_MS: settings.DICOMWEB_TIMEOUT_MS }),
      ),
    );
  }

  forPacs(sourcePacsId: string): PacsReader {
    return this.directory.for(sourcePacsId);
  }

  /** Without a PACS id: the only PACS (single-PACS set-up), else an error naming the missing id. */
  readInstance(studyUid: string, seriesUid: string, sopUid: string, numberOfFrames: number, metadata?: DicomJson): Promise<DicomInstance> {
    return this.directory.for('*').readInstance(studyUid, seriesUid, sopUid, numberOfFrames, metadata);
  }

  readSeriesMetadata(studyUid: string, seriesUid: string): Promise<Map<string, DicomJson>> {
    return (this.directory.for('*') as DicomWebPacsReader).readSeriesMetadata(studyUid, seriesUid);
  }
}
