import { listBoxes } from '../core/embedPlan';
import { nextJudgementBatch, roundSummary } from '../core/autotag';
import { objectKey } from '../storage/embeddingStore';
import {
  alignScores,
  checkTagName,
  TagStore,
  type AutotagDraft,
  type TagRecord,
  type TagSeed,
  type TagSet,
} from '../storage/tagStore';
import { datasetState } from './dataset.svelte';
import { notices } from './notices.svelte';
import { searchState, type SearchTable } from './search.svelte';
import { search } from './workers';

/** Items the user judges per round: half the current top, half the most uncertain. */
export const BATCH_SIZE = 20;
/** Bins of the score histogram over [0, 1]. */
export const HISTOGRAM_BINS = 20;
/** Where a new tag's threshold starts: the classifier's even odds. */
export const DEFAULT_THRESHOLD = 0.5;

export type AutotagPhase = 'idle' | 'working' | 'judging';

/**
 * Autotag: teach the app a concept in rounds. A refinement starts from a text (prompt-ensembled, see
 * `PROMPT_TEMPLATES`) or from example items, shows a batch to judge yes/no, retrains the classifier
 * in the search worker after each round and rescores every item. The refinement is a draft written to
 * IndexedDB after every judgement, so a reload resumes it; saving turns it into a tag with every
 * item's score, which `tag:<name>` filters read.
 */
export class AutotagState {
  /** Saved tags of the open folder. */
  tags = $state.raw<TagRecord[]>([]);
  draft = $state.raw<AutotagDraft | null>(null);
  /** Current P(yes) per row of the draft's matrix, and the scores before the last retraining. */
  scores = $state.raw<Float32Array | null>(null);
  previousScores = $state.raw<Float32Array | null>(null);
  phase = $state<AutotagPhase>('idle');
  private table = $state.raw<SearchTable | null>(null);
  private store: Promise<TagStore> | null = null;
  /** Draft writes run one after another, so an older write never lands after a newer one. */
  private writing: Promise<void> = Promise.resolve();
  private filterCache = new Map<string, { tag: TagRecord; scores: Float32Array }>();

  judged = $derived(new Map(this.draft?.judgedItems.map((key, i) => [key, this.draft!.judgedLabels[i]])));
  judgedYes = $derived(this.draft?.judgedLabels.reduce((sum, label) => sum + label, 0) ?? 0);
  summary = $derived(
    this.scores && this.draft
      ? roundSummary(this.previousScores, this.scores, this.draft.threshold, HISTOGRAM_BINS)
      : null,
  );
  /** The batch on screen: item key, row, image, score and the judgement so far. */
  batch = $derived(this.describeBatch());
  batchDone = $derived(this.batch.length > 0 && this.batch.every((item) => item.label !== null));

  /** Reads the folder's tags and any refinement in progress (on open and after a reload). */
  async load(): Promise<void> {
    this.reset();
    const folder = datasetState.source?.name;
    if (!folder) return;
    try {
      const store = await this.tagStore();
      this.tags = await store.list(folder);
      this.draft = await store.getDraft(folder);
      if (this.draft) this.phase = 'judging';
    } catch (error) {
      notices.report(error, 'Reading the saved tags');
    }
  }

  /** Scores the draft again once its vectors are in the search worker (after a reload). */
  async resume(): Promise<void> {
    const draft = this.draft;
    if (!draft || this.scores || !searchState.available(draft.set)) return;
    await this.work('Resuming Autotag', async () => {
      const table = await searchState.table(draft.set);
      if (table.model !== draft.model)
        throw new Error(
          `the tag in progress was trained on ${draft.model}; load that model's vectors to go on`,
        );
      this.table = table;
      this.scores = draft.classifier
        ? await search().scoreModel(draft.set, draft.classifier)
        : await this.seedScores(draft.set, draft.seed);
    });
  }

  /** Starts a refinement from a text query (or replaces the one in progress). */
  async startFromText(name: string, text: string, set: TagSet): Promise<void> {
    await this.work('Starting Autotag', async () => {
      const seed: TagSeed = { kind: 'text', text: text.trim() };
      const draft = await this.newDraft(name, set, seed);
      this.scores = await this.seedScores(set, seed);
      this.previousScores = null;
      await this.showNextBatch(draft);
    });
  }

  /** Starts a refinement from example items (their keys): they count as the first judgements. */
  async startFromExamples(
    name: string,
    set: TagSet,
    positives: string[],
    negatives: string[],
  ): Promise<void> {
    if (positives.length === 0) {
      notices.info('Pick at least one example first.');
      return;
    }
    await this.work('Starting Autotag', async () => {
      const draft = await this.newDraft(name, set, { kind: 'examples', positives, negatives });
      draft.judgedItems = [...positives, ...negatives];
      draft.judgedLabels = Uint8Array.from(draft.judgedItems, (_, i) => (i < positives.length ? 1 : 0));
      this.scores = null;
      await this.retrain(draft);
    });
  }

