/**
 * A data set by attribute keyword, as dcmjs naturalizes it (`{ Modality: 'CT', WindowCenter: [40, 400] }`):
 * single values are scalars, multiple values arrays, sequences arrays of data sets.
 */
export type NaturalizedDataset = Record<string, unknown>;

function values(dataset: NaturalizedDataset | undefined, keyword: string): unknown[] {
  const value = dataset?.[keyword];
  if (value === undefined || value === null || value === '') return [];
  if (Array.isArray(value)) return value;
  // Some writers leave multi-valued DS/IS as one backslash-joined string.
  if (typeof value === 'string' && value.includes('\\')) return value.split('\\');
  return [value];
}

function toNumber(value: unknown): number | undefined {
  const n = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : NaN;
  return Number.isFinite(n) ? n : undefined;
}

function toText(value: unknown): string | undefined {
  if (typeof value === 'string') return value.trim();
  if (typeof value === 'number') return String(value);
  return undefined;
}

/**
 * Tolerant, typed reads of attribute values. Header values from the wild are often absent, empty, strings where
 * numbers belong or scalars where arrays belong; these accessors absorb that so the pixel code stays readable.
 */
export const attr = {
  /** First value as text, trimmed; undefined when absent or empty. */
  string(dataset: NaturalizedDataset | undefined, keyword: string): string | undefined {
    const text = toText(values(dataset, keyword)[0]);
    return text === '' ? undefined : text;
  },
  /** All values as trimmed text. */
  strings(dataset: NaturalizedDataset | undefined, keyword: string): string[] {
    return values(dataset, keyword)
      .map(toText)
      .filter((v): v is string => v !== undefined && v !== '');
  },
  /** The value at `index` as a finite number; undefined when absent or not a number. */
  number(dataset: NaturalizedDataset | undefined, keyword: string, index = 0): number | undefined {
    return toNumber(values(dataset, keyword)[index]);
  },
  /** All values that are finite numbers, in order. */
  numbers(dataset: NaturalizedDataset | undefined, keyword: string): number[] {
    return values(dataset, keyword)
      .map(toNumber)
      .filter((v): v is number => v !== undefined);
  },
  /** The items of a sequence (empty when absent). */
  items(dataset: NaturalizedDataset | undefined, keyword: string): NaturalizedDataset[] {
    return values(dataset, keyword).filter(
      (v): v is NaturalizedDataset => typeof v === 'object' && v !== null && !Array.isArray(v) && !ArrayBuffer.isView(v),
    );
  },
};
