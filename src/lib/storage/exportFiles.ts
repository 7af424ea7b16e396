/**
 * Where exports go: with File System Access, a file or a folder the user chooses; otherwise a
 * download. Exports only ever create new files: a folder write checks every name first and refuses
 * (writing nothing) when one exists, and refuses the dataset's own folder, so the originals stay
 * byte-identical whatever the user picks.
 */

/** A write the user must hear about: an existing file, the dataset's folder. */
export class ExportRefused extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ExportRefused';
  }
}

/** How a file reached the user: a file they chose, a folder they chose, or a download. */
export type Written = { how: 'file' | 'folder' | 'download'; name: string };

interface SavePickerWindow {
  showSaveFilePicker?: (options: {
    suggestedName: string;
    types?: { description: string; accept: Record<string, string[]> }[];
  }) => Promise<FileSystemFileHandle>;
  showDirectoryPicker?: (options?: { mode?: 'read' | 'readwrite' }) => Promise<FileSystemDirectoryHandle>;
}

const pickers = () => globalThis as unknown as SavePickerWindow;

/** Whether folders can be written (File System Access); else a folder export is one zip download. */
export function canWriteFolders(): boolean {
  return typeof pickers().showDirectoryPicker === 'function';
}

/**
 * Saves one file: in the place the user picks (the browser's own dialog asks before replacing a file),
 * else as a download. Null when the user cancels the picker.
 */
export async function saveFile(name: string, blob: Blob): Promise<Written | null> {
  const picker = pickers().showSaveFilePicker;
  if (!picker) return download(name, blob);
  let handle: FileSystemFileHandle;
  try {
    const extension = /\.[^.]+$/.exec(name)?.[0] ?? '.txt';
    handle = await picker({
      suggestedName: name,
      types: [{ description: `${extension} file`, accept: { [blob.type || 'text/plain']: [extension] } }],
    });
  } catch (error) {
    if ((error as DOMException).name === 'AbortError') return null;
    throw error;
  }
  const writable = await handle.createWritable();
  await writable.write(blob);
  await writable.close();
  return { how: 'file', name: handle.name };
}

/**
 * Writes files under a folder the user picks, creating sub-folders. Null when the user cancels.
 * @param dataset - the opened dataset's folder, when it has a handle: refused as a target, as is a
 *   folder inside it or containing it.
 * @throws ExportRefused, before writing anything, when a file exists already or the folder is refused.
 */
export async function saveFolder(
  files: readonly { path: string; text: string }[],
  dataset: FileSystemDirectoryHandle | null,
): Promise<Written | null> {
  let folder: FileSystemDirectoryHandle;
  try {
    folder = await pickers().showDirectoryPicker!({ mode: 'readwrite' });
  } catch (error) {
    if ((error as DOMException).name === 'AbortError') return null;
    throw error;
  }
  await refuseDatasetFolder(folder, dataset);

  // Every name is checked before the first write, so a refused export leaves the folder as it was.
  for (const file of files) {
    if (await exists(folder, file.path))
      throw new ExportRefused(
        `"${folder.name}/${file.path}" exists already; exports never overwrite a file: choose an empty folder`,
      );
  }
  for (const file of files) {
    const parts = file.path.split('/');
    let directory = folder;
    for (const part of parts.slice(0, -1))
      directory = await directory.getDirectoryHandle(part, { create: true });
    const handle = await directory.getFileHandle(parts[parts.length - 1], { create: true });
    const writable = await handle.createWritable();
    await writable.write(file.text);
    await writable.close();
  }
  return { how: 'folder', name: folder.name };
}

/** Offers a blob as a download (no File System Access, or a zip of a folder export). */
export function download(name: string, blob: Blob): Written {
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = name;
  link.click();
  // The download has started by the next task; the URL is only needed until then.
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
  return { how: 'download', name };
}

async function refuseDatasetFolder(
  folder: FileSystemDirectoryHandle,
  dataset: FileSystemDirectoryHandle | null,
): Promise<void> {
  if (!dataset) return;
  const inside = (await folder.isSameEntry(dataset)) || (await dataset.resolve(folder)) !== null;
  if (inside)
    throw new ExportRefused(
      `"${folder.name}" is the dataset's folder or inside it; exports go elsewhere so the originals stay as they are`,
    );
  if ((await folder.resolve(dataset)) !== null)
    throw new ExportRefused(`"${folder.name}" holds the dataset's folder; choose a folder outside it`);
}

/** Whether `path` names an existing file or folder under `folder` (looked up without creating anything). */
async function exists(folder: FileSystemDirectoryHandle, path: string): Promise<boolean> {
  const parts = path.split('/');
  let directory = folder;
  try {
    for (const part of parts.slice(0, -1)) directory = await directory.getDirectoryHandle(part);
  } catch (error) {
    if ((error as DOMException).name === 'NotFoundError') return false;
    throw error;
  }
  const name = parts[parts.length - 1];
  for (const lookup of [() => directory.getFileHandle(name), () => directory.getDirectoryHandle(name)]) {
    try {
      await lookup();
      return true;
    } catch (error) {
      const reason = (error as DOMException).name;
      if (reason !== 'NotFoundError' && reason !== 'TypeMismatchError') throw error;
    }
  }
  return false;
}
