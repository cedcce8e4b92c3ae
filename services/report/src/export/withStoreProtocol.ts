import type { ReportPacs } from '../pacs/ReportPacs';
import { DimseStoreClient } from './DimseStoreClient';
import type { ExportSettings } from './exportSettings';

/**
 * The PACS as report uses it, with results written the configured way: reads (instances, QIDO, rendered) stay on
 * DICOMweb; with `dimse` the SR and SC go by C-STORE instead of STOW-RS. Only the write changes, so the handler,
 * its retry policy and its dead-letter reasons are the same for both.
 */
export function withStoreProtocol(pacs: ReportPacs, settings: ExportSettings): ReportPacs {
  if (settings.REPORT_STORE_PROTOCOL === 'stow') return pacs;
  const store = new DimseStoreClient({
    host: settings.REPORT_DIMSE_HOST,
    port: settings.REPORT_DIMSE_PORT,
    calledAeTitle: settings.REPORT_DIMSE_CALLED_AE_TITLE,
    callingAeTitle: settings.REPORT_DIMSE_CALLING_AE_TITLE,
    timeoutMs: settings.REPORT_DIMSE_TIMEOUT_MS,
  });
  return {
    retrieveInstance: (studyUid, seriesUid, sopUid) => pacs.retrieveInstance(studyUid, seriesUid, sopUid),
    searchInstances: (query, studyUid) => pacs.searchInstances(query, studyUid),
    retrieveRendered: (studyUid, seriesUid, sopUid, options) => pacs.retrieveRendered(studyUid, seriesUid, sopUid, options),
    storeInstances: (instances) => store.storeInstances(instances),
  };
}
