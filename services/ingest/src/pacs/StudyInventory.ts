import type { DicomJson } from '@lungflow/dicomweb';
import { firstString } from '@lungflow/dicomweb';

/** The part of @lungflow/dicomweb's DicomWebClient that ingest reads with (a fake implements it in unit tests). */
export interface PacsReader {
  searchInstances(query: Record<string, string | number | string[]>, studyUid?: string, seriesUid?: string): Promise<DicomJson[]>;
  retrieveInstanceMetadata(studyUid: string, seriesUid: string, sopUid: string): Promise<DicomJson[]>;
}

export interface InstanceListing {
  sopInstanceUid: string;
  sopClassUid: string;
  instanceNumber?: number;
  numberOfFrames: number;
}

export interface SeriesListing {
  seriesInstanceUid: string;
  modality?: string;
  instances: InstanceListing[];
}

const TAG = {
  SeriesInstanceUID: '0020000E',
  SOPInstanceUID: '00080018',
  SOPClassUID: '00080016',
  Modality: '00080060',
  InstanceNumber: '00200013',
  NumberOfFrames: '00280008',
} as const;

const PAGE = 1_000;

function toNumber(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  return Number.isFinite(n) ? n : undefined;
}

/**
 * What a study holds right now, by one study-level QIDO-RS instance query (paged), grouped by series. This is the
 * cheap look used for the quiet-period check; the full metadata of one instance per series is fetched only when the
 * study is about to be filtered and published.
 */
export async function listStudyInstances(pacs: PacsReader, studyUid: string): Promise<SeriesListing[]> {
  const bySeries = new Map<string, SeriesListing>();
  for (let offset = 0; ; offset += PAGE) {
    const page = await pacs.searchInstances(
      { includefield: [TAG.SeriesInstanceUID, TAG.Modality, TAG.NumberOfFrames, TAG.InstanceNumber], limit: PAGE, offset },
      studyUid,
    );
    for (const item of page) {
      const seriesUid = firstString(item, TAG.SeriesInstanceUID);
      const sopInstanceUid = firstString(item, TAG.SOPInstanceUID);
      if (!seriesUid || !sopInstanceUid) continue;
      let series = bySeries.get(seriesUid);
      if (!series) {
        series = { seriesInstanceUid: seriesUid, modality: firstString(item, TAG.Modality), instances: [] };
        bySeries.set(seriesUid, series);
      }
      if (series.instances.some((instance) => instance.sopInstanceUid === sopInstanceUid)) continue;
      series.instances.push({
        sopInstanceUid,
        sopClassUid: firstString(item, TAG.SOPClassUID) ?? '',
        instanceNumber: toNumber(firstString(item, TAG.InstanceNumber)),
        numberOfFrames: toNumber(firstString(item, TAG.NumberOfFrames)) ?? 1,
      });
    }
    if (page.length < PAGE) break;
  }
  const series = [...bySeries.values()];
  for (const s of series) s.instances.sort((a, b) => (a.instanceNumber ?? 0) - (b.instanceNumber ?? 0) || a.sopInstanceUid.localeCompare(b.sopInstanceUid));
  return series.sort((a, b) => a.seriesInstanceUid.localeCompare(b.seriesInstanceUid));
}
