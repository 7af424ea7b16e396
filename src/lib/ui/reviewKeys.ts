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

/**
 * The gallery's review keys: undo and redo only (z, Ctrl/Cmd+Z; Shift+Z, Ctrl/Cmd+Shift+Z, Ctrl+Y),
 * read from the image view's table so the two agree. Other review keys need an open image.
 */
export function galleryAction(press: KeyPress): 'undo' | 'redo' | null {
  const action = reviewAction(press);
  return action === 'undo' || action === 'redo' ? action : null;
}

/** Input types that take typed text: a key pressed there is typing, never a review key. */
const TEXT_INPUTS = new Set(['text', 'search', 'email', 'number', 'url', 'password', 'tel']);

/**
 * Whether a key press belongs to a text-entry control (typing there never reviews): a text-like
 * input, a textarea, contenteditable, or a select that has the focus (its arrow keys move its value).
 * Checkboxes, radios, buttons and ranges do not swallow keys: clicking one must not stop review.
 * A select blurred by its own key handler before the press reaches the window (BoxInspector does
 * that after a mouse pick) no longer has the focus and so is not typing.
 */
export function isTyping(target: EventTarget | null): boolean {
  if (!target || typeof (target as HTMLElement).tagName !== 'string') return false;
  const element = target as HTMLElement;
  if (element.isContentEditable === true) return true;
  switch (element.tagName) {
    case 'TEXTAREA':
      return true;
    case 'INPUT': {
      // A missing or unknown type is a text field, as the browser treats it.
      const type = ((element as HTMLInputElement).type || 'text').toLowerCase();
      return TEXT_INPUTS.has(type) || !KNOWN_NON_TEXT.has(type);
    }
    case 'SELECT':
      return element.ownerDocument?.activeElement === element;
    default:
      return false;
  }
}

/** Input types that take no typed text (date, time and color controls take keys, so they count as typing). */
const KNOWN_NON_TEXT = new Set(['checkbox', 'radio', 'button', 'submit', 'reset', 'range', 'image', 'file']);
