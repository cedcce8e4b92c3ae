import dcmjs from 'dcmjs';
import { fileMeta } from './writePart10';

/**
 * A data set received over DIMSE, encoded in the transfer syntax negotiated for its presentation context, as Part-10
 * bytes: preamble, `DICM`, File Meta (always Explicit VR Little Endian, PS3.10 §7.1), then the data set untouched.
 * Nothing is re-encoded, so the PACS stores exactly what the modality sent (compressed frames included).
 */
export function part10FromDataSet(dataSet: Uint8Array, sopClassUid: string, sopInstanceUid: string, transferSyntaxUid: string): Uint8Array {
  const meta = fileMeta(sopClassUid, sopInstanceUid, transferSyntaxUid);
  const { DicomDict, DicomMetaDictionary } = dcmjs.data;
  // With an empty body dcmjs writes preamble, DICM and the meta group only; the received bytes follow as they are.
  const header = new Uint8Array(new DicomDict(DicomMetaDictionary.denaturalizeDataset(meta)).write() as ArrayBuffer);
  const out = new Uint8Array(header.length + dataSet.length);
  out.set(header, 0);
  out.set(dataSet, header.length);
  return out;
}
