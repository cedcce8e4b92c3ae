import { readPart10, renderFrame, type GrayImage, type NaturalizedDataset } from '@lungflow/dicom';
import { ctWindowOf } from '@lungflow/results';
import type { ReportModelCard } from './ModelCatalog';
import type { ReportPacs } from './pacs/ReportPacs';

export interface SourceImage {
  dataset: NaturalizedDataset;
  image: GrayImage;
}

/**
 * Fetches one analysed instance whole over WADO-RS and renders the frame the model saw (libs/dicom: Modality LUT,
 * VOI or the card's CT window, MONOCHROME1 inverted, 8-bit), at full resolution: what the heatmap is drawn over.
 */
export async function renderSource(pacs: ReportPacs, ref: { studyInstanceUid: string; seriesInstanceUid: string; sopInstanceUid: string; frame: number }, card?: ReportModelCard): Promise<SourceImage> {
  const bytes = await pacs.retrieveInstance(ref.studyInstanceUid, ref.seriesInstanceUid, ref.sopInstanceUid);
  const instance = readPart10(bytes);
  const ctWindow = ctWindowOf(card);
  const { fullResolution } = await renderFrame(instance, { frame: ref.frame - 1, ...(ctWindow ? { ctWindow } : {}) });
  return { dataset: instance.dataset, image: fullResolution };
}
