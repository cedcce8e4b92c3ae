import type { Window } from '@lungflow/dicom';
import type { ResultCard } from './modelCard';

/**
 * The CT window the card names (`preprocessing.windowing.CT` {center, width}); undefined leaves the renderer's lung
 * window. One copy for the model's input (libs/inference analyzeInstance) and the image under the heatmap (report,
 * CLI), so what a reader sees is what the model saw.
 */
export function ctWindowOf(card: Pick<ResultCard, 'preprocessing'> | undefined): Window | undefined {
  const windowing = (card?.preprocessing as Record<string, unknown> | undefined)?.windowing as Record<string, unknown> | undefined;
  const ct = windowing?.CT as { center?: unknown; width?: unknown } | undefined;
  return typeof ct?.center === 'number' && typeof ct.width === 'number' ? { center: ct.center, width: ct.width } : undefined;
}
