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
 * VOI or the card's CT window, MONOCHROME1 inverted, 8-bit): what the heatmap is drawn over. At full resolution,
 * except that with `minLongSide` a JPEG 2000 frame is decoded at its smallest resolution level with at least that
 * many pixels on the longer side (libs/dicom decodeFrame): the callers scale the image down anyway, and the full
 * decode of a 3.6 Mpx J2K radiograph was report's largest CPU cost.
 */
export async function renderSource(
  pacs: ReportPacs,
  ref: { studyInstanceUid: string; seriesInstanceUid: string; sopInstanceUid: string; frame: number },
  card?: ReportModelCard,
  options: { minLongSide?: number } = {},
): Promise<SourceImage> {
  const bytes = await pacs.retrieveInstance(ref.studyInstanceUid, ref.seriesInstanceUid, ref.sopInstanceUid);
  const instance = readPart10(bytes);
  const ctWindow = ctWindowOf(card);
  const { fullResolution } = await renderFrame(instance, {
    frame: ref.frame - 1,
    ...(ctWindow ? { ctWindow } : {}),
    ...(options.minLongSide !== undefined ? { minLongSide: options.minLongSide } : {}),
  });
  return { dataset: instance.dataset, image: fullResolution };
}
