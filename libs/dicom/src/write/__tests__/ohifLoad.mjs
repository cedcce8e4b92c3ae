/**
 * Loads LungFlow's SR and SEG the way OHIF does, with @cornerstonejs/adapters (the library OHIF's
 * cornerstone-dicom-sr and cornerstone-dicom-seg extensions hydrate with), and prints what came back as JSON.
 *
 * A plain Node ES module run by ohifLoad.test.ts in a child process: the adapters ship only ES modules, which
 * jest's CommonJS transform would have to rewrite (with cornerstone core and tools) first. No DOM or canvas is
 * needed: hydration only reads metadata and pixel data.
 *
 * Usage: node ohifLoad.mjs <source.dcm> <sr.dcm> <seg.dcm>
 * A multi-frame source gets one imageId per frame (`…/frames/<n>`), each described with its own geometry as OHIF's
 * metadata provider does for enhanced objects (the Shared Functional Groups, then the frame's Per-Frame ones).
 */
import { readFileSync } from 'node:fs';
import { adaptersSEG, adaptersSR } from '@cornerstonejs/adapters';
import { metaData, utilities } from '@cornerstonejs/core';
import dcmjs from 'dcmjs';

const [sourcePath, srPath, segPath] = process.argv.slice(2);
const arrayBuffer = (path) => {
  const bytes = readFileSync(path);
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
};
const naturalized = (path) => {
  const file = dcmjs.data.DicomMessage.readFile(arrayBuffer(path));
  return dcmjs.data.DicomMetaDictionary.naturalizeDataset(file.dict);
};

// The source image as OHIF's metadata provider describes it (from its DICOMweb metadata, naturalized). Radiographs
// have no Image Plane attributes: cornerstone then uses the identity orientation and unit spacing, as here.
const source = naturalized(sourcePath);
const frameCount = Math.max(1, Number(source.NumberOfFrames ?? 1));
const imageIds = Array.from({ length: frameCount }, (_, i) => `wadors:/dicom-web/studies/${source.StudyInstanceUID}/series/${source.SeriesInstanceUID}/instances/${source.SOPInstanceUID}/frames/${i + 1}`);
const imageId = imageIds[0];
const numbers = (value, n) => (Array.isArray(value) && value.length === n ? value.map(Number) : undefined);
/** The frame's attributes: the instance's own, then its Shared and Per-Frame Functional Groups' macros flattened in. */
const frameAttributes = (index) => {
  const flat = { ...source };
  for (const groups of [source.SharedFunctionalGroupsSequence?.[0], source.PerFrameFunctionalGroupsSequence?.[index]]) {
    for (const macro of Object.values(groups ?? {})) if (Array.isArray(macro) && macro[0] && typeof macro[0] === 'object') Object.assign(flat, macro[0]);
  }
  return flat;
};
const modulesOf = (index) => {
  const frame = frameAttributes(index);
  const orientation = numbers(frame.ImageOrientationPatient, 6) ?? [1, 0, 0, 0, 1, 0];
  const spacing = numbers(frame.PixelSpacing, 2) ?? numbers(frame.ImagerPixelSpacing, 2) ?? [1, 1];
  return {
    instance: source,
    imagePlaneModule: {
      frameOfReferenceUID: source.FrameOfReferenceUID,
      rows: source.Rows,
      columns: source.Columns,
      imageOrientationPatient: orientation,
      rowCosines: orientation.slice(0, 3),
      columnCosines: orientation.slice(3, 6),
      imagePositionPatient: numbers(frame.ImagePositionPatient, 3) ?? [0, 0, 0],
      pixelSpacing: spacing,
      rowPixelSpacing: spacing[0],
      columnPixelSpacing: spacing[1],
    },
    generalSeriesModule: { modality: source.Modality, seriesInstanceUID: source.SeriesInstanceUID, studyInstanceUID: source.StudyInstanceUID },
    generalImageModule: { sopInstanceUID: source.SOPInstanceUID, instanceNumber: source.InstanceNumber },
    sopCommonModule: { sopInstanceUID: source.SOPInstanceUID, sopClassUID: source.SOPClassUID },
    imagePixelModule: { rows: source.Rows, columns: source.Columns, bitsAllocated: source.BitsAllocated, bitsStored: source.BitsStored, samplesPerPixel: 1, pixelRepresentation: source.PixelRepresentation ?? 0, photometricInterpretation: source.PhotometricInterpretation },
  };
};
const modulesById = new Map(imageIds.map((id, index) => [id, modulesOf(index)]));
metaData.addProvider((type, id) => modulesById.get(id)?.[type], 10_000);

