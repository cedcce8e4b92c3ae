import { readPart10, renderFrame, type FindingsMask, type GrayImage, type NaturalizedDataset } from '@lungflow/dicom';
import { ctLungsAtSource, ctSliceGeometry, ctSliceLungs, ctWindowOf } from '@lungflow/results';
import type { ReportModelCard } from './ModelCatalog';
import type { ReportPacs } from './pacs/ReportPacs';

export interface SourceImage {
  dataset: NaturalizedDataset;
  image: GrayImage;
  /**
   * With the `ctLungs` option, for a CT model and a frame in Hounsfield units: the frame's lungs at its size (0/1,
   * libs/results ctSliceLungs, the segmentation infer measured and gated the decision on), which the heatmap is
   * coloured inside.
   */
  lungs?: FindingsMask;
}

/**
 * Fetches one analysed instance whole over WADO-RS and renders the frame the model saw (libs/dicom: Modality LUT,
 * VOI or the card's CT window, MONOCHROME1 inverted, 8-bit): what the heatmap is drawn over. At full resolution,
 * except that with `minLongSide` a JPEG 2000 frame is decoded at its smallest resolution level with at least that
 * many pixels on the longer side (libs/dicom decodeFrame): the callers scale the image down anyway, and the full
 * decode of a 3.6 Mpx J2K radiograph was report's largest CPU cost. A CT frame whose lungs are wanted is decoded
 * whole, so they are segmented at the resolution infer segmented them at.
 */
export async function renderSource(
  pacs: ReportPacs,
  ref: { studyInstanceUid: string; seriesInstanceUid: string; sopInstanceUid: string; frame: number },
  card?: ReportModelCard,
  options: { minLongSide?: number; ctLungs?: boolean } = {},
): Promise<SourceImage> {
  const bytes = await pacs.retrieveInstance(ref.studyInstanceUid, ref.seriesInstanceUid, ref.sopInstanceUid);
  const instance = readPart10(bytes);
  const ctWindow = ctWindowOf(card);
  const frame = ref.frame - 1;
  const geometry = options.ctLungs === true && card?.task === 'ct' ? ctSliceGeometry(instance.dataset, frame) : undefined;
  const measure = geometry?.hounsfield === true;
  const { fullResolution, modalityValues } = await renderFrame(instance, {
    frame,
    ...(ctWindow ? { ctWindow } : {}),
    ...(options.minLongSide !== undefined && !measure ? { minLongSide: options.minLongSide } : {}),
    ...(measure ? { keepModalityValues: true } : {}),
  });
  const lungs = geometry && measure && modalityValues ? ctLungsAtSource(ctSliceLungs(geometry, modalityValues, fullResolution.width, fullResolution.height)) : undefined;
  return { dataset: instance.dataset, image: fullResolution, ...(lungs ? { lungs } : {}) };
}
