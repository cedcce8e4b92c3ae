import sharp from 'sharp';
import { analysisSegmentation, secondaryCapture, secondaryCaptureLegend, structuredReport, type AnalysisResult, type GrayImage, type WrittenResult } from '@lungflow/dicom';
import { heatmapOverlay, legend, type FloatMap, type Raster } from '@lungflow/imaging';

/** A grey mask at the drawn size (255 inside), given that size: the caller's lung mask, scaled as it scales it. */
export type MaskAt = (width: number, height: number) => { data: Uint8Array; width: number; height: number };

export interface HeatmapOptions {
  /** The long side the source is scaled down to (never up): the SC and PNG sizes drive memory, dcmjs and STOW. */
  maxSide: number;
  /** Colour only inside this mask (models that segment the lungs). */
  maskAt?: MaskAt;
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
  const mask = options.maskAt ? { ...options.maskAt(width, height), channels: 1 as const } : undefined;
  const overlay = await heatmapOverlay({ data: base, width, height, channels: 1 }, cam, mask ? { mask } : {});
  return { width, height, base, overlay };
}

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
 * (libs/dicom uids.ts), so the same verdict gives the same bytes wherever it is written (report, CLI).
 */
export async function resultObjects(result: AnalysisResult, image: GrayImage, cam: FloatMap, options: HeatmapOptions & { onStep?: (step: 'seg' | 'sc' | 'sr') => void }): Promise<ResultObjects> {
  const seg = result.lesions ? analysisSegmentation(result) : undefined;
  options.onStep?.('seg');
  const drawn = await heatmap(image, cam, options);
  const labelled = await legend(drawn.overlay, secondaryCaptureLegend(result));
  const sc = secondaryCapture(result, { data: labelled.data, width: drawn.width, height: drawn.height, channels: 3 });
  options.onStep?.('sc');
  const sr = structuredReport(result, { heatmap: sc, ...(seg ? { segmentation: seg } : {}) });
  options.onStep?.('sr');
  return { heatmap: drawn, sr, sc, ...(seg ? { seg } : {}) };
}
