import { attr, type NaturalizedDataset } from '@lungflow/dicom';

/** "Manufacturer Model" of the source image, or undefined when it names neither (a device name is not PHI). */
export function deviceOf(dataset: NaturalizedDataset): string | undefined {
  const name = [attr.string(dataset, 'Manufacturer'), attr.string(dataset, 'ManufacturerModelName')]
    .map((part) => part?.trim())
    .filter(Boolean)
    .join(' ');
  return name ? name.slice(0, 64) : undefined;
}
