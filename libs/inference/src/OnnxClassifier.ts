import * as ort from 'onnxruntime-node';
import type { LesionFindings } from '@lungflow/dicom';
import { LungFlowError } from '@lungflow/errors';
import type { ModelRelease } from './modelCard';
import { decide, decisionRuleOf, type Decision, type DecisionRule } from './decision/decide';
import { lungAreaFraction, type LungMap } from './lungs/lungMask';
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
  /**
   * The lung probability map in the full model-input frame, when the graph segments (v2): `areaFraction` is the
   * share of its cells above the card's segmentation threshold, what the no-lungs rule decides on.
   */
  lungs?: LungMap & { areaFraction: number; threshold: number };
  decision: Decision;
  /**
   * Lesion areas, severity and clinical predictions measured from `lungs` and `cam` (lesions/README.md): added by
   * ModelRunner to every CXR classification of a graph that segments; this class never sets it.
   */
  lesions?: LesionFindings;
}

/** Lung threshold when a graph has a lung output but its card names no segmentation (the graph's own 0.5). */
const DEFAULT_LUNG_THRESHOLD = 0.5;

/**
 * The released model in an onnxruntime session. Input is the card's uint8 grayscale image (N×1×S×S); the graph
 * itself applies the LUT, normalisation and temperature, so this class only packs bytes and names outputs.
 */
export class OnnxClassifier {
  private readonly outputNames: string[];
  private readonly lungOutput: string | undefined;
  private readonly rule: DecisionRule;

  private constructor(
    private readonly session: ort.InferenceSession,
    readonly release: ModelRelease,
  ) {
    const { segmentation } = release.card;
    const declared = segmentation?.output ?? 'lungs';
    this.lungOutput = session.outputNames.includes(declared) ? declared : undefined;
    this.outputNames = ['probabilities', 'logits', 'cam', ...(this.lungOutput ? [this.lungOutput] : [])];
    this.rule = decisionRuleOf(release.card);
  }

  static async create(release: ModelRelease, options: OnnxClassifierOptions = {}): Promise<OnnxClassifier> {
    const sessionOptions: ort.InferenceSession.SessionOptions = {
      executionProviders: [options.executionProvider ?? 'cpu'],
      graphOptimizationLevel: 'all',
      ...(options.intraOpThreads ? { intraOpNumThreads: options.intraOpThreads } : {}),
    };
    ortTelemetryOff();
    try {
      const session = await ort.InferenceSession.create(release.modelBytes, sessionOptions);
      const segmentation = release.card.segmentation;
      if (segmentation && !session.outputNames.includes(segmentation.output)) {
        await session.release();
        throw new LungFlowError('MODEL_LOAD_FAILED', `Model ${release.card.id} ${release.card.version}: its card names segmentation output "${segmentation.output}", the graph has ${session.outputNames.join(', ')}`);
      }
      return new OnnxClassifier(session, release);
    } catch (cause) {
      if (cause instanceof LungFlowError) throw cause;
      throw new LungFlowError('MODEL_LOAD_FAILED', `Cannot load model ${release.card.id} ${release.card.version} with ${sessionOptions.executionProviders?.join(',')}`, { cause });
    }
  }

  /** Whether the graph segments the lungs (results carry `lungs`). */
  get segments(): boolean {
    return this.lungOutput !== undefined;
  }

  /** The graph outputs each `classify` asks for (the benchmark's Python baseline asks for the same). */
  get requestedOutputs(): readonly string[] {
    return this.outputNames;
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
    const out = await this.session.run(feeds, this.outputNames);
    const classNames = card.classes.map((c) => c.name);
    const classCount = classNames.length;
    const probabilities = out.probabilities.data as Float32Array;
    const logits = out.logits.data as Float32Array;
    const cam = out.cam;
    const [, , camHeight, camWidth] = cam.dims as number[];
    const camData = cam.data as Float32Array;
    const camPlane = camHeight * camWidth;
    const lungTensor = this.lungOutput ? out[this.lungOutput] : undefined;
    const [, , lungHeight, lungWidth] = (lungTensor?.dims ?? [0, 0, 0, 0]) as number[];
    const lungPlane = lungHeight * lungWidth;
    const lungThreshold = card.segmentation?.threshold ?? DEFAULT_LUNG_THRESHOLD;

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
      let lungs: Classification['lungs'];
      if (lungTensor) {
        const map = { width: lungWidth, height: lungHeight, data: (lungTensor.data as Float32Array).slice(n * lungPlane, (n + 1) * lungPlane) };
        lungs = { ...map, threshold: lungThreshold, areaFraction: lungAreaFraction(map, lungThreshold) };
      }
      return {
        probabilities: probs,
        logits: lgts,
        cam: { width: camWidth, height: camHeight, maps },
        ...(lungs ? { lungs } : {}),
        decision: decide(probs[this.rule.className], this.rule, lungs?.areaFraction),
      };
    });
  }

  async close(): Promise<void> {
    await this.session.release();
  }
}
