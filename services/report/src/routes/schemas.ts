/** JSON schemas of the worklist API: they validate input, shape output and make the OpenAPI document. */
const uidPattern = '^[0-9]+(\\.[0-9]+)*$';

const storedObject = {
  type: 'object',
  properties: {
    studyInstanceUid: { type: 'string' },
    seriesInstanceUid: { type: 'string' },
    sopInstanceUid: { type: 'string' },
    sopClassUid: { type: 'string' },
    wadoRsUrl: { type: 'string', description: 'WADO-RS URL of the object in the PACS' },
  },
} as const;

export const worklistItem = {
  $id: 'WorklistItem',
  type: 'object',
  properties: {
    studyInstanceUid: { type: 'string' },
    studyVersion: { type: 'integer' },
    modality: { type: 'string' },
    decision: { type: 'object', properties: { className: { type: 'string' }, threshold: { type: 'number' }, positive: { type: 'boolean' } } },
    probability: { type: 'number', description: "study-level probability of the decision's class" },
    probabilities: { type: 'object', additionalProperties: { type: 'number' } },
    model: { type: 'object', properties: { id: { type: 'string' }, version: { type: 'string' }, sha256: { type: 'string' } } },
    source: { type: 'object', properties: { seriesInstanceUid: { type: 'string' }, sopInstanceUid: { type: 'string' }, frame: { type: 'integer' } } },
    sr: storedObject,
    sc: storedObject,
    seg: { ...storedObject, description: 'lung and lesion SEG; only for results with lesion findings' },
    lesions: {
      type: 'object',
      description: 'lesion share of the lungs (0..1) and severity scores predicted from it (Brixia 0-18, Cohen extent 0-8 and opacity 0-6; null without a model); only for results with lesion findings',
      properties: { areaFraction: { type: 'number' }, brixiaGlobal: { type: ['number', 'null'] }, extent: { type: ['number', 'null'] }, opacity: { type: ['number', 'null'] } },
    },
    ctLungs: {
      type: 'object',
      description: 'CT results: lung volume of the drawn series (mL, classical HU segmentation; null without spacing) and the share of it the model\'s activation map marks (CAM-based estimate, not a lesion segmentation)',
      properties: { lungVolumeMl: { type: ['number', 'null'] }, involvedFraction: { type: 'number' } },
    },
    analysedImages: { type: 'integer' },
    sourceDevice: { type: 'string', description: "the acquiring device: Manufacturer and Manufacturer's Model Name of the analysed image" },
    listedAt: { type: 'string', format: 'date-time' },
    reportedAt: { type: 'string', format: 'date-time' },
    inferredAt: { type: 'string', format: 'date-time' },
    read: { type: 'boolean' },
    readAt: { type: ['string', 'null'] },
    priority: { type: 'number', description: 'urgency + 2 points per hour on the worklist; larger is read first' },
  },
} as const;

export const studyParams = {
  type: 'object',
  required: ['studyInstanceUid'],
  properties: { studyInstanceUid: { type: 'string', pattern: uidPattern, maxLength: 64 } },
} as const;

/** Deprecated and refused unless REPORT_TOKEN_IN_URL=true: use the Authorization header or the page's session cookie. */
export const tokenInUrl = { type: 'string', description: 'Deprecated (REPORT_TOKEN_IN_URL only): the bearer token in the URL, where logs and browser history keep it' } as const;

export const listQuery = {
  type: 'object',
  properties: {
    modality: { type: 'string', enum: ['CR', 'DX', 'CT'] },
    decision: { type: 'string', description: '`positive`, `negative` or the class name the decision is about', maxLength: 64 },
    unread: { type: 'boolean' },
    limit: { type: 'integer', minimum: 1, maximum: 1000 },
    access_token: tokenInUrl,
  },
} as const;

export const errorBody = { type: 'object', properties: { error: { type: 'string' }, message: { type: 'string' } } } as const;
