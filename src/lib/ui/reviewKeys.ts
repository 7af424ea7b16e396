/**
 * The image view's review keys: one table, read by the key handler and printed as the legend, so
 * the two never disagree. Pure: no DOM beyond the fields of a KeyboardEvent.
 */

export type ReviewAction =
  | 'acceptImage'
  | 'rejectImage'
  | 'clearImage'
  | 'next'
  | 'previous'
  | 'undo'
  | 'redo'
  | 'nextBox'
  | 'previousBox'
  | 'acceptBox'
  | 'rejectBox'
  | 'deleteBox'
  | 'changeClass'
  | 'confirm'
  | 'takePredictedClass'
  | 'close';

/** The fields of a KeyboardEvent the table reads. */
export interface KeyPress {
  key: string;
  shiftKey: boolean;
  ctrlKey: boolean;
  metaKey: boolean;
  altKey: boolean;
}

/** The action a key press asks for in the image view, or null when it is not a review key. */
export function reviewAction(press: KeyPress): ReviewAction | null {
  const { shiftKey: shift, altKey: alt } = press;
  const command = press.ctrlKey || press.metaKey;
  const key = press.key.length === 1 ? press.key.toLowerCase() : press.key;
  if (alt) return null;
  if (command) {
    if (key === 'z') return shift ? 'redo' : 'undo';
    if (key === 'y' && !shift) return 'redo';
    return null;
  }
  switch (key) {
    case 'a':
      return shift ? 'acceptBox' : 'acceptImage';
    case 'r':
      return shift ? 'rejectBox' : 'rejectImage';
    case 'z':
      return shift ? 'redo' : 'undo';
    case 'u':
      return shift ? null : 'clearImage';
    case 'c':
      return shift ? null : 'changeClass';
    case 't':
      return shift ? null : 'takePredictedClass';
    case 'Tab':
      return shift ? 'previousBox' : 'nextBox';
    case 'ArrowRight':
      return 'next';
    case 'ArrowLeft':
      return 'previous';
    case 'Delete':
    case 'Backspace':
      return 'deleteBox';
    case 'Enter':
      return 'confirm';
    case 'Escape':
      return 'close';
    default:
      return null;
  }
}

/** The legend under the image: keys and what they do, in the order a reviewer meets them. */
export const REVIEW_LEGEND: readonly (readonly [keys: string, what: string])[] = [
  ['A / R', 'accept / reject image'],
  ['U', 'clear decision'],
  ['← / →', 'previous / next'],
  ['Tab', 'next box'],
  ['⇧A / ⇧R', 'accept / reject box'],
  ['C', 'change class'],
  ['T', 'take predicted class'],
  ['Enter', 'prediction → ground truth'],
  ['Del', 'delete box'],
  ['Z / ⇧Z', 'undo / redo'],
];

/** Whether a key press belongs to a text field (typing there never reviews). */
export function isTyping(target: EventTarget | null): boolean {
  if (!target || typeof (target as HTMLElement).tagName !== 'string') return false;
  const element = target as HTMLElement;
  return ['INPUT', 'TEXTAREA', 'SELECT'].includes(element.tagName) || element.isContentEditable === true;
}
