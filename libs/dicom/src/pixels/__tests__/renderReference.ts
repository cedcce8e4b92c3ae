import type { DicomInstance } from '../../read/DicomInstance';
import { chooseVoi, type VoiChoice } from '../chooseVoi';
import { decodeFrame } from '../decodeFrame';
import type { GrayImage } from '../GrayImage';
import { imagePixelModule } from '../imagePixelModule';
import { modalityLut, type AppliedModalityLut } from '../modalityLut';
import type { RenderOptions } from '../renderFrame';
import { toGray } from '../toGray';
import { toUint8 } from '../toUint8';
import { voiLut } from '../voiLut';

/**
 * renderFrame's full-resolution path as it was before the lookup table (commit 6446a8c): Modality LUT, VOI and
 * toUint8 each a pass over every pixel, the percentile window from the modality values. Kept as the reference that
 * renderFrame.table.test.ts and bench/pixels compare renderFrame with.
 */
export async function renderReference(
  instance: DicomInstance,
  options: Omit<RenderOptions, 'size'> = {},
): Promise<{ image: GrayImage; modalityLut: AppliedModalityLut; voi: VoiChoice | { kind: 'color-luma' }; modalityValues?: Float32Array }> {
  const frame = options.frame ?? 0;
  const module = imagePixelModule(instance);
  const decoded = await decodeFrame(instance, module, frame);
  const values = toGray(decoded);
  let applied: AppliedModalityLut = { kind: 'none' };
  let voi: VoiChoice | { kind: 'color-luma' };
  let modalityValues: Float32Array | undefined;
  if (decoded.samplesPerPixel === 1) {
    const signed = module.pixelRepresentation === 1;
    applied = modalityLut(values, instance.dataset, frame, signed);
    if (options.keepModalityValues) modalityValues = values.slice();
    voi = chooseVoi(values, instance.dataset, frame, signed, options);
    voiLut(values, voi);
  } else {
    const scale = 255 / decoded.maxValue;
    for (let i = 0; i < values.length; i += 1) values[i] *= scale;
    voi = { kind: 'color-luma' };
  }
  const inverted = decoded.photometricInterpretation === 'MONOCHROME1';
  const image: GrayImage = { width: decoded.width, height: decoded.height, data: toUint8(values, inverted) };
  return { image, modalityLut: applied, voi, ...(modalityValues ? { modalityValues } : {}) };
}
