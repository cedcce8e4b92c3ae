import { readFile } from 'node:fs/promises';
import { attr, readPart10 } from '@lungflow/dicom';
import { LungFlowError } from '@lungflow/errors';
import { aggregateClassifications, aggregateSeries, analyzeInstance, ctLungFindings, type Aggregate, type Classification, type GrayImage, type ModelCard, type ModelSet } from '@lungflow/inference';
import type { CtLesionMapRule, CtSliceLungFindings, ReferencedInstance } from '@lungflow/dicom';
import { lungflowVersion } from '@lungflow/config';
import { ctLungsAtSource, suspicionMargin } from '@lungflow/results';
import type { AnalysisInput } from './collectInputs';
import type { AnalysisResult, ImageResult, SeriesResult } from './AnalysisResult';
import type { OutputWriter } from './OutputWriter';
import { chestTaskOf } from './chestTaskOf';
import { writeDicomOutputs } from './writeDicomOutputs';
import { ctLungsJson, lesionsJson } from './lesionsJson';

/**
 * A DICOM study from files: every in-scope image through the same pipeline as the service (analyzeInstance), then
 * the card's rule per series and the most suspicious series for the study. Out-of-scope images (a lateral view, a
 * head CT, a non-image object) are listed as skipped with the reason; a study with nothing in scope fails, as does a
 * study with an image that cannot be decoded (the service dead-letters it too).
 */
