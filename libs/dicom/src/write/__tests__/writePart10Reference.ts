import dcmjs from 'dcmjs';
import type { NaturalizedDataset } from '../../read';
import { fileMeta } from '../writePart10';

/**
 * writePart10 as it was before it appended Pixel Data itself (commit 6446a8c): the whole data set through dcmjs.
 * The reference writePart10.test.ts and bench/report compare it with.
 */
export function writePart10Reference(dataset: NaturalizedDataset, vrs: Record<string, string> = {}): Uint8Array {
  const { DicomDict, DicomMetaDictionary } = dcmjs.data;
  const dict = new DicomDict(DicomMetaDictionary.denaturalizeDataset(fileMeta(dataset.SOPClassUID as string, dataset.SOPInstanceUID as string, '1.2.840.10008.1.2.1')));
  dict.dict = DicomMetaDictionary.denaturalizeDataset({ ...dataset, _vrMap: vrs });
  return new Uint8Array(dict.write() as ArrayBuffer);
}
