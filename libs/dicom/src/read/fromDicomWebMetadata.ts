import { attr } from './attr';
import type { DicomInstance } from './DicomInstance';
import { dicomWebJsonToNaturalized } from './dicomWebJsonToNaturalized';
import { pixelBudget } from './pixelBudget';
import { resolveReadLimits, type ReadLimits } from './readLimits';
import { TRANSFER_SYNTAX, isNativeTransferSyntax } from './transferSyntax';

export interface DicomWebFramesOptions {
  /**
   * The syntax the frames arrived in. LungFlow asks WADO-RS for
   * `application/octet-stream; transfer-syntax=1.2.840.10008.1.2.1`, so frames are native little-endian bytes.
   * A PACS that cannot transcode may send the stored syntax; such frames are decoded like a file's.
   */
  transferSyntaxUid?: string;
  limits?: Partial<ReadLimits>;
}

/**
 * Builds a DicomInstance from WADO-RS metadata (DICOM JSON) and the frames retrieved for it. `frames` holds the
 * bytes of each frame in order (frame 1 first); pass an empty array to classify an instance from its header alone.
 */
export function fromDicomWebMetadata(
  json: unknown,
  frames: readonly Uint8Array[],
  options: DicomWebFramesOptions = {},
): DicomInstance {
  const dataset = dicomWebJsonToNaturalized(json);
  const transferSyntaxUid = options.transferSyntaxUid ?? TRANSFER_SYNTAX.explicitLittle;
  const sopInstanceUid = attr.string(dataset, 'SOPInstanceUID');
  pixelBudget(dataset, resolveReadLimits(options.limits), sopInstanceUid);
  return {
    dataset,
    transferSyntaxUid,
    sopInstanceUid,
    sopClassUid: attr.string(dataset, 'SOPClassUID'),
    pixelData:
      frames.length === 0
        ? undefined
        : isNativeTransferSyntax(transferSyntaxUid)
          ? { encapsulated: false, buffers: [...frames], bigEndian: transferSyntaxUid === TRANSFER_SYNTAX.explicitBig }
          : { encapsulated: true, frames: [...frames] },
    source: 'dicomweb',
  };
}