export async function analyzeDicomStudy(input: Extract<AnalysisInput, { kind: 'dicom' }>, models: ModelSet, outputs: OutputWriter, onFile: () => void = () => undefined): Promise<AnalysisResult> {
  const images: ImageResult[] = [];
  const skipped: { file: string; reason: string }[] = [];
  const bySeries = new Map<string, { aggregation: Parameters<typeof aggregateClassifications>[1]; results: Classification[]; ct?: { rule: CtLesionMapRule; slices: CtSliceLungFindings[] } }>();
  let mostSuspicious: { margin: number; file: string; frame: number; image: GrayImage; classification: Classification; dataset: Record<string, unknown>; card: ModelCard; ctLungs?: CtSliceLungFindings } | undefined;
  const analysed = new Map<string, ReferencedInstance>();
  const lungMasks: string[] = [];
  const lesionMasks: string[] = [];
  for (const file of input.files) {
    const instance = readPart10(new Uint8Array(await readFile(file)));
    const scope = chestTaskOf(instance.dataset);
    if (!scope.task) {
      skipped.push({ file, reason: scope.reason });
      onFile();
      continue;
    }
    const runner = await models.get(scope.task);
    const seriesInstanceUid = attr.string(instance.dataset, 'SeriesInstanceUID') ?? '(no SeriesInstanceUID)';
    const sopInstanceUid = instance.sopInstanceUid ?? '(no SOPInstanceUID)';
    const lesionMap = runner.lesionMap;
    const series = bySeries.get(seriesInstanceUid) ?? {
      aggregation: runner.aggregation,
      results: [],
      ...(scope.task === 'ct' ? { ct: { rule: { className: lesionMap.className, relativeThreshold: lesionMap.threshold }, slices: [] } } : {}),
    };
    bySeries.set(seriesInstanceUid, series);
    const frameResults = await analyzeInstance(instance, runner, { keepImages: outputs.outDir !== undefined, ctLungs: scope.task === 'ct' });
    const frames = frameResults.length;
    for (const { frame, classification, image, ctLungs } of frameResults) {
      series.results.push(classification);
      if (ctLungs) series.ct?.slices.push(ctLungs);
      images.push({
        file, seriesInstanceUid, sopInstanceUid, frame, task: scope.task, model: runner.identity, probabilities: classification.probabilities, decision: classification.decision,
        ...(classification.lungs ? { lungs: { areaFraction: classification.lungs.areaFraction } } : {}),
        ...(classification.lesions ? { lesions: lesionsJson(classification.lesions) } : {}),
      });
      const label = frames > 1 ? `.frame${frame}` : '';
      const lungsFile = await outputs.lungsPng(file, image, classification, label);
      if (lungsFile) lungMasks.push(lungsFile);
      const lesionsFile = await outputs.lesionsPng(file, image, classification, runner.lesionMap, label);
      if (lesionsFile) lesionMasks.push(lesionsFile);
      // The report service's rule (libs/results): an image without lungs is drawn only when no image has lungs.
      const margin = suspicionMargin(classification);
      if (!mostSuspicious || margin > mostSuspicious.margin) mostSuspicious = { margin, file, frame, image, classification, dataset: instance.dataset, card: runner.release.card, ...(ctLungs ? { ctLungs } : {}) };
      analysed.set(sopInstanceUid, { sopClassUid: instance.sopClassUid ?? '', sopInstanceUid, seriesInstanceUid });
    }
    onFile();
  }
  if (images.length === 0 || !mostSuspicious) {
    throw new LungFlowError('NOTHING_TO_ANALYSE', `no chest CR/DX/CT image in scope: ${skipped.map((s) => `${s.file}: ${s.reason}`).join('; ')}`);
  }
  const seriesAggregates: Aggregate[] = [...bySeries.values()].map((s) => aggregateClassifications(s.results, s.aggregation));
  const study = aggregateSeries(seriesAggregates);
  const ctSeries: SeriesResult[] = [...bySeries.entries()].flatMap(([seriesInstanceUid, { ct }]): SeriesResult[] => {
    if (!ct) return [];
    if (ct.slices.length === 0) return [{ seriesInstanceUid, task: 'ct', lungs: null, lesions: null, slices: [], reason: 'no slice in Hounsfield units (Rescale Type other than HU)' }];
    return [{ seriesInstanceUid, task: 'ct', ...ctLungsJson(ctLungFindings(ct.slices, ct.rule)) }];
  });
  const chosen = images.find((image) => image.probabilities === mostSuspicious?.classification.probabilities) ?? images[0];
  const written: Record<string, string | string[]> = {};
  // Named after the file when the study is one named file, else after the study (a folder may hold several).
  const stem = input.input === input.files[0] ? input.input : `study-${input.studyInstanceUid}`;
  // A CT slice's heatmap is coloured inside its lungs, at the rendered size (images are kept only when drawing).
  const { ctLungs: drawnLungs, image: drawnImage } = mostSuspicious;
  const lungs = drawnLungs && drawnImage.data.length > 0 ? ctLungsAtSource({ factor: drawnLungs.gridFactor, width: drawnLungs.lungMask.width, sourceWidth: drawnImage.width, sourceHeight: drawnImage.height, lungMask: drawnLungs.lungMask.data }) : undefined;
  const heatmap = await outputs.heatmapPng(stem, mostSuspicious.image, mostSuspicious.classification, lungs);
  if (heatmap) written.heatmap = heatmap;
  if (lungMasks.length > 0) written.lungs = lungMasks;
  if (lesionMasks.length > 0) written.lesions = lesionMasks;
  Object.assign(written, await writeDicomOutputs(stem, outputs, { study, analysed: [...analysed.values()], card: mostSuspicious.card, lungflowVersion: lungflowVersion(), source: { ...mostSuspicious, ...(lungs ? { lungs } : {}) } }));
  return {
    input: input.input,
    ok: true,
    kind: 'dicom',
    task: chosen.task,
    model: chosen.model,
    probabilities: study.probabilities,
    decision: study.decision,
    aggregation: study.method,
    analysedImages: study.analysedImages,
    studyInstanceUid: input.studyInstanceUid,
    images,
    ...(ctSeries.length > 0 ? { series: ctSeries } : {}),
    ...(skipped.length > 0 ? { skipped } : {}),
    outputs: written,
  };
}
