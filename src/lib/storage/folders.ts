import type { ImportPlan } from '../core/importPlan';
import { openDatabase, type RememberedFolder, type RememberedPlan } from './db';

const LAST_FOLDER = 'last';

/** Remembers the folder handle so the next visit can reopen it with a single permission click. */
export async function rememberFolder(handle: FileSystemDirectoryHandle): Promise<void> {
  const db = await openDatabase();
  await db.put('folders', { handle, name: handle.name, savedAt: Date.now() }, LAST_FOLDER);
}

/** The folder opened last, if the browser kept its handle. */
export async function lastFolder(): Promise<FileSystemDirectoryHandle | null> {
  const db = await openDatabase();
  return handleOf(await db.get('folders', LAST_FOLDER));
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
  return handleOf(await db.get('folders', MODEL_FOLDER));
}

/** The key of a folder's confirmed plan in the `folders` store. */
const planKey = (folder: string) => `plan:${folder}`;

/**
 * Remembers the plan the user confirmed for a folder, with the fingerprint of the listing it was
 * made for (`listingFingerprint`). One plan per folder name: the next confirmation replaces it.
 */
export async function rememberPlan(folder: string, fingerprint: string, plan: ImportPlan): Promise<void> {
  const db = await openDatabase();
  const record: RememberedPlan = { folder, fingerprint, plan, savedAt: Date.now() };
  await db.put('folders', record, planKey(folder));
}

/**
 * The plan confirmed last time for this folder, or null when there is none or the folder's listing
 * changed since (another fingerprint): a file added, removed, resized or touched may change what
 * the plan should hold, so the user confirms again.
 */
export async function rememberedPlan(folder: string, fingerprint: string): Promise<ImportPlan | null> {
  const db = await openDatabase();
  const record = await db.get('folders', planKey(folder));
  if (!record || !('plan' in record) || record.fingerprint !== fingerprint) return null;
  return record.plan;
}

/**
 * SHA-256 (hex) of a folder listing: every path with its size and modification time (ms), in
 * path order, so the same listing in another order gives the same fingerprint.
 */
export async function listingFingerprint(
  files: readonly { path: string; size: number; lastModified: number }[],
): Promise<string> {
  const lines = files.map((file) => `${file.path}\u0000${file.size}\u0000${file.lastModified}`);
  lines.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(lines.join('\n')));
  return [...new Uint8Array(digest)].map((byte) => byte.toString(16).padStart(2, '0')).join('');
}

function handleOf(record: RememberedFolder | RememberedPlan | undefined): FileSystemDirectoryHandle | null {
  return record && 'handle' in record ? record.handle : null;
}
