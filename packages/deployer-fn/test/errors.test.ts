import { ApiException } from '@kubernetes/client-node';
import type { ErrorKind } from '../src/errors';
import { classifyKubeError, DeployError } from '../src/errors';

it.each<[number, ErrorKind, string]>([
  [400, 'permanent', 'KUBE_REJECTED'],
  [401, 'transient', 'KUBE_UNAUTHORIZED'],
  [403, 'permanent', 'KUBE_FORBIDDEN'],
  [404, 'permanent', 'DEPLOYMENT_NOT_FOUND'],
  [409, 'transient', 'KUBE_CONFLICT'],
  [422, 'permanent', 'KUBE_REJECTED'],
  [429, 'transient', 'KUBE_UNAVAILABLE'],
  [500, 'transient', 'KUBE_UNAVAILABLE'],
  [503, 'transient', 'KUBE_UNAVAILABLE'],
])('HTTP %i → %s %s', (status, kind, code) => {
  const err = classifyKubeError(new ApiException(status, 'x', {}, {}), 'read');
  expect(err).toBeInstanceOf(DeployError);
  expect(err).toMatchObject({ kind, code });
});

it('connection errors and timeouts are transient', () => {
  const refused = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
  expect(classifyKubeError(refused, 'read')).toMatchObject({
    kind: 'transient',
    code: 'KUBE_UNAVAILABLE',
  });
  const abort = new DOMException('The operation was aborted', 'AbortError');
  expect(classifyKubeError(abort, 'read')).toMatchObject({ kind: 'transient' });
});
