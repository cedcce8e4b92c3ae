import { fakeClassify } from './__tests__/fakes';
import { CT_TOO_THIN, decideSeries } from './filter';
import type { SeriesListing } from './pacs/StudyInventory';

const CT_IMAGE = '1.2.840.10008.5.1.4.1.1.2';
const ENHANCED_CT = '1.2.840.10008.5.1.4.1.1.2.1';

function series(count: number, sopClassUid: string, frames = 1): SeriesListing {
  return { seriesInstanceUid: '1.2.3', modality: 'CT', instances: Array.from({ length: count }, (_, i) => ({ sopInstanceUid: `1.2.3.${i + 1}`, sopClassUid, numberOfFrames: frames })) };
}

describe('decideSeries', () => {
  it('passes on the shared scope decision for out-of-scope series', () => {
    expect(decideSeries(series(40, CT_IMAGE), { Modality: 'CT', BodyPartExamined: 'HEAD', SOPClassUID: CT_IMAGE }, fakeClassify, 20)).toEqual({ inScope: false, reason: 'body-part' });
  });

  it('rejects CT series below the minimum slice count, counting frames of multi-frame objects', () => {
    const attrs = { Modality: 'CT', BodyPartExamined: 'CHEST', SOPClassUID: CT_IMAGE };
    expect(decideSeries(series(19, CT_IMAGE), attrs, fakeClassify, 20)).toEqual({ inScope: false, reason: CT_TOO_THIN });
    expect(decideSeries(series(20, CT_IMAGE), attrs, fakeClassify, 20).inScope).toBe(true);
    const enhanced = { ...attrs, SOPClassUID: ENHANCED_CT };
    expect(decideSeries(series(1, ENHANCED_CT, 120), enhanced, fakeClassify, 20).inScope).toBe(true);
  });

  it('does not apply the slice minimum to radiographs, and keeps only instances of the classified SOP class', () => {
    const cr = { ...series(1, '1.2.840.10008.5.1.4.1.1.1'), modality: 'CR' };
    cr.instances.push({ sopInstanceUid: '1.2.3.99', sopClassUid: '1.2.840.10008.5.1.4.1.1.11.1', numberOfFrames: 1 });
    const decision = decideSeries(cr, { Modality: 'CR', SOPClassUID: '1.2.840.10008.5.1.4.1.1.1' }, fakeClassify, 20);
    expect(decision.inScope && decision.instances.map((i) => i.sopInstanceUid)).toEqual(['1.2.3.1']);
  });
});
