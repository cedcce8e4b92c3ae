import { deflateRawSync } from 'node:zlib';
import { part10FromDataSet } from '../../write/part10FromDataSet';
import { writePart10 } from '../../write/writePart10';
import { readFileMeta } from '../fileMeta';
import { TRANSFER_SYNTAX } from '../transferSyntax';

export interface DeflatedInstance {
  part10: Uint8Array;
  /** The data set as sent over DIMSE in the Deflated syntax (what a C-STORE carries). */
  deflatedDataSet: Uint8Array;
  studyInstanceUid: string;
  sopInstanceUid: string;
  inflatedBytes: number;
}

/**
 * A Deflated Explicit VR Little Endian (PS3.5 §A.5) secondary capture whose Pixel Data is `rows × columns` 16-bit
 * pixels, all `fill`: zeros make a deflate bomb (64 MiB at 4,096 × 8,192 deflates to ~65 KB); random-ish pixels
 * make an ordinary deflated image.
 */
export function deflatedInstance(rows: number, columns: number, options: { fill?: 'zeros' | 'noise'; sopInstanceUid?: string } = {}): DeflatedInstance {
  const sopInstanceUid = options.sopInstanceUid ?? `2.25.${rows}${columns}${options.fill === 'noise' ? 1 : 0}`;
  const studyInstanceUid = `${sopInstanceUid}.1`;
  const sopClassUid = '1.2.840.10008.5.1.4.1.1.7';
  const head = writePart10({
    SOPClassUID: sopClassUid, SOPInstanceUID: sopInstanceUid, StudyInstanceUID: studyInstanceUid, SeriesInstanceUID: `${sopInstanceUid}.2`,
    Modality: 'OT', SamplesPerPixel: 1, PhotometricInterpretation: 'MONOCHROME2', Rows: rows, Columns: columns,
    BitsAllocated: 16, BitsStored: 12, HighBit: 11, PixelRepresentation: 0,
  });
  const elements = head.subarray(readFileMeta(head).dataSetOffset);
  const pixels = Buffer.alloc(rows * columns * 2);
  if (options.fill === 'noise') for (let i = 0, x = 12345; i < pixels.length; i += 2) pixels.writeUInt16LE((x = (x * 1103515245 + 12345) >>> 0) >>> 20, i);
  const pixelHeader = Buffer.alloc(12);
  pixelHeader.writeUInt16LE(0x7fe0, 0);
  pixelHeader.writeUInt16LE(0x0010, 2);
  pixelHeader.write('OW', 4, 'latin1');
  pixelHeader.writeUInt32LE(pixels.length, 8);
  const dataSet = Buffer.concat([elements, pixelHeader, pixels]);
  const deflatedDataSet = new Uint8Array(deflateRawSync(dataSet, { level: 9 }));
  return {
    part10: part10FromDataSet(deflatedDataSet, sopClassUid, sopInstanceUid, TRANSFER_SYNTAX.deflatedExplicitLittle),
    deflatedDataSet,
    studyInstanceUid,
    sopInstanceUid,
    inflatedBytes: dataSet.length,
  };
}
