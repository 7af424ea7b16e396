import { describe, expect, it } from 'vitest';
import { OmittedProblems, ProblemList } from '../../../src/lib/core/problems';

describe('ProblemList', () => {
  it('lists the first problems of each kind and counts the rest, per file and severity', () => {
    const problems = new ProblemList(2);
    for (let i = 0; i < 5; i++)
      problems.report({ file: 'a.json', field: `annotations[${i}].bbox`, expected: 'a box' });
    problems.report({ file: 'b.json', field: 'annotations[0].bbox', expected: 'a box' });
    problems.report({ file: 'a.json', field: 'annotations[9].score', expected: 'a score' }, 'warning');

    const list = problems.toArray();
    expect(problems.total).toBe(7);
    expect(list.map((problem) => `${problem.file} ${problem.field}`)).toEqual([
      'a.json annotations[0].bbox',
      'a.json annotations[1].bbox',
      'b.json annotations[0].bbox',
      'a.json annotations[9].score',
      'a.json annotations[].bbox',
    ]);
    const summary = list[4] as OmittedProblems;
    expect(summary).toBeInstanceOf(OmittedProblems);
    expect(summary.omitted).toBe(3);
    expect(summary.message).toBe(
      'a.json: annotations[].bbox: expected a box (3 more problems like this were not listed)',
    );
    expect(list[3].severity).toBe('warning');
  });

  it('lists a problem reported twice (two formats reading one file) once', () => {
    const problems = new ProblemList();
    problems.report({ file: 'a.json', line: 3, value: 'x', expected: 'valid JSON' });
    problems.report({ file: 'a.json', line: 3, value: 'x', expected: 'valid JSON' });
    problems.report({ file: 'a.json', line: 3, value: 'x', expected: 'valid JSON' }, 'warning');
    problems.report({ file: 'a.json', line: 4, value: 'x', expected: 'valid JSON' });

    expect(problems.toArray().map((problem) => [problem.line, problem.severity])).toEqual([
      [3, 'error'],
      [3, 'warning'],
      [4, 'error'],
    ]);
  });
});
