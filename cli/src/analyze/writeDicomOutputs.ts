import type { AnalysisResult as DicomAnalysisResult, FindingsMask, ReferencedInstance } from '@lungflow/dicom';
import { resultObjects } from '@lungflow/results';
import type { Aggregate, Classification, GrayImage, ModelCard } from '@lungflow/inference';
import type { OutputWriter } from './OutputWriter';

const SC_MAX_SIDE = 2048;

export interface StudyOutcome {
  study: Aggregate;
  analysed: ReferencedInstance[];
  card: ModelCard;
  lungflowVersion: string;
  /**
   * The most suspicious image: its data set is the source of the SR and SC, its CAM is drawn. Its lesion findings
   * (`classification.lesions`, models that quantify lesions) add the SEG and the SR's lesion measurements.
   */
  source: {
    image: GrayImage;
    classification: Classification;
    dataset: Record<string, unknown>;
    /** 1-based; named in the SR and SEG of a multi-frame source. */
    frame?: number;
    /** A CT slice in HU: its lungs at the image's size (ctLungsAtSource), which the heatmap is coloured inside. */
    lungs?: FindingsMask;
  };
}

/**
 * The same objects the report service stores in the PACS, written as files: a TID 1500 SR with the study-level
 * probabilities and decision, a Secondary Capture of the most suspicious image with its heatmap and legend, and,
 * when that image has lesion findings, a SEG of its lung and lesion masks (`<stem>.seg.dcm`) that the SR's lesion
 * measurements reference. SC and SEG are built first so the SR can name their UIDs.
 */
export async function writeDicomOutputs(stem: string, outputs: OutputWriter, outcome: StudyOutcome): Promise<Record<string, string>> {
  if (!outputs.outDir) return {};
  const { study, card, source } = outcome;
  const result: DicomAnalysisResult = {
    source: source.dataset,
    ...(source.frame ? { frame: source.frame } : {}),
    analysedInstances: outcome.analysed,
    model: { id: card.id, name: card.id, version: card.version, fileSha256: card.files.sha256 },
    classes: card.classes.map((c) => ({ name: c.name, code: c.code, probability: study.probabilities[c.name] ?? 0 })),
    decision: study.decision,
    softwareVersion: outcome.lungflowVersion,
    ...(source.classification.lesions ? { lesions: source.classification.lesions } : {}),
  };
  const written: Record<string, string> = {};
  const { cam, decision } = source.classification;
  // Coloured inside the lungs as the report service colours the SC it stores: result.lesions.lungMask (resultObjects)
  // or a CT slice's lungs.
  const { sr: report, sc: heatmap, seg: segmentation } = await resultObjects(result, source.image, { data: cam.maps[decision.className], width: cam.width, height: cam.height }, {
    maxSide: SC_MAX_SIDE,
    ...(source.lungs ? { lungMask: source.lungs } : {}),
  });
  const sr = await outputs.write(stem, '.sr.dcm', report.part10);
  if (sr) written.sr = sr;
  const sc = await outputs.write(stem, '.heatmap-sc.dcm', heatmap.part10);
  if (sc) written.sc = sc;
  if (segmentation) {
    const seg = await outputs.write(stem, '.seg.dcm', segmentation.part10);
    if (seg) written.seg = seg;
  }
  return written;
}
