import * as ort from 'onnxruntime-node';
import { LungFlowError } from '@lungflow/errors';
import type { ModelRelease } from './modelCard';
import { ortTelemetryOff } from './ortTelemetryOff';

export type ExecutionProvider = 'cpu' | 'cuda';

export interface OnnxClassifierOptions {
  /** CPU by default. `cuda` needs the GPU build of onnxruntime-node (see deploy/k8s for the GPU image). */
  executionProvider?: ExecutionProvider;
  /** Threads inside one operator; 0 lets onnxruntime choose (all cores). */
  intraOpThreads?: number;
}

/** One image's model output, with class names from the card. */
export interface Classification {
  probabilities: Record<string, number>;
  logits: Record<string, number>;
  /** Class activation maps at the last convolution's resolution, one per class, row-major. */
  cam: { width: number; height: number; maps: Record<string, Float32Array> };
  decision: { className: string; threshold: number; positive: boolean };
}

/**
 * The released model in an onnxruntime session. Input is the card's uint8 grayscale image (N×1×S×S); the graph
 * itself applies the LUT, normalisation and temperature, so this class only packs bytes and names outputs.
 */
export class OnnxClassifier {
  private constructor(
    private readonly session: ort.InferenceSession,
    readonly release: ModelRelease,
  ) {}

  static async create(release: ModelRelease, options: OnnxClassifierOptions = {}): Promise<OnnxClassifier> {
    const sessionOptions: ort.InferenceSession.SessionOptions = {
      executionProviders: [options.executionProvider ?? 'cpu'],
      graphOptimizationLevel: 'all',
      ...(options.intraOpThreads ? { intraOpNumThreads: options.intraOpThreads } : {}),
    };
    ortTelemetryOff();
    try {
      const session = await ort.InferenceSession.create(release.modelBytes, sessionOptions);
      return new OnnxClassifier(session, release);
    } catch (cause) {
      throw new LungFlowError('MODEL_LOAD_FAILED', `Cannot load model ${release.card.id} ${release.card.version} with ${sessionOptions.executionProviders?.join(',')}`, { cause });
    }
  }

  get inputSize(): number {
    return this.release.card.input.size;
  }

  /** Classifies a batch of S×S uint8 grayscale images (S = the card's input size). */
  async classify(images: readonly Uint8Array[]): Promise<Classification[]> {
    const { card } = this.release;
    const size = card.input.size;
    if (images.length === 0) return [];
    const batch = new Uint8Array(images.length * size * size);
    images.forEach((image, index) => {
      if (image.length !== size * size) {
        throw new LungFlowError('MODEL_INPUT_SIZE', `Model ${card.id} expects ${size}×${size} = ${size * size} bytes per image, got ${image.length}`);
      }
      batch.set(image, index * size * size);
    });
    const feeds = { [card.input.name]: new ort.Tensor('uint8', batch, [images.length, 1, size, size]) };
    const out = await this.session.run(feeds, ['probabilities', 'logits', 'cam']);
    const classNames = card.classes.map((c) => c.name);
    const classCount = classNames.length;
    const probabilities = out.probabilities.data as Float32Array;
    const logits = out.logits.data as Float32Array;
    const cam = out.cam;
    const [, , camHeight, camWidth] = cam.dims as number[];
    const camData = cam.data as Float32Array;
    const camPlane = camHeight * camWidth;

    return images.map((_, n) => {
      const probs: Record<string, number> = {};
      const lgts: Record<string, number> = {};
      const maps: Record<string, Float32Array> = {};
      classNames.forEach((name, c) => {
        probs[name] = probabilities[n * classCount + c];
        lgts[name] = logits[n * classCount + c];
        const offset = (n * classCount + c) * camPlane;
        maps[name] = camData.slice(offset, offset + camPlane);
      });
      const { className, threshold } = card.operatingPoint;
      return {
        probabilities: probs,
        logits: lgts,
        cam: { width: camWidth, height: camHeight, maps },
        decision: { className, threshold, positive: probs[className] >= threshold },
      };
    });
  }

  async close(): Promise<void> {
    await this.session.release();
  }
}
