export { studyKey as reportStoredV2Key } from '../common';
