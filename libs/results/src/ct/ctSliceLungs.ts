import { segmentCtLungs, type CtLungSegmentation } from './ctLungMask';
import type { CtSliceGeometry } from './ctSliceGeometry';

/**
 * The classical lung segmentation (rules 1–6) of one rendered CT frame in Hounsfield units, under the geometry its
 * caller read to decide that the frame is HU (`ctSliceGeometry(...).hounsfield`): the one call behind infer's
 * per-slice lung measure and no-lungs decision and the lungs report colours a CT heatmap inside
 * (`ctLungsAtSource` of it), so both see the same lungs.
 */
export function ctSliceLungs(geometry: CtSliceGeometry, hu: Float32Array, width: number, height: number): CtLungSegmentation {
  const pixelAreaMm2 = geometry.rowSpacingMm !== null && geometry.columnSpacingMm !== null ? geometry.rowSpacingMm * geometry.columnSpacingMm : null;
  return segmentCtLungs(hu, width, height, { pixelAreaMm2 });
}
