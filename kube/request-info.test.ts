import { describe, expect, it } from 'vitest';
import { describeRequest, resourceLabel } from './request-info.ts';

describe('describeRequest', () => {
  it.each([
    ['GET', '/api/v1/namespaces/ns/pods', 'list', '', 'pods', ''],
    ['GET', '/api/v1/namespaces/ns/pods?watch=true', 'watch', '', 'pods', ''],
    ['GET', '/api/v1/namespaces/ns/pods/p1', 'get', '', 'pods', ''],
    ['GET', '/api/v1/namespaces/ns/pods/p1/log', 'get', '', 'pods', 'log'],
    ['GET', '/api/v1/namespaces', 'list', '', 'namespaces', ''],
    ['GET', '/api/v1/namespaces/ns', 'get', '', 'namespaces', ''],
    ['PUT', '/api/v1/namespaces/ns/finalize', 'update', '', 'namespaces', 'finalize'],
    ['GET', '/api/v1/namespaces/ns/status', 'get', '', 'namespaces', 'status'],
    ['POST', '/apis/apps/v1/namespaces/ns/deployments', 'create', 'apps', 'deployments', ''],
    ['PATCH', '/apis/apps/v1/namespaces/ns/deployments/d/scale', 'patch', 'apps', 'deployments', 'scale'],
    [
      'DELETE',
      '/apis/coordination.k8s.io/v1/namespaces/ns/leases/l',
      'delete',
      'coordination.k8s.io',
      'leases',
      '',
    ],
    ['DELETE', '/api/v1/namespaces/ns/configmaps', 'deletecollection', '', 'configmaps', ''],
    [
      'GET',
      '/apis/homeostat.dev/v1alpha1/resiliencepolicies',
      'list',
      'homeostat.dev',
      'resiliencepolicies',
      '',
    ],
    ['GET', '/api/v1/nodes/n1', 'get', '', 'nodes', ''],
    ['GET', '/version', 'get', '', '', ''],
    ['GET', '/apis/apps/v1', 'get', 'apps', '', ''],
  ])('%s %s → %s', (method, path, verb, group, resource, subresource) => {
    expect(describeRequest(method, `https://cluster.example${path}`)).toEqual({
      verb,
      group,
      resource,
      subresource,
    });
  });

  it('labels resources kube-style', () => {
    expect(resourceLabel(describeRequest('PATCH', '/apis/apps/v1/namespaces/n/deployments/d/scale'))).toBe(
      'deployments.apps/scale',
    );
    expect(resourceLabel(describeRequest('GET', '/api/v1/pods'))).toBe('pods');
  });
});
