import { attr, type NaturalizedDataset } from '../read/attr';
import { functionalGroupItem } from './functionalGroupItem';
import { lookupTable, type LookupTable } from './lookupTable';
import { percentileWindow } from './percentileWindow';

/** VOI LUT Function (0028,1056), PS3.3 C.11.2.1.3. */
export type VoiFunction = 'LINEAR' | 'LINEAR_EXACT' | 'SIGMOID';

export interface Window {
  center: number;
  width: number;
  function?: VoiFunction;
}

/** Where the applied VOI came from, in the order they are tried. */
export type VoiSource = 'option' | 'ct-default' | 'dataset-window' | 'dataset-lut' | 'percentile';

export type VoiChoice =
  | { kind: 'window'; center: number; width: number; function: VoiFunction; source: VoiSource }
  | { kind: 'lut'; lut: LookupTable; source: 'dataset-lut' };

/** The lung window in Hounsfield units: width 1500, level -600. */
export const LUNG_WINDOW: Readonly<Window> = Object.freeze({ center: -600, width: 1500 });

export interface VoiOptions {
  /** Overrides everything. */
  window?: Window;
  /** The window every CT gets, in HU (default LUNG_WINDOW); `null` uses the data set's window instead. */
  ctWindow?: Window | null;
  /** Percentiles of the fallback window (default 0.5 and 99.5). */
  percentiles?: readonly [number, number];
}

/**
 * Picks the VOI transformation: the caller's window, then the CT window (the model sees every CT through the same
 * lung window, whatever the modality operator saved), then the data set's first window (Window Center/Width with
 * VOI LUT Function, per frame for enhanced objects), then its first VOI LUT, then a percentile window.
 */
export function chooseVoi(
  modalityValues: Float32Array,
  dataset: NaturalizedDataset,
  frameIndex: number,
  signedInput: boolean,
  options: VoiOptions = {},
): VoiChoice {
  return chooseVoiWith((low, high) => percentileWindow(modalityValues, low, high), dataset, frameIndex, signedInput, options);
}

/**
 * chooseVoi with the percentile window computed by the caller, and only when it is needed (renderFrame takes it
 * from a histogram of the stored values instead of a pass over the whole frame).
 */
export function chooseVoiWith(
  percentiles: (low: number, high: number) => { center: number; width: number },
  dataset: NaturalizedDataset,
  frameIndex: number,
  signedInput: boolean,
  options: VoiOptions = {},
): VoiChoice {
  if (options.window !== undefined) return windowChoice(options.window, 'option');
  const ctWindow = options.ctWindow === undefined ? LUNG_WINDOW : options.ctWindow;
  if (ctWindow !== null && attr.string(dataset, 'Modality')?.toUpperCase() === 'CT') return windowChoice(ctWindow, 'ct-default');
  const source = functionalGroupItem(dataset, frameIndex, 'FrameVOILUTSequence') ?? dataset;
  const center = attr.number(source, 'WindowCenter');
  const width = attr.number(source, 'WindowWidth');
  if (center !== undefined && width !== undefined && width >= 1) {
    const fn = attr.string(source, 'VOILUTFunction')?.toUpperCase();
    return windowChoice({ center, width, function: isVoiFunction(fn) ? fn : 'LINEAR' }, 'dataset-window');
  }
  const lut = lookupTable(attr.items(dataset, 'VOILUTSequence')[0], signedInput);
  if (lut !== undefined) return { kind: 'lut', lut, source: 'dataset-lut' };
  const [low, high] = options.percentiles ?? [0.5, 99.5];
  // LINEAR_EXACT maps the low percentile to 0 and the high one to 255 exactly
  return windowChoice({ ...percentiles(low, high), function: 'LINEAR_EXACT' }, 'percentile');
}

function windowChoice(window: Window, source: VoiSource): VoiChoice {
  return { kind: 'window', center: window.center, width: window.width, function: window.function ?? 'LINEAR', source };
}

function isVoiFunction(value: string | undefined): value is VoiFunction {
  return value === 'LINEAR' || value === 'LINEAR_EXACT' || value === 'SIGMOID';
}
