import { TRANSFER_SYNTAX } from '@lungflow/dicom';
import { VERIFICATION_SOP_CLASS, decideContext, isCallingAeAllowed } from './presentationContexts';

const CT_IMAGE_STORAGE = '1.2.840.10008.5.1.4.1.1.2';

describe('decideContext (PS3.8 §9.3.2.2 presentation context negotiation)', () => {
  it('accepts Verification and Storage SOP classes with the first proposed syntax we read', () => {
    expect(decideContext(VERIFICATION_SOP_CLASS, [TRANSFER_SYNTAX.implicitLittle])).toEqual({ accept: true, transferSyntaxUid: TRANSFER_SYNTAX.implicitLittle });
    expect(decideContext(CT_IMAGE_STORAGE, [TRANSFER_SYNTAX.jpeg2000Lossless, TRANSFER_SYNTAX.explicitLittle])).toEqual({ accept: true, transferSyntaxUid: TRANSFER_SYNTAX.jpeg2000Lossless });
  });

  it('skips syntaxes the pixel pipeline cannot decode and refuses a context that offers only those', () => {
    expect(decideContext(CT_IMAGE_STORAGE, [TRANSFER_SYNTAX.mpeg2, TRANSFER_SYNTAX.explicitLittle])).toEqual({ accept: true, transferSyntaxUid: TRANSFER_SYNTAX.explicitLittle });
    expect(decideContext(CT_IMAGE_STORAGE, [TRANSFER_SYNTAX.h264])).toEqual({ accept: false, reason: 'transfer-syntaxes-not-supported' });
  });

  it('refuses services other than storage and verification (C-FIND here)', () => {
    expect(decideContext('1.2.840.10008.5.1.4.1.2.2.1', [TRANSFER_SYNTAX.explicitLittle])).toEqual({ accept: false, reason: 'abstract-syntax-not-supported' });
  });
});

describe('isCallingAeAllowed', () => {
  it('compares AE titles without their space padding (PS3.5 §6.2) and admits any with *', () => {
    expect(isCallingAeAllowed('CT01            ', ['CT01'])).toBe(true);
    expect(isCallingAeAllowed('CT02', ['CT01'])).toBe(false);
    expect(isCallingAeAllowed('ANYONE', ['*'])).toBe(true);
    expect(isCallingAeAllowed('CT01', [])).toBe(false);
  });
});
