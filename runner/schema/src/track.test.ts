import { describe, expect, it } from 'vitest';
import { formatProblem } from './problem.ts';
import { checkTrack } from './track.ts';

const known = new Set(['missing-networkpolicy', 'exposed-dashboard']);
const base = {
  id: 't',
  title: 'T',
  summary: 'S',
  audience: 'A',
  minutes: 60,
  scenarios: ['missing-networkpolicy', { id: 'exposed-dashboard', required: false }],
};

describe('a track file', () => {
  it('reads a bare id as a required scenario and keeps the order', () => {
    const { track, problems } = checkTrack('t.yaml', base, 't', known);
    expect(problems).toEqual([]);
    expect(track!.scenarios).toEqual([
      { id: 'missing-networkpolicy', required: true },
      { id: 'exposed-dashboard', required: false },
    ]);
  });

  it('names a dangling scenario id and lists the ones that exist', () => {
    const { problems } = checkTrack('t.yaml', { ...base, scenarios: ['missing-networkpolicy', 'no-such'] }, 't', known);
    expect(problems.map(formatProblem)).toEqual([
      't.yaml: scenarios[1]: expected the id of a scenario in scenarios/ (exposed-dashboard, missing-networkpolicy) but found "no-such", which does not exist',
    ]);
  });

  it('says which field is wrong and what it found, for the author', () => {
    const { problems } = checkTrack('t.yaml', { ...base, minutes: 'soon', extra: 1 }, 't', known);
    expect(problems.map(formatProblem)).toEqual([
      't.yaml: minutes: expected number but found "soon"',
      't.yaml: expected only the documented fields but found unknown field `extra`',
    ]);
  });

  it('refuses an id that is not the file name, a scenario listed twice, and a track with nothing required', () => {
    const { problems } = checkTrack(
      't.yaml',
      {
        ...base,
        id: 'other',
        scenarios: [
          { id: 'exposed-dashboard', required: false },
          { id: 'exposed-dashboard', required: false },
        ],
      },
      't',
      known,
    );
    expect(problems.map((p) => p.field)).toEqual(['id', 'scenarios[1]', 'scenarios']);
  });
});
