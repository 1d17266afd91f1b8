// k8s.io/api/rbac/v1: what `kubectl create role|clusterrole|rolebinding|clusterrolebinding` sends.
import { definePackage } from './dsl.ts';

export const rbacV1 = definePackage('rbac/v1', {
  Role: `
    1  metadata?              meta/v1.ObjectMeta
    2  rules                  []PolicyRule
  `,
  ClusterRole: `
    1  metadata?              meta/v1.ObjectMeta
    2  rules                  []PolicyRule
    3  aggregationRule?       *AggregationRule
  `,
  PolicyRule: `
    1  verbs                  []string
    2  apiGroups?             []string
    3  resources?             []string
    4  resourceNames?         []string
    5  nonResourceURLs?       []string
  `,
  AggregationRule: `
    1  clusterRoleSelectors?  []meta/v1.LabelSelector
  `,
  RoleBinding: `
    1  metadata?              meta/v1.ObjectMeta
    2  subjects?              []Subject
    3  roleRef                RoleRef
  `,
  ClusterRoleBinding: `
    1  metadata?              meta/v1.ObjectMeta
    2  subjects?              []Subject
    3  roleRef                RoleRef
  `,
  Subject: `
    1  kind                   string
    2  apiGroup?              string
    3  name                   string
    4  namespace?             string
  `,
  RoleRef: `
    1  apiGroup               string
    2  kind                   string
    3  name                   string
  `,
});