const out = { imageId, imageIds, sr: {}, seg: {} };

// SR: what OHIF's hydrateStructuredReport calls. Groups the adapters cannot read are dropped with a warning there;
// here they are counted, so the test sees any that fail.
const sr = naturalized(srPath);
const warnings = [];
const logger = utilities.logger.adaptersLog.getLogger('Cornerstone3D.MeasurementReport');
const warn = logger.warn.bind(logger);
logger.warn = (...args) => {
  warnings.push(String(args.at(-1)?.message ?? args.at(-1)));
  warn(...args);
};
const toolState = adaptersSR.Cornerstone3D.MeasurementReport.generateToolState(sr, Object.fromEntries(imageIds.map((id, i) => [`${source.SOPInstanceUID}:${i + 1}`, id])), metaData);
out.sr.warnings = warnings;
out.sr.measurements = Object.entries(toolState).flatMap(([toolType, list]) =>
  list.map((m) => ({
    toolType,
    trackingUniqueIdentifier: m.TrackingUniqueIdentifier,
    referencedImageId: m.annotation.metadata.referencedImageId,
    sopInstanceUid: m.sopInstanceUid,
    finding: m.finding?.CodeMeaning,
    findingSites: (m.findingSites ?? []).map((s) => s.CodeMeaning),
    // World coordinates back to the image's pixel coordinates, the frame the SR's SCOORD was written in.
    imagePoints: m.annotation.data.handles.points.map((p) => utilities.worldToImageCoords(imageId, p)),
    value: Object.values(m.annotation.data.cachedStats ?? {})[0]?.value ?? null,
  })),
);

// SEG: what OHIF's cornerstone-dicom-seg loads (createFromDICOMSegBuffer → one labelmap per referenced image).
try {
  const seg = await adaptersSEG.Cornerstone3D.Segmentation.createFromDICOMSegBuffer(imageIds, arrayBuffer(segPath), { metadataProvider: metaData });
  out.seg.segments = seg.segMetadata.data.filter(Boolean).map((s) => ({ number: s.SegmentNumber, label: s.SegmentLabel, algorithmType: s.SegmentAlgorithmType }));
  out.seg.overlapping = seg.overlappingSegments;
  out.seg.segmentsOnFrame = seg.segmentsOnFrame;
  // Per segment, the pixels the labelmap(s) give it, on the source grid.
  // And per source image (referencedImageId), the labelled pixels: which frame the segments landed on.
  const counts = {};
  const byImage = {};
  for (const images of seg.labelMapImages) {
    for (const image of images) {
      const data = image.voxelManager ? image.voxelManager.getScalarData() : image.getPixelData();
      counts.length = data.length;
      for (let i = 0; i < data.length; i += 1) {
        if (!data[i]) continue;
        counts[data[i]] = (counts[data[i]] ?? 0) + 1;
        byImage[image.referencedImageId] = (byImage[image.referencedImageId] ?? 0) + 1;
      }
    }
  }
  out.seg.pixelCounts = counts;
  out.seg.pixelsByImage = byImage;
  out.seg.labelmapImages = seg.labelMapImages.map((images) => images.map((image) => ({ rows: image.rows, columns: image.columns, referencedImageId: image.referencedImageId })));
} catch (error) {
  out.seg.error = String(error?.stack ?? error);
}
process.stdout.write(`${JSON.stringify(out)}\n`);
process.exit(0);