  /** Starts an object tag from boxes ticked in the object search results (rows of the object matrix). */
  async startFromObjectRows(name: string, rows: readonly number[]): Promise<void> {
    let keys: string[];
    try {
      const table = await searchState.table('objects');
      keys = rows.map((row) => table.keys[row]);
    } catch (error) {
      notices.report(error, 'Starting Autotag');
      return;
    }
    await this.startFromExamples(name, 'objects', keys, []);
  }

  /** Records one judgement (yes or no) and writes the draft before anything else happens. */
  async judge(key: string, yes: boolean): Promise<void> {
    const draft = this.draft;
    if (!draft) return;
    const at = draft.judgedItems.indexOf(key);
    const judgedItems = at >= 0 ? draft.judgedItems : [...draft.judgedItems, key];
    const judgedLabels = new Uint8Array(judgedItems.length);
    judgedLabels.set(draft.judgedLabels);
    judgedLabels[at >= 0 ? at : judgedItems.length - 1] = yes ? 1 : 0;
    await this.commit({ ...draft, judgedItems, judgedLabels, updatedAt: Date.now() });
  }

  /** Retrains on every judgement so far, rescores all items and shows the next batch. */
  async nextRound(): Promise<void> {
    const draft = this.draft;
    if (!draft) return;
    await this.work('Training the tag', () => this.retrain({ ...draft }));
  }

  async setThreshold(threshold: number): Promise<void> {
    if (!this.draft || !(threshold >= 0 && threshold <= 1)) return;
    await this.commit({ ...this.draft, threshold, updatedAt: Date.now() });
  }

  /** Saves the refinement as a tag with every item's current score, and ends the draft. */
  async save(): Promise<void> {
    const draft = this.draft;
    const table = this.table;
    if (!draft || !table || !this.scores) return;
    await this.work('Saving the tag', async () => {
      const { batch: _batch, ...judgements } = draft;
      const tag: TagRecord = {
        ...judgements,
        items: table.keys,
        scores: this.scores!,
        updatedAt: Date.now(),
      };
      const store = await this.tagStore();
      await store.save(tag);
      await this.writing;
      await store.clearDraft(draft.folder);
      this.tags = await store.list(draft.folder);
      this.reset();
      notices.info(`Saved tag "${tag.name}": filter with tag:${tag.name}`);
    });
  }

  /** Drops the refinement in progress. */
  async discard(): Promise<void> {
    const folder = this.draft?.folder;
    this.reset();
    if (folder) await (await this.tagStore()).clearDraft(folder);
  }

  /** Continues refining a saved tag: its judgements and classifier become the draft again. */
  async refine(name: string): Promise<void> {
    const tag = this.tags.find((t) => t.name === name);
    if (!tag) return;
    await this.work('Refining the tag', async () => {
      const { items: _items, scores: _scores, ...judgements } = tag;
      const table = await searchState.table(tag.set);
      this.table = table;
      this.scores = alignScores(tag, table.keys);
      this.previousScores = null;
      await this.showNextBatch({ ...judgements, batch: [] });
    });
  }

  /** Scores every current item (new images included) with the tag's saved classifier, and saves. */
  async rerun(name: string): Promise<void> {
    const tag = this.tags.find((t) => t.name === name);
    if (!tag?.classifier) return;
    await this.work(`Re-running tag ${name}`, async () => {
      const table = await searchState.table(tag.set);
      if (table.model !== tag.model)
        throw new Error(`tag "${name}" was trained on ${tag.model}; the vectors now are ${table.model}`);
      const scores = await search().scoreModel(tag.set, tag.classifier!);
      const store = await this.tagStore();
      await store.save({ ...tag, items: table.keys, scores, updatedAt: Date.now() });
      this.tags = await store.list(tag.folder);
    });
  }

  async remove(name: string): Promise<void> {
    const folder = datasetState.source?.name;
    if (!folder) return;
    const store = await this.tagStore();
    await store.delete(folder, name);
    this.tags = await store.list(folder);
  }

  /**
   * A saved tag's score per image and its threshold, for `tag:` filter terms: an image tag's scores
   * by path, an object tag's best box per image. Null for an unknown tag.
   */
  filterScores(name: string): { scores: Float32Array; threshold: number } | null {
    const tag = this.tags.find((t) => t.name === name);
    const dataset = datasetState.dataset;
    if (!tag || !dataset) return null;
    const cached = this.filterCache.get(name);
    if (cached?.tag === tag) return { scores: cached.scores, threshold: tag.threshold };

    let scores: Float32Array;
    if (tag.set === 'images') {
      scores = alignScores(
        tag,
        dataset.images.map((image) => image.path),
      );
    } else {
      const boxes = listBoxes(dataset);
      const boxScores = alignScores(
        tag,
        boxes.paths.map((_, row) => objectKey(boxes.sources[row], boxes.indices[row])),
      );
      const imageOf = new Map(dataset.images.map((image) => [image.path, image.index]));
      scores = new Float32Array(dataset.images.length).fill(NaN);
      boxes.paths.forEach((path, row) => {
        const image = imageOf.get(path)!;
        if (!(scores[image] >= boxScores[row])) scores[image] = boxScores[row];
      });
    }
    this.filterCache.set(name, { tag, scores });
    return { scores, threshold: tag.threshold };
  }

