import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { LungFlowError } from '@lungflow/errors';
import { resultCardSchema, type ResultCard } from '@lungflow/results';

/**
 * The report reads the release's card through @lungflow/results' resultCardSchema (a pick of the one card schema:
 * class codes for the SR, the CT window, display names and limitations), never through @lungflow/inference, so the
 * report service never loads onnxruntime.
 */
const cardSchema = resultCardSchema;

export type ReportModelCard = ResultCard;

/** Model cards by `id@version`, read once from the release folders under a models directory. */
export class ModelCatalog {
  private constructor(private readonly cards: ReadonlyMap<string, ReportModelCard>) {}

  static fromCards(cards: readonly ReportModelCard[]): ModelCatalog {
    return new ModelCatalog(new Map(cards.map((card) => [`${card.id}@${card.version}`, card])));
  }

  /** Every `<dir>/<release>/card.json`; a folder without one is skipped, an invalid card stops the service. */
  static async load(dir: string): Promise<ModelCatalog> {
    const cards: ReportModelCard[] = [];
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      if (!entry.isDirectory()) continue;
      const file = path.join(dir, entry.name, 'card.json');
      let text: string;
      try {
        text = await readFile(file, 'utf8');
      } catch {
        continue;
      }
      const parsed = cardSchema.safeParse(JSON.parse(text));
      if (!parsed.success) throw new LungFlowError('MODEL_CARD_INVALID', `Model card ${file} is invalid: ${parsed.error.issues[0]?.message ?? ''}`);
      cards.push(parsed.data);
    }
    if (cards.length === 0) throw new LungFlowError('MODEL_CARD_UNREADABLE', `No model card (card.json) under ${dir}`);
    return ModelCatalog.fromCards(cards);
  }

  /** A result from a model we have no card for cannot be reported (no class codes): not retriable. */
  get(id: string, version: string): ReportModelCard {
    const card = this.cards.get(`${id}@${version}`);
    if (!card) {
      throw new LungFlowError('MODEL_CARD_UNKNOWN', `No model card for ${id}@${version} (known: ${[...this.cards.keys()].join(', ')})`);
    }
    return card;
  }
}
