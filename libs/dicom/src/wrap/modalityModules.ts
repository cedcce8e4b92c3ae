import type { NaturalizedDataset } from '../read';
import type { GrayPixels } from './loadGrayPixels';

export type WrapModality = 'CR' | 'DX' | 'CT';

export const SOP_CLASS_BY_MODALITY: Record<WrapModality, string> = {
  CR: '1.2.840.10008.5.1.4.1.1.1', // Computed Radiography Image Storage
  DX: '1.2.840.10008.5.1.4.1.1.1.1', // Digital X-Ray Image Storage - For Presentation
  CT: '1.2.840.10008.5.1.4.1.1.2', // CT Image Storage
};

export type CtPlane = 'axial' | 'coronal' | 'sagittal';

export interface CtOptions {
  /** Stored value * slope + intercept = output value. The output is NOT in Hounsfield units (RescaleType US). */
  rescaleSlope?: number;
  rescaleIntercept?: number;
  sliceThicknessMm?: number;
  plane?: CtPlane;
  /** Patient position (General Series, 2C for CT). Default HFS. */
  patientPosition?: string;
}

export interface ModalityInput {
  modality: WrapModality;
  pixels: GrayPixels;
  viewPosition: string;
  patientOrientation: readonly [string, string] | undefined;
  /** Nominal pixel spacing in mm, [row spacing, column spacing]. */
  pixelSpacingMm: readonly [number, number];
  frameOfReferenceUid: string;
  ct: CtOptions;
}

// Direction cosines for the planes (PS3.3 C.7.6.2.1.1): rows then columns.
const ORIENTATION: Record<CtPlane, number[]> = {
  axial: [1, 0, 0, 0, 1, 0],
  coronal: [1, 0, 0, 0, 0, -1],
  sagittal: [0, 1, 0, 0, 0, -1],
};

// (51185008, SCT, "Chest"): CID 4031 Common Anatomic Regions, for the DX Anatomy Imaged module.
const CHEST_REGION = { CodeValue: '51185008', CodingSchemeDesignator: 'SCT', CodeMeaning: 'Chest' };

/** Modules that differ between CR, DX and CT: series specifics, image pixel layout, geometry, presentation. */
export function modalityModules(input: ModalityInput): { attributes: NaturalizedDataset; pixelData: ArrayBuffer; pixelVr: 'OB' | 'OW' } {
  const { pixels } = input;
  const eightBit = {
    SamplesPerPixel: 1,
    PhotometricInterpretation: 'MONOCHROME2',
    Rows: pixels.rows,
    Columns: pixels.columns,
    BitsAllocated: 8,
    BitsStored: 8,
    HighBit: 7,
    PixelRepresentation: 0,
  };
  const pixelData8 = pixels.data.slice().buffer;
  const orientation = input.patientOrientation ? [...input.patientOrientation] : [];

  switch (input.modality) {
    case 'CR':
      return {
        attributes: {
          ...eightBit,
          ImageType: ['DERIVED', 'SECONDARY'],
          ViewPosition: input.viewPosition,
          PatientOrientation: orientation,
          ImagerPixelSpacing: [...input.pixelSpacingMm],
          WindowCenter: 128,
          WindowWidth: 256,
        },
        pixelData: pixelData8,
        pixelVr: 'OB',
      };
    case 'DX':
      return {
        attributes: {
          ...eightBit,
          ImageType: ['DERIVED', 'SECONDARY'],
          PresentationIntentType: 'FOR PRESENTATION',
          ViewPosition: input.viewPosition,
          PositionerType: '',
          // DX Image requires Patient Orientation (PS3.3 C.8.11.3); a frontal chest is conventionally L\F.
          PatientOrientation: orientation.length === 2 ? orientation : ['L', 'F'],
          ImageLaterality: 'U',
          AnatomicRegionSequence: [CHEST_REGION],
          AcquisitionContextSequence: [],
          DetectorType: '',
          ImagerPixelSpacing: [...input.pixelSpacingMm],
          // A digitised film or figure: log-like, brighter where the beam was attenuated more (sign -1).
          PixelIntensityRelationship: 'LOG',
          PixelIntensityRelationshipSign: -1,
          RescaleIntercept: 0,
          RescaleSlope: 1,
          RescaleType: 'US',
          PresentationLUTShape: 'IDENTITY',
          WindowCenter: 128,
          WindowWidth: 256,
        },
        pixelData: pixelData8,
        pixelVr: 'OB',
      };
    case 'CT': {
      // CT Image Storage needs 16-bit pixels (PS3.3 C.8.2.1.1.4); the 8-bit grey values are stored unchanged.
      const words = new Uint16Array(pixels.data.length);
      words.set(pixels.data);
      const plane = input.ct.plane ?? 'axial';
      const slope = input.ct.rescaleSlope ?? 1;
      const intercept = input.ct.rescaleIntercept ?? 0;
      return {
        attributes: {
          ...eightBit,
          BitsAllocated: 16,
          BitsStored: 16,
          HighBit: 15,
          ImageType: ['DERIVED', 'SECONDARY', 'AXIAL'],
          PatientPosition: input.ct.patientPosition ?? 'HFS',
          FrameOfReferenceUID: input.frameOfReferenceUid,
          PositionReferenceIndicator: '',
          PixelSpacing: [...input.pixelSpacingMm],
          ImageOrientationPatient: ORIENTATION[plane],
          ImagePositionPatient: [0, 0, 0],
          SliceThickness: input.ct.sliceThicknessMm ?? 1,
          KVP: '',
          AcquisitionNumber: '',
          RescaleSlope: slope,
          RescaleIntercept: intercept,
          // Not Hounsfield units: the source was a greyscale picture, not a CT reconstruction.
          RescaleType: 'US',
          WindowCenter: 128 * slope + intercept,
          WindowWidth: 256 * Math.abs(slope),
        },
        pixelData: words.buffer,
        pixelVr: 'OW',
      };
    }
  }
}
