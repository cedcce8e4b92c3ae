import { attr, renderFrame, type CtSliceLungFindings, type DicomInstance } from '@lungflow/dicom';
import type { Classification } from '../OnnxClassifier';
import type { GrayImage } from '../GrayImage';
import type { ModelRunner } from './ModelRunner';
import { sourcePixelSpacing } from '../lesions/sourcePixelSpacing';
import { ctSliceGeometry, ctSliceLungs, ctWindowOf } from '@lungflow/results';
import { ctSliceHasLungs, ctSliceLungFindings } from '../lesions/ct/ctLungFindings';
import { withoutLungs } from '../decision/decide';

/** One copy for model input and heatmap (libs/results); re-exported for callers that import it from here. */
export { ctWindowOf };

export interface FrameResult {
  /** 1-based, as in DICOM and in `inference.completed`. */
  frame: number;
  classification: Classification;
  /** The rendered full-resolution 8-bit image (what heatmaps are drawn over); empty data unless `keepImages`. */
  image: GrayImage;
  /**
   * With the `ctLungs` option, for a CT model and a slice in Hounsfield units: the classical lung segmentation of
   * the slice and the CAM-based lesion estimate inside it (lesions/README.md "CT"); ctLungFindings makes a series'
   * volume from these. Absent for slices that are not HU (pictures wrapped as CT, perfusion maps). A measured slice
   * without any lung region gets the decision `no-lungs` (ctSliceHasLungs).
   */
  ctLungs?: CtSliceLungFindings;
}

export interface AnalyzeInstanceOptions {
  /** Keep each frame's rendered 8-bit image (for heatmaps). */
  keepImages?: boolean;
  /** Measure CT lungs per slice (`FrameResult.ctLungs`); off by default, so callers that do not report it pay nothing. */
  ctLungs?: boolean;
}

/**
 * The pixel pipeline for one DICOM instance, shared by the service (instances from WADO-RS) and `lungflow analyze`
 * (Part-10 files): render each frame at full resolution (Modality LUT, VOI or the card's CT window, MONOCHROME1
 * inversion, 8-bit), then resize Pillow-exactly to the model's input and classify. Frames go to the model together,
 * so a multi-frame CT fills a batch.
 */
export async function analyzeInstance(instance: DicomInstance, runner: ModelRunner, options: AnalyzeInstanceOptions = {}): Promise<FrameResult[]> {
  const frames = Math.max(1, attr.number(instance.dataset, 'NumberOfFrames') ?? 1);
  const ctWindow = ctWindowOf(runner.release.card);
  const measureLungs = options.ctLungs === true && runner.release.card.task === 'ct';
  const lesionMap = runner.lesionMap;
  // What lesion areas in mm² are computed from (null for wrapped pictures and files without spacing).
  const spacing = sourcePixelSpacing(instance.dataset);
  const pending: Promise<FrameResult>[] = [];
  try {
    for (let index = 0; index < frames; index += 1) {
      // Frames are rendered one at a time and queued for the model at once, so memory holds one decoded frame plus
      // the small model inputs (and the rendered images only when the caller keeps them for heatmaps).
      const geometry = measureLungs ? ctSliceGeometry(instance.dataset, index) : undefined;
      const measure = geometry?.hounsfield === true;
      const { fullResolution, modalityValues } = await renderFrame(instance, { frame: index, ...(ctWindow ? { ctWindow } : {}), ...(measure ? { keepModalityValues: true } : {}) });
      const classified = runner.classifyGray(fullResolution, spacing);
      const image = options.keepImages ? fullResolution : { width: fullResolution.width, height: fullResolution.height, data: new Uint8Array(0) };
      // Segmented now, while the frame's HU are at hand: only the ≤ 256² lung grid waits for the model's CAM.
      const lungs = geometry && measure && modalityValues ? { geometry, segmentation: ctSliceLungs(geometry, modalityValues, fullResolution.width, fullResolution.height) } : undefined;
      const frame = index + 1;
      pending.push(
        classified.then((classification) => {
          if (!lungs) return { frame, classification, image };
          const ctLungs = ctSliceLungFindings({ ...lungs, cam: camPlane(classification, lesionMap.className), rule: { className: lesionMap.className, relativeThreshold: lesionMap.threshold }, sopInstanceUid: instance.sopInstanceUid ?? null, frame });
          // A slice without lung says nothing about the lungs: its probability is kept for the reader, but the
          // decision is no-lungs, so the series' top-k rule leaves it out (aggregateClassifications).
          const decision = ctSliceHasLungs(ctLungs) ? classification.decision : withoutLungs(classification.decision);
          return { frame, classification: { ...classification, decision }, image, ctLungs };
        }),
      );
    }
  } catch (error) {
    // Let the frames already queued settle, so none of them rejects later with nobody listening.
    await Promise.allSettled(pending);
    throw error;
  }
  return Promise.all(pending);
}

function camPlane(classification: Classification, className: string): { width: number; height: number; data: Float32Array } | undefined {
  const data = classification.cam.maps[className];
  return data ? { width: classification.cam.width, height: classification.cam.height, data } : undefined;
}
