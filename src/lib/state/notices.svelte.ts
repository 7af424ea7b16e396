import { isAbort, type ProblemRecord } from '../core/errors';
import { log } from '../core/log';

/**
 * The error funnel: every failure the user should know about arrives here, once. Data problems
 * (a bad file, an image that does not decode) go to the problem list; other failures become a
 * message in the status bar. Cancelled work is silence, not an error.
 */
export class NoticeState {
  problems = $state.raw<ProblemRecord[]>([]);
  message = $state<{ text: string; kind: 'error' | 'info' } | null>(null);

  /** Replaces the problem list (a new import starts a new list). */
  setProblems(problems: ProblemRecord[]): void {
    this.problems = problems;
  }

  /** Adds a problem unless the same one is listed already (an image fails at every size it is decoded). */
  addProblem(problem: ProblemRecord): void {
    if (this.problems.some((p) => p.file === problem.file && p.expected === problem.expected)) return;
    this.problems = [...this.problems, problem];
  }

  /** Lists an image file the browser could not decode (thumbnail or embedding: listed once). */
  reportUndecodable(path: string, reason: unknown): void {
    const why = reason instanceof Error ? reason.message : String(reason);
    const expected = 'an image the browser can decode (JPEG, PNG, WebP, GIF, BMP)';
    this.addProblem({
      file: path,
      expected,
      message: `${path}: expected ${expected}: ${why}`,
      severity: 'error',
    });
  }

  /** Reports a failure of `action` (e.g. "loading the model"); ignores aborts. */
  report(error: unknown, action: string): void {
    if (isAbort(error)) return;
    const reason = error instanceof Error ? error.message : String(error);
    log.warn(`${action} failed`, error);
    this.message = { text: `${action} failed: ${reason}`, kind: 'error' };
  }

  info(text: string): void {
    this.message = { text, kind: 'info' };
  }

  dismiss(): void {
    this.message = null;
  }
}

export const notices = new NoticeState();
