import { boxKey, boxKeyImage, imageIndexOf, type BoxRef } from '../core/review/edits';
import { checkName, type ManualTagRecord, type SliceRecord } from '../storage/reviewStore';
import { datasetState } from './dataset.svelte';
import { FolderWrites } from './folderWrites.svelte';
import { notices } from './notices.svelte';

/**
 * Slices (named, curated subsets of images) and manual tags (on images and ground-truth boxes) of the
 * open folder, by relative path and box key, so they survive a re-import and travel in the project
 * file. Written to IndexedDB before they show, like review decisions (`FolderWrites`), but on a queue
 * of their own: saving a slice never waits behind a burst of review keys.
 */
export class CurationState {
  slices = $state.raw<SliceRecord[]>([]);
  manualTags = $state.raw<ManualTagRecord[]>([]);
  sliceNames = $derived(this.slices.map((slice) => slice.name));
  manualTagNames = $derived(this.manualTags.map((tag) => tag.name));
  private writes = new FolderWrites();

  /** Writes not yet committed. */
  get saving(): number {
    return this.writes.saving;
  }

  /** Reads the folder's slices and manual tags (on open and after a reload). */
  async load(): Promise<void> {
    const folder = datasetState.source?.name ?? null;
    this.writes.folder = folder;
    this.slices = [];
    this.manualTags = [];
    if (!folder) return;
    try {
      const store = await this.writes.open();
      const [slices, tags] = await Promise.all([store.slices(folder), store.manualTags(folder)]);
      if (this.writes.folder !== folder) return;
      this.slices = slices;
      this.manualTags = tags;
    } catch (error) {
      notices.report(error, 'reading the saved slices and tags');
    }
  }

  /** Images of a slice; null for an unknown slice. */
  sliceImages(name: string): ReadonlySet<number> | null {
    const slice = this.slices.find((candidate) => candidate.name === name);
    return slice ? this.indicesOf(slice.paths) : null;
  }

  /** Images with a manual tag (on the image or one of its boxes); null for an unknown tag. */
  manualTagImages(name: string): ReadonlySet<number> | null {
    const tag = this.manualTags.find((candidate) => candidate.name === name);
    if (!tag) return null;
    const images = this.indicesOf(tag.images);
    for (const key of tag.boxes) {
      const index = imageIndexOf(datasetState.dataset!).get(boxKeyImage(key));
      if (index !== undefined) images.add(index);
    }
    return images;
  }

  // ---- slices ------------------------------------------------------------------------------------

  /** Creates a slice, or adds images to an existing one of that name. */
  addToSlice(name: string, indices: Iterable<number>, description = ''): Promise<void> {
    return this.writes.write('saving the slice', async (store, folder) => {
      const checked = checkName(name, 'slice');
      const existing = this.slices.find((slice) => slice.name === checked);
      const now = Date.now();
      const paths = new Set(existing?.paths ?? []);
      for (const path of this.pathsOf(indices)) paths.add(path);
      const slice: SliceRecord = {
        folder,
        name: checked,
        description: existing?.description || description,
        paths: [...paths],
        createdAt: existing?.createdAt ?? now,
        updatedAt: now,
      };
      await store.putSlice(slice);
      this.slices = await store.slices(folder);
    });
  }

  removeFromSlice(name: string, indices: Iterable<number>): Promise<void> {
    return this.writes.write('saving the slice', async (store, folder) => {
      const slice = this.slices.find((candidate) => candidate.name === name);
      if (!slice) return;
      const removed = new Set(this.pathsOf(indices));
      const paths = slice.paths.filter((path) => !removed.has(path));
      await store.putSlice({ ...slice, paths, updatedAt: Date.now() });
      this.slices = await store.slices(folder);
    });
  }

