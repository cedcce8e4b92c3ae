import type { NaturalizedDataset } from '@lungflow/dicom';
import { ctLungsAtSource, segmentCtLungs, type CtLungSegmentation } from './ctLungMask';
import { ctSliceGeometry, type CtSliceGeometry } from './ctSliceGeometry';

/**
 * The classical lung segmentation of one rendered CT frame (rules 1–6), with the geometry it was measured under:
 * the one call behind infer's per-slice lung measure and no-lungs decision and the lungs report draws a CT heatmap
 * inside, so both see the same lungs. undefined when the frame is not in Hounsfield units (pictures wrapped as CT,
 * perfusion maps): nothing is measured there and the heatmap is drawn unmasked.
 */
export function ctSliceLungs(dataset: NaturalizedDataset, frameIndex: number, hu: Float32Array, width: number, height: number): { geometry: CtSliceGeometry; segmentation: CtLungSegmentation } | undefined {
  const geometry = ctSliceGeometry(dataset, frameIndex);
  if (!geometry.hounsfield) return undefined;
  const pixelAreaMm2 = geometry.rowSpacingMm !== null && geometry.columnSpacingMm !== null ? geometry.rowSpacingMm * geometry.columnSpacingMm : null;
  return { geometry, segmentation: segmentCtLungs(hu, width, height, { pixelAreaMm2 }) };
}

/** The lungs of a CT frame at its own size (0/1), for colouring its heatmap; see ctSliceLungs. */
export function ctHeatmapLungs(dataset: NaturalizedDataset, frameIndex: number, hu: Float32Array, width: number, height: number): { width: number; height: number; data: Uint8Array } | undefined {
  const lungs = ctSliceLungs(dataset, frameIndex, hu, width, height);
  return lungs ? ctLungsAtSource(lungs.segmentation) : undefined;
}
