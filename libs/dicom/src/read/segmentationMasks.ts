import { DicomError } from '../errors';
import { attr } from './attr';
import { concat } from './concat';
import type { DicomInstance } from './DicomInstance';

export interface SegmentMask {
  number: number;
  label: string;
  /** 0/1 per pixel on the SEG's Rows × Columns, row-major. */
  data: Uint8Array;
}

/**
 * The frames of a binary DICOM Segmentation, one mask per segment (frames of one segment are OR-ed: a projection
 * radiograph has one frame per segment, a multi-slice SEG several; what the study view draws is their union).
 * Only BINARY SEGs in a native transfer syntax: what LungFlow writes. Anything else is refused with a DicomError.
 */
export function segmentationMasks(instance: DicomInstance): { rows: number; columns: number; segments: SegmentMask[] } {
  const { dataset, pixelData } = instance;
  const rows = attr.number(dataset, 'Rows');
  const columns = attr.number(dataset, 'Columns');
  if (!rows || !columns) throw new DicomError('DICOM_BAD_PIXEL_ATTRIBUTES', 'segmentation has no Rows or Columns');
  if (attr.string(dataset, 'SegmentationType') !== 'BINARY' || attr.number(dataset, 'BitsAllocated') !== 1) {
    throw new DicomError('DICOM_UNSUPPORTED_PIXEL_FORMAT', 'only BINARY segmentations with 1-bit frames are read');
  }
  if (!pixelData || pixelData.encapsulated) throw new DicomError(pixelData ? 'DICOM_UNSUPPORTED_TRANSFER_SYNTAX' : 'DICOM_NO_PIXEL_DATA', 'segmentation without native Pixel Data');
  const bits = concat(...pixelData.buffers);
  const frames = Number(attr.number(dataset, 'NumberOfFrames') ?? 1);
  const pixels = rows * columns;
  if (bits.length * 8 < frames * pixels) throw new DicomError('DICOM_TRUNCATED', `segmentation Pixel Data holds ${bits.length * 8} bits for ${frames} frames of ${pixels}`);
  const described = new Map<number, string>();
  for (const segment of (dataset.SegmentSequence as Array<Record<string, unknown>> | undefined) ?? []) {
    described.set(Number(segment.SegmentNumber), String(segment.SegmentLabel ?? ''));
  }
  const perFrame = (dataset.PerFrameFunctionalGroupsSequence as Array<Record<string, unknown>> | undefined) ?? [];
  const masks = new Map<number, Uint8Array>();
  for (let frame = 0; frame < frames; frame += 1) {
    const identification = (perFrame[frame]?.SegmentIdentificationSequence as Array<Record<string, unknown>> | undefined)?.[0];
    const number = Number(identification?.ReferencedSegmentNumber ?? frame + 1);
    let mask = masks.get(number);
    if (!mask) masks.set(number, (mask = new Uint8Array(pixels)));
    // Frames follow each other bit by bit (PS3.5 §8.1.1), first pixel in the least significant bit.
    const start = frame * pixels;
    for (let i = 0; i < pixels; i += 1) {
      const bit = start + i;
      if (((bits[bit >> 3] as number) >> (bit & 7)) & 1) mask[i] = 1;
    }
  }
  return { rows, columns, segments: [...masks].sort((a, b) => a[0] - b[0]).map(([number, data]) => ({ number, label: described.get(number) ?? '', data })) };
}
