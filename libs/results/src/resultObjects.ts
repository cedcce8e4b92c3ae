import sharp from 'sharp';
import { analysisSegmentation, resampleNearest, secondaryCapture, secondaryCaptureLegend, structuredReport, type AnalysisResult, type FindingsMask, type GrayImage, type WrittenResult } from '@lungflow/dicom';
import { heatmapOverlay, legend, type FloatMap, type Raster } from '@lungflow/imaging';

export interface HeatmapOptions {
  /** The long side the source is scaled down to (never up): the SC and PNG sizes drive memory, dcmjs and STOW. */
  maxSide: number;
  /**
   * Colour only inside these lungs: a 0/1 grid stretched over the whole image (a segmenting model's lung grid,
   * `lesions.lungMask`). Without it the whole image may be coloured (models that do not segment).
   */
  lungMask?: FindingsMask;
}

export interface Heatmap {
  width: number;
  height: number;
  /** The scaled grey source (1 channel). */
  base: Uint8Array;
  /** The CAM blended over it (3 channels), without legend. */
  overlay: Raster;
}

/** Downscale → overlay: the one sequence behind the SC, the heatmap PNG and the worklist thumbnails. */
export async function heatmap(image: GrayImage, cam: FloatMap, options: HeatmapOptions): Promise<Heatmap> {
  const scale = Math.min(1, options.maxSide / Math.max(image.width, image.height));
  const width = Math.max(1, Math.round(image.width * scale));
  const height = Math.max(1, Math.round(image.height * scale));
  const base =
    scale === 1
      ? image.data
      : new Uint8Array(await sharp(image.data, { raw: { width: image.width, height: image.height, channels: 1 } }).resize(width, height, { fit: 'fill' }).extractChannel(0).raw().toBuffer());
  const mask = options.lungMask ? lungMaskAt(options.lungMask, width, height) : undefined;
  const overlay = await heatmapOverlay({ data: base, width, height, channels: 1 }, cam, mask ? { mask } : {});
  return { width, height, base, overlay };
}

/**
 * A 0/1 lung grid at the drawn size, 255 inside, resampled as the SEG's lung segment is (`resampleNearest`), so the
 * coloured area of the SC is the SEG's lung at the SC's scale. Needed although a segmenting model's CAM is zero
 * outside its lungs: min-max scaling gives that zero a colour whenever the map is negative somewhere in the lungs
 * (it almost always is), and the bicubic upscale spreads colour past the lung edge.
 */
export function lungMaskAt(grid: FindingsMask, width: number, height: number): Raster {
  const { data } = resampleNearest(grid, height, width);
  for (let i = 0; i < data.length; i += 1) data[i] = data[i] ? 255 : 0;
  return { data, width, height, channels: 1 };
}

/** The SC legend's line for a heatmap drawn inside the lungs only. */
export const MASKED_LEGEND = 'Heatmap: model attention inside the lungs only';

export interface ResultObjects {
  heatmap: Heatmap;
  sr: WrittenResult;
  sc: WrittenResult;
  /** Only when the result has lesion findings. */
  seg?: WrittenResult;
}

/**
 * The DICOM objects of one verdict: the heatmap SC (overlay + legend), the SEG when the drawn image has lesion
 * findings, and the TID 1500 SR, built last so it can name the SC's and SEG's UIDs. UIDs derive from the result
 * (libs/dicom uids.ts), and the heatmap is coloured only inside the result's own lung grid (`lesions.lungMask`), so
 * the same verdict gives the same bytes wherever it is written (report, CLI).
 */
export async function resultObjects(result: AnalysisResult, image: GrayImage, cam: FloatMap, options: HeatmapOptions & { onStep?: (step: 'seg' | 'sc' | 'sr') => void }): Promise<ResultObjects> {
  const seg = result.lesions ? analysisSegmentation(result) : undefined;
  options.onStep?.('seg');
  const lungMask = options.lungMask ?? result.lesions?.lungMask;
  const drawn = await heatmap(image, cam, { maxSide: options.maxSide, ...(lungMask ? { lungMask } : {}) });
  // Said on the image, because a masked map can hide where most of the attention went (ct-v1's positive CAM mass
  // lies mostly outside the lungs: lesions README "CT", Limits).
  const lines = [...secondaryCaptureLegend(result), ...(lungMask ? [MASKED_LEGEND] : [])];
  const labelled = await legend(drawn.overlay, lines);
  const sc = secondaryCapture(result, { data: labelled.data, width: drawn.width, height: drawn.height, channels: 3 });
  options.onStep?.('sc');
  const sr = structuredReport(result, { heatmap: sc, ...(seg ? { segmentation: seg } : {}) });
  options.onStep?.('sr');
  return { heatmap: drawn, sr, sc, ...(seg ? { seg } : {}) };
}
