import type { NaturalizedDataset } from '@lungflow/dicom';
import { deviceOf } from './sourceDevice';

describe('deviceOf', () => {
  it('names the device by Manufacturer and Model Name, either alone, or not at all', () => {
    expect(deviceOf({ Manufacturer: 'ACME ', ManufacturerModelName: 'DR-1' } as NaturalizedDataset)).toBe('ACME DR-1');
    expect(deviceOf({ ManufacturerModelName: 'DR-1' } as NaturalizedDataset)).toBe('DR-1');
    expect(deviceOf({ Manufacturer: '  ' } as NaturalizedDataset)).toBeUndefined();
    expect(deviceOf({} as NaturalizedDataset)).toBeUndefined();
  });
});
