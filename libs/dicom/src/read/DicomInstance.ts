import type { NaturalizedDataset } from './attr';

/** Pixel Data as stored: native buffers, or one compressed byte stream per frame (PS3.5 A.4). */
export type PixelData =
  | {
      encapsulated: false;
      /** One buffer holding all frames (Part-10), or one buffer per frame (WADO-RS frames). */
      buffers: Uint8Array[];
      /** Pixel Data of a big-endian syntax keeps its byte order; decodeFrame swaps it. */
      bigEndian: boolean;
    }
  | {
      encapsulated: true;
      /** The compressed bytes of each frame, fragments already joined. */
      frames: Uint8Array[];
    };

/** One DICOM instance, read from a Part-10 file or from DICOMweb metadata plus frames. */
export interface DicomInstance {
  /** Every attribute but Pixel Data, by keyword (dcmjs naturalized form). */
  dataset: NaturalizedDataset;
  /** Transfer syntax of `pixelData`: the file's syntax, or the syntax the PACS sent the frames in. */
  transferSyntaxUid: string;
  sopInstanceUid?: string;
  sopClassUid?: string;
  /** Absent when the object has no Pixel Data (SR, KOS, ...), or when only its header was read. */
  pixelData?: PixelData;
  source: 'part10' | 'dicomweb';
}
