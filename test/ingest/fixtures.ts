import { LUNGFLOW_MANUFACTURER, LUNGFLOW_MODEL_NAME, readPart10, secondaryCapture, structuredReport } from '@lungflow/dicom';
import type { AnalysisResult } from '@lungflow/dicom';
import { newUid, rewriteDicom, sharedDicom } from '../helpers/dicomFixtures';

/** Real images from ../shared/data/dicom under new UIDs (see SOURCES.md for what each file is). */
export const FILES = {
  cxrPa: 'torchxrayvision/1.2.276.0.7230010.3.1.4.8323329.6904.1517875201.850819.dcm', // CR chest PA, JPEG baseline
  cxrJ2k: 'pydicom_data/RG1_J2KI.dcm', // CR chest PA, JPEG 2000
  chestCtSlice: 'tcia_covid19_ny_sbu/A048383/axial/19001231-30.dcm', // CT, "CT CHEST WO IV CONT", no Body Part
  headCt: 'pydicom_data/693_J2KR.dcm', // CT head
};

export interface TestStudy {
  studyUid: string;
  instances: Buffer[];
}

export function today(): string {
  return new Date().toISOString().slice(0, 10).replace(/-/g, '');
}

/** One chest radiograph in a new study (or a new series of `studyUid`). */
export function cxrStudy(file: keyof typeof FILES = 'cxrPa', studyUid = newUid(), set: Record<string, string | null> = {}): TestStudy {
  return { studyUid, instances: [rewriteDicom(sharedDicom(FILES[file]), { studyUid, seriesUid: newUid(), set })] };
}

/** A chest CT series of `slices` copies of a real axial slice, each its own SOP Instance. */
export function chestCtStudy(slices = 3, studyUid = newUid()): TestStudy {
  const seriesUid = newUid();
  const source = sharedDicom(FILES.chestCtSlice);
  return { studyUid, instances: Array.from({ length: slices }, (_, i) => rewriteDicom(source, { studyUid, seriesUid, set: { InstanceNumber: String(i + 1) } })) };
}

/** The real head CT, as a series of `slices` instances. */
export function headCtStudy(slices = 3, studyUid = newUid()): TestStudy {
  const seriesUid = newUid();
  const source = sharedDicom(FILES.headCt);
  return { studyUid, instances: Array.from({ length: slices }, () => rewriteDicom(source, { studyUid, seriesUid })) };
}

/** A non-image object: a real chest CR header turned into a Basic Text SR without pixel data. */
export function nonImageStudy(studyUid = newUid()): TestStudy {
  const instance = rewriteDicom(sharedDicom(FILES.cxrJ2k), {
    studyUid,
    seriesUid: newUid(),
    stripPixels: true,
    set: { SOPClassUID: '1.2.840.10008.5.1.4.1.1.88.11', Modality: 'SR' },
  });
  return { studyUid, instances: [instance] };
}

/**
 * LungFlow's own output as the PACS would hold it: a chest image (so modality, anatomy and SOP class would all
 * pass) carrying LungFlow's equipment identity: only that identity can keep it out. Its Series Description says
 * nothing about LungFlow, so a description-based filter would not catch it.
 */
export function oursStudy(studyUid = newUid()): TestStudy {
  return cxrStudy('cxrPa', studyUid, {
    Manufacturer: LUNGFLOW_MANUFACTURER,
    ManufacturerModelName: LUNGFLOW_MODEL_NAME,
    SOPClassUID: '1.2.840.10008.5.1.4.1.1.7',
    SeriesDescription: 'PA',
  });
}

/**
 * LungFlow's real output for an analysed instance, as the report service writes it back to the PACS: the TID 1500
 * SR and a Secondary Capture, both from libs/dicom's writers (same study as the source, new series).
 */
export function lungflowResults(sourceInstance: Buffer): Buffer[] {
  const source = readPart10(new Uint8Array(sourceInstance)).dataset;
  const result: AnalysisResult = {
    source,
    model: { id: 'cxr-test', name: 'LungFlow CXR test model', version: '0.0.1', fileSha256: '0'.repeat(64) },
    classes: [
      { name: 'covid19', code: { value: '882784691000119100', scheme: 'SCT', meaning: 'Pneumonia caused by SARS-CoV-2' }, probability: 0.7 },
      { name: 'no_finding', code: { value: '17621005', scheme: 'SCT', meaning: 'Normal' }, probability: 0.3 },
    ],
    decision: { className: 'covid19', threshold: 0.5, positive: true },
  };
  const width = 64;
  const height = 64;
  const pixels = { data: new Uint8Array(width * height * 3).fill(128), width, height, channels: 3 as const };
  return [structuredReport(result).part10, secondaryCapture(result, pixels).part10].map((bytes) => Buffer.from(bytes));
}
