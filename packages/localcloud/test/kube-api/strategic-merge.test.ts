import { applyStrategicMergePatch } from '../../src/kube-api/strategic-merge';

const podSpec = () => ({
  spec: {
    template: {
      spec: {
        containers: [
          {
            name: 'app',
            image: 'a:1',
            env: [
              { name: 'A', value: '1' },
              { name: 'B', value: '2' },
            ],
            ports: [{ containerPort: 8080, name: 'http' }],
            volumeMounts: [{ mountPath: '/data', name: 'data' }],
          },
          { name: 'sidecar', image: 's:1' },
        ],
        volumes: [{ name: 'data', emptyDir: {} }],
        tolerations: [{ key: 'x', operator: 'Exists' }],
      },
    },
  },
});

describe('strategic merge patch', () => {
  it('merges containers by name, leaving the others untouched', () => {
    const out = applyStrategicMergePatch(podSpec(), {
      spec: { template: { spec: { containers: [{ name: 'app', image: 'a:2' }] } } },
    }) as ReturnType<typeof podSpec>;
    const [app, sidecar] = out.spec.template.spec.containers;
    expect(app).toMatchObject({ name: 'app', image: 'a:2', ports: [{ containerPort: 8080 }] });
    expect(app?.env).toHaveLength(2);
    expect(sidecar).toEqual({ name: 'sidecar', image: 's:1' });
  });

  it('merges env by name, ports by containerPort, volumeMounts by mountPath', () => {
    const out = applyStrategicMergePatch(podSpec(), {
      spec: {
        template: {
          spec: {
            containers: [
              {
                name: 'app',
                env: [
                  { name: 'B', value: 'two' },
                  { name: 'C', value: '3' },
                ],
                ports: [{ containerPort: 8080, protocol: 'TCP' }],
                volumeMounts: [{ mountPath: '/data', readOnly: true }],
              },
            ],
          },
        },
      },
    }) as ReturnType<typeof podSpec>;
    const app = out.spec.template.spec.containers[0];
    expect(app?.env).toEqual([
      { name: 'A', value: '1' },
      { name: 'B', value: 'two' },
      { name: 'C', value: '3' },
    ]);
    expect(app?.ports).toEqual([{ containerPort: 8080, name: 'http', protocol: 'TCP' }]);
    expect(app?.volumeMounts).toEqual([{ mountPath: '/data', name: 'data', readOnly: true }]);
  });

  it('honours $patch delete / replace, null deletion and replaces atomic lists', () => {
    const out = applyStrategicMergePatch(podSpec(), {
      spec: {
        template: {
          spec: {
            containers: [
              { name: 'sidecar', $patch: 'delete' },
              { name: 'app', env: [{ name: 'A', $patch: 'delete' }], ports: null },
            ],
            volumes: [{ $patch: 'replace' }, { name: 'cache', emptyDir: { medium: 'Memory' } }],
            tolerations: [{ key: 'y', operator: 'Exists' }],
          },
        },
      },
    }) as ReturnType<typeof podSpec>;
    const spec = out.spec.template.spec;
    expect(spec.containers.map((c) => c.name)).toEqual(['app']);
    expect(spec.containers[0]?.env).toEqual([{ name: 'B', value: '2' }]);
    expect(spec.containers[0]).not.toHaveProperty('ports');
    expect(spec.volumes).toEqual([{ name: 'cache', emptyDir: { medium: 'Memory' } }]);
    expect(spec.tolerations).toEqual([{ key: 'y', operator: 'Exists' }]);
  });

  it('replaces a map under $patch: replace and keeps kubectl ordering directives out', () => {
    const out = applyStrategicMergePatch(
      { metadata: { labels: { a: '1', b: '2' } }, ...podSpec() },
      {
        metadata: { labels: { $patch: 'replace', c: '3' } },
        spec: {
          template: {
            spec: {
              $setElementOrder$containers: undefined,
              '$setElementOrder/containers': [{ name: 'sidecar' }, { name: 'app' }],
              containers: [{ name: 'app', image: 'a:3' }],
            },
          },
        },
      },
    ) as { metadata: unknown } & ReturnType<typeof podSpec>;
    expect(out.metadata).toEqual({ labels: { c: '3' } });
    const spec = out.spec.template.spec as Record<string, unknown>;
    expect((spec.containers as Array<{ name: string }>).map((c) => c.name)).toEqual([
      'sidecar',
      'app',
    ]);
    expect(Object.keys(spec).filter((k) => k.startsWith('$'))).toEqual([
      '$setElementOrder$containers',
    ]);
  });

  it('merges conditions by type and rejects list items without their merge key', () => {
    const out = applyStrategicMergePatch(
      {
        status: {
          conditions: [
            { type: 'Available', status: 'True' },
            { type: 'Progressing', status: 'True' },
          ],
        },
      },
      { status: { conditions: [{ type: 'Progressing', status: 'False' }] } },
    );
    expect(out).toEqual({
      status: {
        conditions: [
          { type: 'Available', status: 'True' },
          { type: 'Progressing', status: 'False' },
        ],
      },
    });
    expect(() =>
      applyStrategicMergePatch(podSpec(), {
        spec: { template: { spec: { containers: [{ image: 'x' }] } } },
      }),
    ).toThrow(/merge key name/);
  });

  it('unions finalizers, honours $deleteFromPrimitiveList and $retainKeys', () => {
    const out = applyStrategicMergePatch(
      {
        metadata: { finalizers: ['a', 'b'] },
        spec: { strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1 } } },
      },
      {
        metadata: { finalizers: ['c', 'a'], '$deleteFromPrimitiveList/finalizers': ['b'] },
        spec: { strategy: { $retainKeys: ['type'], type: 'Recreate' } },
      },
    );
    expect(out).toEqual({
      metadata: { finalizers: ['a', 'c'] },
      spec: { strategy: { type: 'Recreate' } },
    });
  });
});
