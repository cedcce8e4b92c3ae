import type { StudyReceived, StudyReceivedSeries } from '@lungflow/contracts';
import type { DicomAttributes, SeriesDecision } from './filter';
import type { SeriesListing } from './pacs/StudyInventory';

export type IngestSource = StudyReceived['source'];

export interface InScopeSeries {
  listing: SeriesListing;
  decision: Extract<SeriesDecision, { inScope: true }>;
}

export interface StudyReceivedInput {
  studyInstanceUid: string;
  studyVersion: number;
  contentHash: string;
  series: InScopeSeries[];
  dicomWebUrl: string;
  sourcePacsId: string;
  source: IngestSource;
  traceId: string;
  receivedAt: Date;
}

function text(attrs: DicomAttributes, keyword: string): string | undefined {
  const value = attrs[keyword];
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
}

function integer(attrs: DicomAttributes, keyword: string): number | undefined {
  const value = Number(attrs[keyword]);
  return attrs[keyword] !== undefined && Number.isInteger(value) ? value : undefined;
}

/** Builds the `study.received` value: identifiers and WADO-RS locations only, never pixel data. */
export function buildStudyReceived(input: StudyReceivedInput): StudyReceived {
  const studyUrl = `${input.dicomWebUrl.replace(/\/+$/, '')}/studies/${input.studyInstanceUid}`;
  const series: StudyReceivedSeries[] = input.series.map(({ listing, decision }) => {
    const seriesUrl = `${studyUrl}/series/${listing.seriesInstanceUid}`;
    const modality = text(decision.attrs, 'Modality') ?? listing.modality;
    const out: StudyReceivedSeries = {
      seriesInstanceUid: listing.seriesInstanceUid,
      modality: (modality === 'CR' || modality === 'DX' || modality === 'CT' ? modality : decision.kind === 'ct' ? 'CT' : 'DX') as StudyReceivedSeries['modality'],
      kind: decision.kind,
      instanceCount: decision.instances.length,
      wadoRsUrl: seriesUrl,
      instances: decision.instances.map((instance) => ({
        sopInstanceUid: instance.sopInstanceUid,
        sopClassUid: instance.sopClassUid || String(decision.attrs.SOPClassUID),
        ...(instance.instanceNumber === undefined ? {} : { instanceNumber: instance.instanceNumber }),
        numberOfFrames: Math.max(1, instance.numberOfFrames),
        wadoRsUrl: `${seriesUrl}/instances/${instance.sopInstanceUid}`,
      })),
    };
    const bodyPart = text(decision.attrs, 'BodyPartExamined');
    const description = text(decision.attrs, 'SeriesDescription');
    const number = integer(decision.attrs, 'SeriesNumber');
    if (bodyPart !== undefined) out.bodyPartExamined = bodyPart;
    if (description !== undefined) out.seriesDescription = description;
    if (number !== undefined) out.seriesNumber = number;
    return out;
  });
  return {
    schemaVersion: 1,
    studyInstanceUid: input.studyInstanceUid,
    studyVersion: input.studyVersion,
    contentHash: input.contentHash,
    modalities: [...new Set(series.map((s) => s.modality))].sort(),
    bodyParts: [...new Set(series.flatMap((s) => (s.bodyPartExamined ? [s.bodyPartExamined] : [])))].sort(),
    instanceCount: series.reduce((sum, s) => sum + s.instanceCount, 0),
    series,
    wadoRsUrl: studyUrl,
    receivedAt: input.receivedAt.toISOString(),
    sourcePacsId: input.sourcePacsId,
    source: input.source,
    traceId: input.traceId,
  };
}
