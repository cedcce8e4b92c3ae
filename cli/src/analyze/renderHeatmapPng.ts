import sharp from 'sharp';
import { heatmap } from '@lungflow/results';
import type { FindingsMask } from '@lungflow/dicom';
import type { Classification, GrayImage } from '@lungflow/inference';

const MAX_SIDE = 1024;

/**
 * The operating-point class's activation map blended over the image (libs/imaging, the same overlay as the DICOM SC),
 * at most 1024 px on the long side so a 3000 px radiograph gives a PNG one can open quickly. A model that segments
 * the lungs (v2) colours only inside its lung grid (`lesions.lungMask`, the one the SC is masked by); a CT slice in HU
 * inside its classical lungs (`lungs`, libs/results ctLungsAtSource).
 */
export async function renderHeatmapPng(image: GrayImage, result: Classification, lungs?: FindingsMask): Promise<Buffer> {
  const { width: cw, height: ch, maps } = result.cam;
  const lungMask = lungs ?? result.lesions?.lungMask;
  const { overlay, width, height } = await heatmap(image, { data: maps[result.decision.className], width: cw, height: ch }, {
    maxSide: MAX_SIDE,
    ...(lungMask ? { lungMask } : {}),
  });
  return sharp(overlay.data, { raw: { width, height, channels: 3 } }).png().toBuffer();
}
