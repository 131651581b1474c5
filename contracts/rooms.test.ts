import { describe, expect, it } from 'vitest';
import { expandSeatRanges, MAX_SEATS_PER_ROOM, seatLabelProblem, seatPlan } from './rooms.ts';

describe('seat plans', () => {
  it('when ranges are given, then they keep their prefix and count up, in the order given', () => {
    expect(expandSeatRanges('A1-A3, B1-2,Front')).toEqual({ seats: ['A1', 'A2', 'A3', 'B1', 'B2', 'Front'] });
    expect(expandSeatRanges('R2-S1-R2-S3')).toEqual({ seats: ['R2-S1', 'R2-S2', 'R2-S3'] });
    expect(expandSeatRanges('9-11')).toEqual({ seats: ['9', '10', '11'] });
  });

  it('when a plan is wrong, then the problem is named', () => {
    expect(expandSeatRanges('A3-A1')).toEqual({ problem: '"A3-A1" counts down; write the smaller number first' });
    expect(expandSeatRanges('A1,a1')).toEqual({ problem: 'seat a1 is given twice' });
    expect(expandSeatRanges(' , ')).toEqual({ problem: 'no seats given' });
    expect(expandSeatRanges(`A1-A${MAX_SEATS_PER_ROOM + 1}`)).toEqual({ problem: `more than ${MAX_SEATS_PER_ROOM} seats in one room` });
    expect(expandSeatRanges('A 1')).toEqual({ problem: 'seat label "A 1" must be letters and digits (dots and hyphens inside)' });
  });

  it('when labels come from a file, then they are taken as written: a label that looks like a range is one seat', () => {
    expect(seatPlan(['A1-2', 'A3'])).toEqual({ seats: ['A1-2', 'A3'] });
    expect(seatPlan(['A1', ''])).toEqual({ problem: 'seat label is empty' });
  });

  it('when a label is checked, then letters and digits of any script pass, and edges, spaces and long labels do not', () => {
    expect(seatLabelProblem('مقعد-٣')).toBeUndefined();
    expect(seatLabelProblem('B.12')).toBeUndefined();
    expect(seatLabelProblem('-B1')).toBeDefined();
    expect(seatLabelProblem('B1.')).toBeDefined();
    expect(seatLabelProblem('X'.repeat(17))).toBe('seat label "XXXXXXXXXXXXXXXXX" is longer than 16 characters');
  });
});
