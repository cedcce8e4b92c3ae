import { lungflowVersion } from './lungflowVersion';

it('reads the version of the root package.json', () => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  expect(lungflowVersion()).toBe(require('../../../package.json').version);
});
