import { serverSideApply } from '../../src/kube-api/server-side-apply';

const config = (replicas: number, extra: Record<string, unknown> = {}) => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web' },
  spec: { replicas, ...extra },
});

describe('server-side apply', () => {
  it('records the applier as the manager of what it set', () => {
    const obj = serverSideApply(undefined, config(2), 'setup-sh', false);
    const entries = (
      obj.metadata as { managedFields: { manager: string; operation: string; fieldsV1: unknown }[] }
    ).managedFields;
    expect(entries).toEqual([
      expect.objectContaining({
        manager: 'setup-sh',
        operation: 'Apply',
        fieldsV1: { 'f:spec': { 'f:replicas': {} } },
      }),
    ]);
  });

  it('refuses a second manager changing the field (409) unless forced', () => {
    const obj = serverSideApply(undefined, config(2), 'setup-sh', false);
    expect(() => serverSideApply(obj, config(3), 'deployer', false)).toThrow(
      /conflict with "setup-sh": .spec.replicas/,
    );
    const forced = serverSideApply(obj, config(3), 'deployer', true);
    expect((forced.spec as { replicas: number }).replicas).toBe(3);
    const managers = (
      forced.metadata as { managedFields: { manager: string }[] }
    ).managedFields.map((e) => e.manager);
    expect(managers).toEqual(['deployer']);
  });

  it('shares a field set to the same value, and removes a field its manager dropped', () => {
    let obj = serverSideApply(undefined, config(2, { paused: true }), 'setup-sh', false);
    obj = serverSideApply(obj, config(2), 'other', false);
    obj = serverSideApply(obj, config(2), 'setup-sh', false);
    expect(obj.spec).toEqual({ replicas: 2 });
  });
});