  /** Renames and/or re-describes a slice. */
  editSlice(name: string, changes: { name?: string; description?: string }): Promise<void> {
    return this.writes.write('saving the slice', async (store, folder) => {
      const slice = this.slices.find((candidate) => candidate.name === name);
      if (!slice) return;
      const newName = changes.name === undefined ? name : checkName(changes.name, 'slice');
      if (newName !== name && this.slices.some((other) => other.name === newName)) {
        throw new Error(`a slice named "${newName}" exists already`);
      }
      const description = changes.description ?? slice.description;
      await store.putSlice({ ...slice, name: newName, description, updatedAt: Date.now() }, name);
      this.slices = await store.slices(folder);
    });
  }

  deleteSlice(name: string): Promise<void> {
    return this.writes.write('deleting the slice', async (store, folder) => {
      await store.deleteSlice(folder, name);
      this.slices = await store.slices(folder);
    });
  }

  /**
   * Puts slices and manual tags as given (a project-state import): a slice or tag of the same name is
   * replaced, the others are kept.
   */
  putCuration(
    slices: readonly { name: string; description: string; paths: string[] }[],
    tags: readonly { name: string; images: string[]; boxes: string[] }[],
  ): Promise<void> {
    return this.writes.write('importing slices and tags', async (store, folder) => {
      const now = Date.now();
      for (const { name, description, paths } of slices)
        await store.putSlice({ folder, name, description, paths, createdAt: now, updatedAt: now });
      for (const { name, images, boxes } of tags)
        await store.putManualTag({ folder, name, images, boxes, updatedAt: now });
      this.slices = await store.slices(folder);
      this.manualTags = await store.manualTags(folder);
    });
  }

  // ---- manual tags -----------------------------------------------------------------------------

  /** Adds (`on`) or removes a manual tag on images. */
  tagImages(name: string, indices: Iterable<number>, on: boolean): Promise<void> {
    return this.updateTag(name, (tag) => {
      const images = new Set(tag.images);
      for (const path of this.pathsOf(indices)) {
        if (on) images.add(path);
        else images.delete(path);
      }
      return { ...tag, images: [...images] };
    });
  }

  /** Adds (`on`) or removes a manual tag on a ground-truth box. */
  tagBox(name: string, box: BoxRef, on: boolean): Promise<void> {
    return this.updateTag(name, (tag) => {
      const key = boxKey(box);
      const boxes = tag.boxes.filter((candidate) => candidate !== key);
      return { ...tag, boxes: on ? [...boxes, key] : boxes };
    });
  }

  /** Manual tags on a box, by name. */
  boxTags(box: BoxRef): string[] {
    const key = boxKey(box);
    return this.manualTags.filter((tag) => tag.boxes.includes(key)).map((tag) => tag.name);
  }

  /** Manual tags on an image (not its boxes), by name. */
  imageTags(index: number): string[] {
    const path = datasetState.dataset?.images[index]?.path;
    return this.manualTags
      .filter((tag) => path !== undefined && tag.images.includes(path))
      .map((t) => t.name);
  }

  private updateTag(name: string, change: (tag: ManualTagRecord) => ManualTagRecord): Promise<void> {
    return this.writes.write('saving the tag', async (store, folder) => {
      const checked = checkName(name, 'tag');
      const existing = this.manualTags.find((tag) => tag.name === checked) ?? {
        folder,
        name: checked,
        images: [],
        boxes: [],
        updatedAt: 0,
      };
      await store.putManualTag({ ...change(existing), updatedAt: Date.now() });
      this.manualTags = await store.manualTags(folder);
    });
  }

  private pathsOf(indices: Iterable<number>): string[] {
    const images = datasetState.dataset?.images ?? [];
    return [...indices].filter((index) => images[index] !== undefined).map((index) => images[index].path);
  }

  private indicesOf(paths: Iterable<string>): Set<number> {
    const dataset = datasetState.dataset;
    const indices = new Set<number>();
    if (!dataset) return indices;
    const indexOf = imageIndexOf(dataset);
    for (const path of paths) {
      const index = indexOf.get(path);
      if (index !== undefined) indices.add(index);
    }
    return indices;
  }
}

export const curationState = new CurationState();