  private async newDraft(name: string, set: TagSet, seed: TagSeed): Promise<AutotagDraft> {
    const folder = datasetState.source?.name;
    if (!folder) throw new Error('no dataset open');
    const table = await searchState.table(set);
    this.table = table;
    return {
      folder,
      name: checkTagName(name),
      set,
      model: table.model,
      seed,
      classifier: null,
      judgedItems: [],
      judgedLabels: new Uint8Array(0),
      threshold: DEFAULT_THRESHOLD,
      rounds: [],
      batch: [],
      updatedAt: Date.now(),
    };
  }

  /**
   * First-round scores before any judgement: for a text, the core's `seedAutotagFromQuery` over the
   * ensembled text embedding (the best matches near 1, about two standard deviations above the mean
   * similarity at ½). Examples are judgements and go straight to training instead.
   */
  private async seedScores(set: TagSet, seed: TagSeed): Promise<Float32Array> {
    if (seed.kind !== 'text') throw new Error('an example-started tag has no seed scores');
    return search().seedAutotag(set, await searchState.embedQuery(seed.text));
  }

  /** Trains on the draft's judgements, rescores, records the round and shows the next batch. */
  private async retrain(draft: AutotagDraft): Promise<void> {
    const table = this.table ?? (this.table = await searchState.table(draft.set));
    const rowOf = new Map(table.keys.map((key, row) => [key, row]));
    const rows: number[] = [];
    const labels: number[] = [];
    draft.judgedItems.forEach((key, i) => {
      const row = rowOf.get(key);
      if (row === undefined) return;
      rows.push(row);
      labels.push(draft.judgedLabels[i]);
    });
    if (!labels.includes(1)) throw new Error('no "yes" among the judged items: answer yes to at least one');

    const trained = await search().trainAutotag(draft.set, Int32Array.from(rows), Uint8Array.from(labels));
    const previous = this.scores;
    const summary = roundSummary(previous, trained.scores, draft.threshold, HISTOGRAM_BINS);
    this.previousScores = previous;
    this.scores = trained.scores;
    draft.classifier = trained.model;
    draft.rounds = [
      ...draft.rounds,
      {
        judged: labels.length,
        judgedYes: labels.filter((label) => label === 1).length,
        positives: summary.positives,
        flips: previous ? summary.flips : 0,
        threshold: draft.threshold,
        at: Date.now(),
      },
    ];
    await this.showNextBatch(draft);
  }

  private async showNextBatch(draft: AutotagDraft): Promise<void> {
    const table = this.table!;
    const judgedKeys = new Set(draft.judgedItems);
    const judged = Uint8Array.from(table.keys, (key) => (judgedKeys.has(key) ? 1 : 0));
    const rows = nextJudgementBatch(this.scores!, judged, BATCH_SIZE, draft.threshold);
    await this.commit({ ...draft, batch: Array.from(rows, (row) => table.keys[row]), updatedAt: Date.now() });
    this.phase = 'judging';
  }

  /** Publishes a draft and queues its write. */
  private async commit(draft: AutotagDraft): Promise<void> {
    this.draft = draft;
    const write = this.writing.then(async () => (await this.tagStore()).saveDraft(draft));
    this.writing = write.catch(() => undefined);
    await write;
  }

  private describeBatch() {
    const draft = this.draft;
    const table = this.table;
    if (!draft || !table) return [];
    const rowOf = new Map(table.keys.map((key, row) => [key, row]));
    return draft.batch.flatMap((key) => {
      const row = rowOf.get(key);
      if (row === undefined) return [];
      const label = this.judged.get(key);
      return [
        {
          key,
          row,
          image: table.imageOfRow[row],
          run: table.runOfRow[row],
          index: table.indexOfRow[row],
          score: this.scores?.[row] ?? NaN,
          label: label === undefined ? null : label === 1,
        },
      ];
    });
  }

  /** Runs a step with the panel marked busy; failures go to the one error funnel. */
  private async work(what: string, step: () => Promise<void>): Promise<void> {
    this.phase = 'working';
    try {
      await step();
    } catch (error) {
      notices.report(error, what);
    } finally {
      this.phase = this.draft ? 'judging' : 'idle';
    }
  }

  private reset(): void {
    this.draft = null;
    this.scores = this.previousScores = null;
    this.table = null;
    this.phase = 'idle';
  }

  private tagStore(): Promise<TagStore> {
    this.store ??= TagStore.open();
    return this.store;
  }
}

export const autotagState = new AutotagState();
