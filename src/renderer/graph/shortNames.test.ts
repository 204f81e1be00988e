import { describe, expect, it } from 'vitest';
import { distinctiveNames } from './shortNames.js';

describe('distinctiveNames', () => {
  it.each([
    { name: 'numbered nodes', names: ['node-001', 'node-002', 'node-100'], want: { 'node-001': '001', 'node-002': '002', 'node-100': '100' } },
    { name: 'a shared digit stays with its number', names: ['app-000', 'app-001', 'app-099'], want: { 'app-000': '000', 'app-001': '001', 'app-099': '099' } },
    { name: 'lab hosts', names: ['lab-w1', 'lab-w2'], want: { 'lab-w1': 'w1', 'lab-w2': 'w2' } },
    { name: 'dotted host names', names: ['pi4.home.lan', 'pi5.home.lan'], want: { 'pi4.home.lan': 'pi4', 'pi5.home.lan': 'pi5' } },
    { name: 'cloud node names', names: ['ip-10-0-0-1.ec2.internal', 'ip-10-0-0-27.ec2.internal'], want: { 'ip-10-0-0-1.ec2.internal': '1', 'ip-10-0-0-27.ec2.internal': '27' } },
    { name: 'a shared suffix without a separator is not cut', names: ['frontend', 'backend'], want: {} },
    { name: 'a prefix without a separator is not cut', names: ['web', 'webhook'], want: {} },
    { name: 'nothing shared', names: ['desktop', 'lab-w1'], want: {} },
    { name: 'one name', names: ['node-001'], want: {} },
    { name: 'a name equal to the prefix keeps its full name', names: ['api-', 'api-v2'], want: { 'api-v2': 'v2' } },
    { name: 'repeats count once', names: ['db-1', 'db-1'], want: {} },
  ])('$name', ({ names, want }) => {
    expect(Object.fromEntries(distinctiveNames(names))).toEqual(want);
  });
});
