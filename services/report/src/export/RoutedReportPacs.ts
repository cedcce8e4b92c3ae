import { PacsDirectory } from '@lungflow/config';
import type { PacsEntry } from '@lungflow/config';
import type { DicomJson, RenderedOptions, StowResult } from '@lungflow/dicomweb';
import { DicomWebClient } from '@lungflow/dicomweb';
import type { ReportConfig } from '../config';
import type { ReportPacs } from '../pacs/ReportPacs';
import { withStoreProtocol } from './withStoreProtocol';

type Routed = ReportPacs & { dicomWebUrl: string };

/**
 * Results go back to the PACS the study came from: the event's `sourcePacsId` picks the LUNGFLOW_PACS entry, whose
 * DICOMweb root serves the reads and whose `store` (STOW-RS or C-STORE) takes the SR and SC. Without LUNGFLOW_PACS
 * it is DICOMWEB_URL with REPORT_STORE_PROTOCOL, for every study, as before.
 */
export class RoutedReportPacs implements ReportPacs {
  private readonly directory: PacsDirectory<Routed>;

  constructor(config: ReportConfig) {
    this.directory = new PacsDirectory(config, (entry) => routed(config, entry));
  }

  forPacs(sourcePacsId: string): Routed {
    return this.directory.for(sourcePacsId);
  }

  // Calls without a PACS id (the worklist's image routes) go to the first configured PACS.
  private get first(): Routed {
    return this.directory.all()[0] as Routed;
  }
  retrieveInstance(studyUid: string, seriesUid: string, sopUid: string): Promise<Uint8Array> {
    return this.first.retrieveInstance(studyUid, seriesUid, sopUid);
  }
  searchInstances(query: Record<string, string | number | string[]>, studyUid?: string): Promise<DicomJson[]> {
    return this.first.searchInstances(query, studyUid);
  }
  storeInstances(instances: readonly Uint8Array[], studyUid?: string): Promise<StowResult> {
    return this.first.storeInstances(instances, studyUid);
  }
  retrieveRendered(studyUid: string, seriesUid: string, sopUid: string, options?: RenderedOptions): Promise<Uint8Array> {
    return this.first.retrieveRendered(studyUid, seriesUid, sopUid, options);
  }
}

function routed(config: ReportConfig, entry: PacsEntry): Routed {
  const client = DicomWebClient.fromSettings({ DICOMWEB_URL: entry.dicomWebUrl, DICOMWEB_USERNAME: entry.username, DICOMWEB_PASSWORD: entry.password, DICOMWEB_BEARER_TOKEN: entry.bearerToken, DICOMWEB_TIMEOUT_MS: config.DICOMWEB_TIMEOUT_MS });
  // The fallback entry ('*', from DICOMWEB_URL) keeps the service-wide REPORT_STORE_PROTOCOL / REPORT_DIMSE_*.
  const settings =
    entry.id === '*'
      ? config
      : {
          ...config,
          REPORT_STORE_PROTOCOL: entry.store,
          ...(entry.dimse ? { REPORT_DIMSE_HOST: entry.dimse.host, REPORT_DIMSE_PORT: entry.dimse.port, REPORT_DIMSE_CALLED_AE_TITLE: entry.dimse.aeTitle } : {}),
        };
  return Object.assign(withStoreProtocol(client, settings), { dicomWebUrl: entry.dicomWebUrl });
}
