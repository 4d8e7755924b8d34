import { VERSION } from '../src/version';

it('reports the package version', () => {
  expect(VERSION).toMatch(/^\d+\.\d+\.\d+/);
});
