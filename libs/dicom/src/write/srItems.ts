import type { NaturalizedDataset } from '../read';
import type { Code } from './AnalysisResult';

/** LungFlow's private coding scheme (PS3.16 §8: a "99" prefix), declared in Coding Scheme Identification. */
export const LUNGFLOW_CODING_SCHEME = '99LUNGFLOW';

/** Code Value holds at most 16 characters (SH); longer codes (many SNOMED CT extension codes) go to Long Code Value. */
export function codeItem(code: Code): NaturalizedDataset {
  const value = code.value.length > 16 ? { LongCodeValue: code.value } : { CodeValue: code.value };
  return { ...value, CodingSchemeDesignator: code.scheme, CodeMeaning: code.meaning };
}

export type Relationship = 'CONTAINS' | 'HAS OBS CONTEXT' | 'HAS CONCEPT MOD' | 'HAS PROPERTIES' | 'HAS ACQ CONTEXT' | 'INFERRED FROM' | 'SELECTED FROM';

const named = (relationship: Relationship, valueType: string, name: Code): NaturalizedDataset => ({
  RelationshipType: relationship,
  ValueType: valueType,
  ConceptNameCodeSequence: [codeItem(name)],
});

/**
 * SR content items (PS3.3 §C.17.3) as naturalized data sets, built directly: dcmjs's TID 1500 helpers cannot build
 * a measurement group or fill an image library (see UPSTREAM-NOTES.md).
 */
export const srItems = {
  container(relationship: Relationship, name: Code, children: NaturalizedDataset[], template?: string): NaturalizedDataset {
    return {
      ...named(relationship, 'CONTAINER', name),
      ContinuityOfContent: 'SEPARATE',
      ...(template ? { ContentTemplateSequence: [{ MappingResource: 'DCMR', TemplateIdentifier: template }] } : {}),
      ContentSequence: children,
    };
  },
  code(relationship: Relationship, name: Code, value: Code): NaturalizedDataset {
    return { ...named(relationship, 'CODE', name), ConceptCodeSequence: [codeItem(value)] };
  },
  text(relationship: Relationship, name: Code, value: string): NaturalizedDataset {
    return { ...named(relationship, 'TEXT', name), TextValue: value };
  },
  uidref(relationship: Relationship, name: Code, uid: string): NaturalizedDataset {
    return { ...named(relationship, 'UIDREF', name), UID: uid };
  },
  /**
   * A NUM; `inferredFrom` (TID 300: INFERRED FROM TID 320) gives it the SCOORD it was measured on. Viewers that read
   * each NUM's first child as its graphic (OHIF before its PR #5703) throw on a NUM without one.
   */
  num(relationship: Relationship, name: Code, value: number, unit: Code, inferredFrom?: NaturalizedDataset): NaturalizedDataset {
    return {
      ...named(relationship, 'NUM', name),
      MeasuredValueSequence: [{ NumericValue: formatDecimal(value), MeasurementUnitsCodeSequence: [codeItem(unit)] }],
      ...(inferredFrom ? { ContentSequence: [inferredFrom] } : {}),
    };
  },
  /** A 2D SCOORD in the image's pixel coordinates (PS3.3 C.18.6.1.1: 0\0 is the top left corner of the top left pixel), SELECTED FROM the image. */
  scoord(relationship: Relationship, name: Code | undefined, graphicType: 'POINT' | 'POLYLINE', points: readonly number[], image: NaturalizedDataset): NaturalizedDataset {
    return {
      RelationshipType: relationship,
      ValueType: 'SCOORD',
      ...(name ? { ConceptNameCodeSequence: [codeItem(name)] } : {}),
      GraphicType: graphicType,
      GraphicData: points.map((p) => Math.fround(p)),
      ContentSequence: [{ ...image, RelationshipType: 'SELECTED FROM' }],
    };
  },
  /** An IMAGE reference; `frame` for one frame of a multi-frame image, `segmentNumber` for one segment of a SEG. */
  image(relationship: Relationship, sopClassUid: string, sopInstanceUid: string, name?: Code, within: { segmentNumber?: number; frame?: number } = {}): NaturalizedDataset {
    return {
      RelationshipType: relationship,
      ValueType: 'IMAGE',
      ...(name ? { ConceptNameCodeSequence: [codeItem(name)] } : {}),
      ReferencedSOPSequence: [
        {
          ReferencedSOPClassUID: sopClassUid,
          ReferencedSOPInstanceUID: sopInstanceUid,
          ...(within.frame ? { ReferencedFrameNumber: within.frame } : {}),
          ...(within.segmentNumber ? { ReferencedSegmentNumber: within.segmentNumber } : {}),
        },
      ],
    };
  },
};

/** A DS value: at most 16 characters (PS3.5 §6.2), enough for a probability to 1e-10. */
export function formatDecimal(value: number): string {
  if (!Number.isFinite(value)) throw new RangeError(`not a finite number: ${value}`);
  for (let digits = 10; digits >= 1; digits -= 1) {
    const text = String(Number(value.toFixed(digits)));
    if (text.length <= 16) return text;
  }
  return value.toExponential(6);
}
