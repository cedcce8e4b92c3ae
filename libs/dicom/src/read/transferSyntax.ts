/**
 * Transfer syntaxes LungFlow meets (PS3.5 Section 10 and Annex A), with the names used in error messages. A UID
 * missing here is unknown: reading still works, decoding its pixels is refused with its UID in the message.
 */
export const TRANSFER_SYNTAX = {
  implicitLittle: '1.2.840.10008.1.2',
  explicitLittle: '1.2.840.10008.1.2.1',
  deflatedExplicitLittle: '1.2.840.10008.1.2.1.99',
  explicitBig: '1.2.840.10008.1.2.2',
  jpegBaseline: '1.2.840.10008.1.2.4.50',
  jpegExtended: '1.2.840.10008.1.2.4.51',
  jpegLossless: '1.2.840.10008.1.2.4.57',
  jpegLosslessSv1: '1.2.840.10008.1.2.4.70',
  jpegLsLossless: '1.2.840.10008.1.2.4.80',
  jpegLsNearLossless: '1.2.840.10008.1.2.4.81',
  jpeg2000Lossless: '1.2.840.10008.1.2.4.90',
  jpeg2000: '1.2.840.10008.1.2.4.91',
  htj2kLossless: '1.2.840.10008.1.2.4.201',
  htj2kLosslessRpcl: '1.2.840.10008.1.2.4.202',
  htj2k: '1.2.840.10008.1.2.4.203',
  rle: '1.2.840.10008.1.2.5',
  mpeg2: '1.2.840.10008.1.2.4.100',
  h264: '1.2.840.10008.1.2.4.102',
} as const;

const NAMES: Record<string, string> = {
  [TRANSFER_SYNTAX.implicitLittle]: 'Implicit VR Little Endian',
  [TRANSFER_SYNTAX.explicitLittle]: 'Explicit VR Little Endian',
  [TRANSFER_SYNTAX.deflatedExplicitLittle]: 'Deflated Explicit VR Little Endian',
  [TRANSFER_SYNTAX.explicitBig]: 'Explicit VR Big Endian (retired)',
  [TRANSFER_SYNTAX.jpegBaseline]: 'JPEG Baseline (Process 1)',
  [TRANSFER_SYNTAX.jpegExtended]: 'JPEG Extended (Process 2 & 4)',
  [TRANSFER_SYNTAX.jpegLossless]: 'JPEG Lossless, Non-Hierarchical (Process 14)',
  [TRANSFER_SYNTAX.jpegLosslessSv1]: 'JPEG Lossless, First-Order Prediction (Process 14, SV1)',
  [TRANSFER_SYNTAX.jpegLsLossless]: 'JPEG-LS Lossless',
  [TRANSFER_SYNTAX.jpegLsNearLossless]: 'JPEG-LS Lossy (Near-Lossless)',
  [TRANSFER_SYNTAX.jpeg2000Lossless]: 'JPEG 2000 (Lossless Only)',
  [TRANSFER_SYNTAX.jpeg2000]: 'JPEG 2000',
  [TRANSFER_SYNTAX.htj2kLossless]: 'High-Throughput JPEG 2000 (Lossless Only)',
  [TRANSFER_SYNTAX.htj2kLosslessRpcl]: 'High-Throughput JPEG 2000 with RPCL Options (Lossless Only)',
  [TRANSFER_SYNTAX.htj2k]: 'High-Throughput JPEG 2000',
  [TRANSFER_SYNTAX.rle]: 'RLE Lossless',
  [TRANSFER_SYNTAX.mpeg2]: 'MPEG2 Main Profile / Main Level',
  [TRANSFER_SYNTAX.h264]: 'MPEG-4 AVC/H.264 High Profile / Level 4.1',
};

/** "JPEG 2000 (1.2.840.10008.1.2.4.91)": what error messages and logs show for a transfer syntax. */
export function transferSyntaxName(uid: string): string {
  const name = NAMES[uid];
  return name === undefined ? `unknown transfer syntax ${uid}` : `${name} (${uid})`;
}

/** Uncompressed syntaxes keep native pixel data; every other syntax encapsulates it in fragments (PS3.5 A.4). */
export function isNativeTransferSyntax(uid: string): boolean {
  return (
    uid === TRANSFER_SYNTAX.implicitLittle ||
    uid === TRANSFER_SYNTAX.explicitLittle ||
    uid === TRANSFER_SYNTAX.deflatedExplicitLittle ||
    uid === TRANSFER_SYNTAX.explicitBig
  );
}
