import { openDatabase } from './db';

const LAST_FOLDER = 'last';

/** Remembers the folder handle so the next visit can reopen it with a single permission click. */
export async function rememberFolder(handle: FileSystemDirectoryHandle): Promise<void> {
  const db = await openDatabase();
  await db.put('folders', { handle, name: handle.name, savedAt: Date.now() }, LAST_FOLDER);
}

/** The folder opened last, if the browser kept its handle. */
export async function lastFolder(): Promise<FileSystemDirectoryHandle | null> {
  const db = await openDatabase();
  return (await db.get('folders', LAST_FOLDER))?.handle ?? null;
}

/**
 * Asks for read permission again (needs a user gesture after a reload). True when granted.
 * Only read access is ever requested: Longtail never writes into the user's folder.
 */
export async function regainReadAccess(handle: FileSystemDirectoryHandle): Promise<boolean> {
  const options = { mode: 'read' } as const;
  const withPermissions = handle as FileSystemDirectoryHandle & {
    queryPermission?: (o: typeof options) => Promise<PermissionState>;
    requestPermission?: (o: typeof options) => Promise<PermissionState>;
  };
  if ((await withPermissions.queryPermission?.(options)) === 'granted') return true;
  return (await withPermissions.requestPermission?.(options)) === 'granted';
}

const MODEL_FOLDER = 'model';

/**
 * Remembers a model folder picked on disk (offline models) beside the dataset folder, in the same
 * store under its own key, so the next visit offers it again.
 */
export async function rememberModelFolder(handle: FileSystemDirectoryHandle): Promise<void> {
  const db = await openDatabase();
  await db.put('folders', { handle, name: handle.name, savedAt: Date.now() }, MODEL_FOLDER);
}

/** The model folder picked last, if the browser kept its handle. */
export async function lastModelFolder(): Promise<FileSystemDirectoryHandle | null> {
  const db = await openDatabase();
  return (await db.get('folders', MODEL_FOLDER))?.handle ?? null;
}
