/**
 * Words that name the anatomy in free-text attributes (descriptions, protocol names, CT filter names) and in
 * Body Part Examined. Matching is on whole words, case- and accent-insensitive. Chest words include the
 * languages of the hospitals LungFlow serves so far (en, es, pt, de, fr, it, nl). Ambiguous words are left out
 * on purpose (Dutch "long", "CAP"/"TAP" protocol acronyms).
 */
export const CHEST_TERMS: readonly string[] = [
  'chest', 'thorax', 'thoracic', 'thx', 'lung', 'lungs', 'pulmonary', 'pulmonar', 'pulmonares', 'cxr', 'hrct',
  'torax', 'toracico', 'toracica', 'thorakal', 'brustkorb', 'lunge', 'poumon', 'poumons', 'thoracique', 'torace',
  'polmone', 'polmoni', 'longen', 'chestabdomen', 'chestabdpelvis',
];

/** Words that name anatomy other than the chest: their presence, without a chest word, puts an object out. */
export const NON_CHEST_TERMS: readonly string[] = [
  'head', 'brain', 'skull', 'cranial', 'cranium', 'cerebral', 'cerebro', 'neuro', 'sinus', 'sinuses', 'orbit',
  'orbits', 'face', 'facial', 'iac', 'temporal', 'dental', 'mandible', 'cabeza', 'craneo', 'cranio',
  'kopf', 'schadel', 'tete', 'crane', 'testa', 'hoofd', 'neck', 'cervical', 'cspine', 'abdomen', 'abd', 'pelvis',
  'lumbar', 'lspine', 'knee', 'hand', 'wrist', 'elbow', 'shoulder', 'hip', 'femur', 'ankle', 'foot', 'feet',
  'extremity', 'breast', 'mammo', 'mammography', 'kidney', 'renal', 'liver', 'cardiac', 'coronary', 'heart',
];

/** SNOMED CT and SNOMED RT/SNM3 codes of Anatomic Region Sequence items (PS3.16 CID 4031). */
export const CHEST_CODES: readonly string[] = ['51185008', '43799004', '39607008', 'T-D3000', 'T-28000', 'T-D3400'];
export const NON_CHEST_CODES: readonly string[] = ['69536005', '12738006', 'T-D1100', 'T-A0100', '818981001', '816092008'];

export type AnatomyVerdict = { anatomy: 'chest' | 'other'; term: string } | undefined;

const normalise = (text: string): string =>
  text
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase();

const chestSet = new Set(CHEST_TERMS);
const otherSet = new Set(NON_CHEST_TERMS);

/**
 * What a free-text value says about anatomy: 'chest' when any chest word occurs (so "CT CHEST ABD PELVIS" is
 * chest), else 'other' when a non-chest word occurs, else nothing. "C-SPINE" and "L-SPINE" are read as one word.
 */
export function anatomyOfText(text: string): AnatomyVerdict {
  const words = normalise(text)
    .replace(/\b([cl])[-\s]spine\b/g, '$1spine')
    .split(/[^a-z0-9]+/)
    .filter((w) => w !== '');
  const chest = words.find((w) => chestSet.has(w));
  if (chest !== undefined) return { anatomy: 'chest', term: chest };
  const other = words.find((w) => otherSet.has(w));
  return other === undefined ? undefined : { anatomy: 'other', term: other };
}
