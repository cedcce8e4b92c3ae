import { attr, renderFrame, type DicomInstance, type Window } from '@lungflow/dicom';
import type { Classification } from '../OnnxClassifier';
import type { GrayImage } from '../GrayImage';
import type { ModelCard } from '../modelCard';
import type { ModelRunner } from './ModelRunner';
import { sourcePixelSpacing } from '../lesions/sourcePixelSpacing';

export interface FrameResult {
  /** 1-based, as in DICOM and in `inference.completed`. */
  frame: number;
  classification: Classification;
  /** The rendered full-resolution 8-bit image (what heatmaps are drawn over); empty data unless `keepImages`. */
  image: GrayImage;
}

/** The CT window the card names (`preprocessing.windowing.CT` {center, width}); the renderer's lung window otherwise. */
export function ctWindowOf(card: ModelCard): Window | undefined {
  const windowing = (card.preprocessing as Record<string, unknown> | undefined)?.windowing as Record<string, unknown> | undefined;
  const ct = windowing?.CT as { center?: unknown; width?: unknown } | undefined;
  return typeof ct?.center === 'number' && typeof ct.width === 'number' ? { center: ct.center, width: ct.width } : undefined;
}

/**
 * The pixel pipeline for one DICOM instance, shared by the service (instances from WADO-RS) and `lungflow analyze`
 * (Part-10 files): render each frame at full resolution (Modality LUT, VOI or the card's CT window, MONOCHROME1
 * inversion, 8-bit), then resize Pillow-exactly to the model's input and classify. Frames go to the model together,
 * so a multi-frame CT fills a batch.
 */
export async function analyzeInstance(instance: DicomInstance, runner: ModelRunner, options: { keepImages?: boolean } = {}): Promise<FrameResult[]> {
  const frames = Math.max(1, attr.number(instance.dataset, 'NumberOfFrames') ?? 1);
  const ctWindow = ctWindowOf(runner.release.card);
  // What lesion areas in mm² are computed from (null for wrapped pictures and files without spacing).
  const spacing = sourcePixelSpacing(instance.dataset);
  const pending: Promise<FrameResult>[] = [];
  try {
    for (let index = 0; index < frames; index += 1) {
      // Frames are rendered one at a time and queued for the model at once, so memory holds one decoded frame plus
      // the small model inputs (and the rendered images only when the caller keeps them for heatmaps).
      const { fullResolution } = await renderFrame(instance, { frame: index, ...(ctWindow ? { ctWindow } : {}) });
      const classified = runner.classifyGray(fullResolution, spacing);
      const image = options.keepImages ? fullResolution : { width: fullResolution.width, height: fullResolution.height, data: new Uint8Array(0) };
      pending.push(classified.then((classification) => ({ frame: index + 1, classification, image })));
    }
  } catch (error) {
    // Let the frames already queued settle, so none of them rejects later with nobody listening.
    await Promise.allSettled(pending);
    throw error;
  }
  return Promise.all(pending);
}
