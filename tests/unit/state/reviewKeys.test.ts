/** The image view's key table, written out by hand from the review brief. */

import { describe, expect, it } from 'vitest';
import { galleryAction, isTyping, reviewAction, type KeyPress } from '../../../src/lib/ui/reviewKeys';

const press = (key: string, mods: Partial<KeyPress> = {}): KeyPress => ({
  key,
  shiftKey: false,
  ctrlKey: false,
  metaKey: false,
  altKey: false,
  ...mods,
});

describe('reviewAction', () => {
  it.each([
    [press('a'), 'acceptImage'],
    [press('r'), 'rejectImage'],
    [press('u'), 'clearImage'],
    [press('ArrowRight'), 'next'],
    [press('ArrowLeft'), 'previous'],
    [press('z'), 'undo'],
    [press('z', { ctrlKey: true }), 'undo'],
    [press('z', { metaKey: true }), 'undo'],
    [press('Z', { shiftKey: true }), 'redo'],
    [press('Z', { shiftKey: true, ctrlKey: true }), 'redo'],
    [press('y', { ctrlKey: true }), 'redo'],
    [press('Tab'), 'nextBox'],
    [press('Tab', { shiftKey: true }), 'previousBox'],
    [press('A', { shiftKey: true }), 'acceptBox'],
    [press('R', { shiftKey: true }), 'rejectBox'],
    [press('Delete'), 'deleteBox'],
    [press('Backspace'), 'deleteBox'],
    [press('c'), 'changeClass'],
    [press('Enter'), 'confirm'],
    [press('t'), 'takePredictedClass'],
    [press('Escape'), 'close'],
  ] as const)('%o → %s', (key, action) => {
    expect(reviewAction(key)).toBe(action);
  });

  it('leaves other keys and browser shortcuts alone', () => {
    expect(reviewAction(press('x'))).toBeNull();
    expect(reviewAction(press('a', { ctrlKey: true }))).toBeNull(); // select all
    expect(reviewAction(press('r', { ctrlKey: true }))).toBeNull(); // reload
    expect(reviewAction(press('a', { altKey: true }))).toBeNull();
    expect(reviewAction(press('y'))).toBeNull();
  });

  it('treats caps lock letters like lower case', () => {
    expect(reviewAction(press('A'))).toBe('acceptImage');
  });
});

describe('galleryAction', () => {
  it.each([
    [press('z'), 'undo'],
    [press('Z'), 'undo'],
    [press('z', { ctrlKey: true }), 'undo'],
    [press('z', { metaKey: true }), 'undo'],
    [press('Z', { shiftKey: true }), 'redo'],
    [press('Z', { shiftKey: true, ctrlKey: true }), 'redo'],
    [press('y', { ctrlKey: true }), 'redo'],
  ] as const)('%o → %s', (key, action) => {
    expect(galleryAction(key)).toBe(action);
  });

  it('ignores the image-only review keys and other keys', () => {
    for (const key of [
      'a',
      'r',
      'u',
      'c',
      't',
      'ArrowRight',
      'ArrowLeft',
      'Tab',
      'Enter',
      'Delete',
      'Escape',
      'y',
    ])
      expect(galleryAction(press(key)), key).toBeNull();
    expect(galleryAction(press('z', { altKey: true }))).toBeNull();
  });
});

describe('isTyping', () => {
  const input = (type: string) => ({ tagName: 'INPUT', type }) as unknown as EventTarget;

  it('is true for text-entry controls', () => {
    for (const type of ['text', 'search', 'email', 'number', 'url', 'password', 'tel', ''])
      expect(isTyping(input(type)), type).toBe(true);
    expect(isTyping({ tagName: 'TEXTAREA' } as unknown as EventTarget)).toBe(true);
    expect(isTyping({ tagName: 'DIV', isContentEditable: true } as unknown as EventTarget)).toBe(true);
  });

  it('is false for checkboxes, radios, buttons and ranges: clicking one must not stop review', () => {
    for (const type of ['checkbox', 'radio', 'button', 'submit', 'reset', 'range'])
      expect(isTyping(input(type)), type).toBe(false);
    expect(isTyping({ tagName: 'BUTTON' } as unknown as EventTarget)).toBe(false);
    expect(isTyping({ tagName: 'DIV', isContentEditable: false } as unknown as EventTarget)).toBe(false);
    expect(isTyping(null)).toBe(false);
  });

  it('is true for a select only while it has the focus', () => {
    const document = { activeElement: null as unknown };
    const select = { tagName: 'SELECT', ownerDocument: document };
    expect(isTyping(select as unknown as EventTarget)).toBe(false);
    document.activeElement = select;
    expect(isTyping(select as unknown as EventTarget)).toBe(true);
  });
});
