import 'fake-indexeddb/auto';
import { IDBFactory } from 'fake-indexeddb';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { openDatabase, resetDatabaseConnection } from '../../../src/lib/storage/db';
import { lastFolder, regainReadAccess, rememberFolder } from '../../../src/lib/storage/folders';

/** A structured-clonable stand-in for a directory handle (Node has no File System Access API). */
function fakeHandle(name: string): FileSystemDirectoryHandle {
  return { kind: 'directory', name } as unknown as FileSystemDirectoryHandle;
}

beforeEach(() => {
  globalThis.indexedDB = new IDBFactory() as unknown as typeof globalThis.indexedDB;
  resetDatabaseConnection();
});

afterEach(async () => {
  vi.restoreAllMocks();
  (await openDatabase()).close();
  resetDatabaseConnection();
});

describe('rememberFolder and lastFolder', () => {
  it('has no folder before one is remembered', async () => {
    expect(await lastFolder()).toBeNull();
  });

  it('gives back the handle remembered last, with its name and the time it was saved', async () => {
    vi.spyOn(Date, 'now').mockReturnValue(1_700_000_000_000);
    await rememberFolder(fakeHandle('photos'));
    await rememberFolder(fakeHandle('scans'));

    expect(await lastFolder()).toEqual({ kind: 'directory', name: 'scans' });
    const records = await (await openDatabase()).getAll('folders');
    expect(records).toEqual([
      { handle: { kind: 'directory', name: 'scans' }, name: 'scans', savedAt: 1_700_000_000_000 },
    ]);
  });

  it('keeps the folder across connections', async () => {
    await rememberFolder(fakeHandle('photos'));
    (await openDatabase()).close();
    resetDatabaseConnection();
    expect(await lastFolder()).toEqual({ kind: 'directory', name: 'photos' });
  });
});

describe('regainReadAccess', () => {
  /** A handle whose permission answers are scripted; records the modes asked for. */
  function handleAnswering(query: PermissionState, request: PermissionState, asked: string[]) {
    return {
      name: 'photos',
      queryPermission: async ({ mode }: { mode: string }) => {
        asked.push(`query ${mode}`);
        return query;
      },
      requestPermission: async ({ mode }: { mode: string }) => {
        asked.push(`request ${mode}`);
        return request;
      },
    } as unknown as FileSystemDirectoryHandle;
  }

  it('does not prompt when read access is still granted', async () => {
    const asked: string[] = [];
    expect(await regainReadAccess(handleAnswering('granted', 'denied', asked))).toBe(true);
    expect(asked).toEqual(['query read']);
  });

  it('asks for read access, and only read access, otherwise', async () => {
    const asked: string[] = [];
    expect(await regainReadAccess(handleAnswering('prompt', 'granted', asked))).toBe(true);
    expect(asked).toEqual(['query read', 'request read']);
    expect(await regainReadAccess(handleAnswering('prompt', 'denied', []))).toBe(false);
  });

  it('says no for a handle without the permission methods', async () => {
    expect(await regainReadAccess(fakeHandle('photos'))).toBe(false);
  });
});
