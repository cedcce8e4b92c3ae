import { existsSync, readFileSync } from 'fs';
import path from 'path';

/** The shared data folder: ../shared/data beside the repository, or LUNGFLOW_SHARED_DIR/data. Never copied in. */
export function sharedDicomDir(): string {
  const repoRoot = path.resolve(__dirname, '../../../../..');
  const shared = process.env.LUNGFLOW_SHARED_DIR ?? path.resolve(repoRoot, '../shared');
  return path.join(shared, 'data', 'dicom');
}

/** The real sample files of shared/data/dicom (SOURCES.md), by role. */
export const SAMPLE = {
  crJpeg2000Mono1: 'pydicom_data/RG1_J2KI.dcm',
  headCtJpeg2000: 'pydicom_data/693_J2KR.dcm',
  enhancedCtMultiFrame: 'pydicom_data/eCT_Supplemental.dcm',
  ctSmall: 'pydicom_debian_pkg/CT_small.dcm',
  crJpegBaseline: 'torchxrayvision/1.2.276.0.7230010.3.1.4.8323329.6904.1517875201.850819.dcm',
  crMono1NoPreamble: 'fo_dicom_via_dcmfx/CR-MONO1-10-chest.dcm',
  ctAxialIntercept1024: 'tcia_covid19_ny_sbu/A048383/axial/19001231-30.dcm',
  ctCoronalIntercept0: 'tcia_covid19_ny_sbu/A098752/coronal/19001231-053.dcm',
} as const;

export const NY_SBU_SLICES = [
  'A048383/axial/19001231-30.dcm',
  'A048383/axial/19010410-30.dcm',
  'A048383/coronal/19001231-057.dcm',
  'A048383/coronal/19010410-052.dcm',
  'A048383/sagittal/19001231-065.dcm',
  'A048383/sagittal/19010410-060.dcm',
  'A098752/axial/19001231-32.dcm',
  'A098752/axial/19010127-128.dcm',
  'A098752/coronal/19001231-053.dcm',
  'A098752/coronal/19010127-134.dcm',
  'A098752/sagittal/19001231-065.dcm',
  'A098752/sagittal/19010127-174.dcm',
].map((f) => `tcia_covid19_ny_sbu/${f}`);

export function samplePath(relative: string): string {
  const file = path.join(sharedDicomDir(), relative);
  if (!existsSync(file)) throw new Error(`sample ${relative} missing: is ../shared/data present (or LUNGFLOW_SHARED_DIR set)?`);
  return file;
}

export function readSample(relative: string): Uint8Array {
  return new Uint8Array(readFileSync(samplePath(relative)));
}
