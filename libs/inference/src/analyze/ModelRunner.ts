import { performance } from 'node:perf_hooks';
import { loadModelRelease, type ModelRelease } from '../modelCard';
import { OnnxClassifier, type Classification, type OnnxClassifierOptions } from '../OnnxClassifier';
import { MicroBatcher } from '../MicroBatcher';
import type { GrayImage } from '../GrayImage';
import { toModelInput } from '../resize/toModelInput';
import type { AggregationRule } from '../aggregate/aggregateClassifications';
import { lesionFindings } from '../lesions/lesionFindings';
import { defaultLesionMap, loadLesionModel, type LesionMapRule, type LesionModel } from '../lesions/lesionModel';
import type { SourceSpacing } from '../lesions/sourcePixelSpacing';

export interface ModelIdentity {
  id: string;
  version: string;
  sha256: string;
}

export interface ModelRunnerOptions extends OnnxClassifierOptions {
  /** Largest batch sent to the model at once (1 disables batching). */
  maxBatch?: number;
  /** How long the first queued image waits for others before its batch runs anyway. */
  maxWaitMs?: number;
  /** Told the size and duration of every batch the model runs (for metrics). */
  onBatch?: (size: number, ms: number) => void;
}

/**
 * One released model ready to serve: its card, its onnxruntime session and a micro-batcher in front of it, so that
 * images from concurrent studies (or the files of one CLI run) share batches. The service and `lungflow analyze` both
 * go through this class, which is what makes their numbers the same.
 */
export class ModelRunner {
  private readonly batcher: MicroBatcher<Uint8Array, Classification>;

  private constructor(
    readonly release: ModelRelease,
    private readonly classifier: OnnxClassifier,
    options: ModelRunnerOptions,
    /** The release's `lesions.json` (severity and clinical regressions), when it ships one. */
    readonly lesionModel: LesionModel | undefined,
  ) {
    const run = async (images: Uint8Array[]): Promise<Classification[]> => {
      const started = performance.now();
      const results = await this.classifier.classify(images);
      options.onBatch?.(images.length, performance.now() - started);
      return results;
    };
    this.batcher = new MicroBatcher(run, { maxBatch: options.maxBatch ?? 8, maxWaitMs: options.maxWaitMs ?? 5 });
  }

  static async load(releaseDir: string, options: ModelRunnerOptions = {}): Promise<ModelRunner> {
    const release = await loadModelRelease(releaseDir);
    const lesionModel = await loadLesionModel(releaseDir, release.card);
    const classifier = await OnnxClassifier.create(release, options);
    return new ModelRunner(release, classifier, options, lesionModel);
  }

  get identity(): ModelIdentity {
    const { card } = this.release;
    return { id: card.id, version: card.version, sha256: card.files.sha256 };
  }

  /** The card's study-level rule: `aggregation` in the card when it has one, else max for CXR and mean of the top 3 slices for CT. */
  get aggregation(): AggregationRule {
    const declared = (this.release.card as Record<string, unknown>).aggregation as { method?: string; k?: number } | undefined;
    if (declared?.method === 'max') return { method: 'max' };
    if (declared?.method === 'mean-top-k' && Number.isInteger(declared.k) && (declared.k as number) > 0) return { method: 'mean-top-k', k: declared.k as number };
    return this.release.card.task === 'ct' ? { method: 'mean-top-k', k: 3 } : { method: 'max' };
  }

  /** Which CAM, normalised how, at what threshold, marks lesion pixels (the release's `lesions.json`, else the default). */
  get lesionMap(): LesionMapRule {
    return this.lesionModel?.lesionMap ?? defaultLesionMap(this.release.card);
  }

  /**
   * Resizes an 8-bit gray image to the model's input and classifies it (batched with other concurrent calls).
   * `spacing`: the source's measured pixel spacing (sourcePixelSpacing), null for pictures: lesion areas in mm² only
   * with it.
   */
  classifyGray(image: GrayImage, spacing: SourceSpacing | null = null): Promise<Classification> {
    return this.classifyInput(toModelInput(image, this.release.card), spacing);
  }

  /** Classifies an image already at the model's input size (the golden vectors' form). */
  async classifyInput(input: Uint8Array, spacing: SourceSpacing | null = null): Promise<Classification> {
    const classification = await this.batcher.submit(input);
    // Lesions are a CXR measurement (Brixia zones, Cohen scores); a CT graph's lung map is for its slices (not yet).
    if (this.release.card.task !== 'cxr' || !classification.lungs) return classification;
    const lesions = lesionFindings(classification, input, this.lesionModel, spacing, this.release.card);
    return lesions ? { ...classification, lesions } : classification;
  }

  async close(): Promise<void> {
    this.batcher.flush();
    await this.classifier.close();
  }
}
