import type { DicomInstance } from '../read/DicomInstance';
import { chooseVoi, type VoiChoice, type VoiOptions } from './chooseVoi';
import { decodeFrame } from './decodeFrame';
import type { GrayImage } from './GrayImage';
import { imagePixelModule } from './imagePixelModule';
import { modalityLut, type AppliedModalityLut } from './modalityLut';
import { renderByTable } from './renderByTable';
import { resize } from './resize';
import { toGray } from './toGray';
import { toUint8 } from './toUint8';
import { voiLut } from './voiLut';

export interface RenderOptions extends VoiOptions {
  /** 0-based frame index (default 0). */
  frame?: number;
  /** Output size × size (see RESIZE_CONTRACT); omitted: `image` is the full-resolution image. */
  size?: number;
  /** Also return the modality values (HU for CT) before VOI, for measurements in physical units (CT lungs). */
  keepModalityValues?: boolean;
  /**
   * Pixels the caller needs on the longer side: a JPEG 2000 frame is decoded at its smallest resolution level with
   * at least that many (decodeFrame), so `fullResolution` is then smaller than Columns × Rows (see `reduction`).
   */
  minLongSide?: number;
}

export interface RenderedFrame {
  /** The image at `size` × `size`, or at full resolution when no size was asked. */
  image: GrayImage;
  /**
   * The image before resizing, at the instance's Columns × Rows (or `reduction` times smaller with
   * `minLongSide`): what heatmaps are drawn over.
   */
  fullResolution: GrayImage;
  /** 1, or the power of two a JPEG 2000 frame was decoded smaller by (`minLongSide`). */
  reduction: number;
  frame: number;
  modalityLut: AppliedModalityLut;
  /** The VOI applied and where it came from; `color-luma` for colour images, which skip VOI. */
  voi: VoiChoice | { kind: 'color-luma' };
  /** MONOCHROME1 was inverted. */
  inverted: boolean;
  /**
   * With `keepModalityValues`, monochrome only: the frame after the Modality LUT (Columns × Rows, row-major), i.e.
   * Hounsfield units for a CT whose Rescale Type is HU or absent.
   */
  modalityValues?: Float32Array;
}

/**
 * Renders one frame to 8-bit gray: decode, colour to luma, Modality LUT, VOI (see chooseVoi for the order of
 * precedence), MONOCHROME1 inversion, rounding, then the optional resize. Colour images skip the Modality and VOI
 * LUTs, which PS3.3 defines for monochrome only, and are scaled from their bit depth. Monochrome frames of at most
 * 16-bit stored values go through a table of their distinct values (renderByTable), with the same bytes.
 */
export async function renderFrame(instance: DicomInstance, options: RenderOptions = {}): Promise<RenderedFrame> {
  const frame = options.frame ?? 0;
  const module = imagePixelModule(instance);
  const decoded = await decodeFrame(instance, module, frame, options.minLongSide === undefined ? {} : { minLongSide: options.minLongSide });
  const values = toGray(decoded);
  let applied: AppliedModalityLut = { kind: 'none' };
  let voi: RenderedFrame['voi'];
  let modalityValues: Float32Array | undefined;
  const inverted = decoded.photometricInterpretation === 'MONOCHROME1';
  let data: Uint8Array;
  if (decoded.samplesPerPixel === 1) {
    const signed = module.pixelRepresentation === 1;
    const tabled = renderByTable(values, decoded.maxValue, instance.dataset, frame, signed, inverted, options);
    if (tabled) {
      ({ data, modalityLut: applied, voi, modalityValues } = tabled);
    } else {
      applied = modalityLut(values, instance.dataset, frame, signed);
      // A copy: the VOI below overwrites `values` in place.
      if (options.keepModalityValues) modalityValues = values.slice();
      voi = chooseVoi(values, instance.dataset, frame, signed, options);
      voiLut(values, voi);
      data = toUint8(values, inverted);
    }
  } else {
    const scale = 255 / decoded.maxValue;
    for (let i = 0; i < values.length; i += 1) values[i] *= scale;
    voi = { kind: 'color-luma' };
    data = toUint8(values, inverted);
  }
  const fullResolution: GrayImage = { width: decoded.width, height: decoded.height, data };
  const image = options.size === undefined ? fullResolution : await resize(fullResolution, options.size);
  return { image, fullResolution, reduction: decoded.reduction, frame, modalityLut: applied, voi, inverted, ...(modalityValues ? { modalityValues } : {}) };
}
