// rbac.authorization.k8s.io/v1 as kube publishes it in /openapi/v3 (v1.32 descriptions).
import { API_VERSION, type Definitions, KIND, ref, refs, str, strings, struct } from './dsl.ts';
import { LABEL_SELECTOR, OBJECT_META } from './meta-v1.ts';

const RBAC = 'io.k8s.api.rbac.v1';
const METADATA = ref(OBJECT_META, "Standard object's metadata.");
const gvk = (kind: string) => ({
  'x-kubernetes-group-version-kind': [{ group: 'rbac.authorization.k8s.io', kind, version: 'v1' }],
});

const rules = (owner: string) =>
  refs(`Rules holds all the PolicyRules for this ${owner}`, `${RBAC}.PolicyRule`);
const subjects = refs('Subjects holds references to the objects the role applies to.', `${RBAC}.Subject`);

export const rbacV1: Definitions = {
  [`${RBAC}.Role`]: {
    ...struct(
      'Role is a namespaced, logical grouping of PolicyRules that can be referenced as a unit by a RoleBinding.',
      { apiVersion: API_VERSION, kind: KIND, metadata: METADATA, rules: rules('Role') },
    ),
    ...gvk('Role'),
  },
  [`${RBAC}.ClusterRole`]: {
    ...struct(
      'ClusterRole is a cluster level, logical grouping of PolicyRules that can be referenced as a unit by a RoleBinding or ClusterRoleBinding.',
      {
        aggregationRule: ref(
          `${RBAC}.AggregationRule`,
          'AggregationRule is an optional field that describes how to build the Rules for this ClusterRole. If AggregationRule is set, then the Rules are controller managed and direct changes to Rules will be stomped by the controller.',
        ),
        apiVersion: API_VERSION,
        kind: KIND,
        metadata: METADATA,
        rules: rules('ClusterRole'),
      },
    ),
    ...gvk('ClusterRole'),
  },
  [`${RBAC}.RoleBinding`]: {
    ...struct(
      'RoleBinding references a role, but does not contain it.  It can reference a Role in the same namespace or a ClusterRole in the global namespace. It adds who information via Subjects and namespace information by which namespace it exists in.  RoleBindings in a given namespace only have effect in that namespace.',
      {
        apiVersion: API_VERSION,
        kind: KIND,
        metadata: METADATA,
        roleRef: ref(
          `${RBAC}.RoleRef`,
          'RoleRef can reference a Role in the current namespace or a ClusterRole in the global namespace. If the RoleRef cannot be resolved, the Authorizer must return an error. This field is immutable.',
        ),
        subjects,
      },
      ['roleRef'],
    ),
    ...gvk('RoleBinding'),
  },
  [`${RBAC}.ClusterRoleBinding`]: {
    ...struct(
      'ClusterRoleBinding references a ClusterRole, but not contain it.  It can reference a ClusterRole in the global namespace, and adds who information via Subject.',
      {
        apiVersion: API_VERSION,
        kind: KIND,
        metadata: METADATA,
        roleRef: ref(
          `${RBAC}.RoleRef`,
          'RoleRef can only reference a ClusterRole in the global namespace. If the RoleRef cannot be resolved, the Authorizer must return an error. This field is immutable.',
        ),
        subjects,
      },
      ['roleRef'],
    ),
    ...gvk('ClusterRoleBinding'),
  },
  [`${RBAC}.PolicyRule`]: struct(
    'PolicyRule holds information that describes a policy rule, but does not contain information about who the rule applies to or which namespace the rule applies to.',
    {
      apiGroups: strings(
        'APIGroups is the name of the APIGroup that contains the resources.  If multiple API groups are specified, any action requested against one of the enumerated resources in any API group will be allowed. "" represents the core API group and "*" represents all API groups.',
      ),
      nonResourceURLs: strings(
        'NonResourceURLs is a set of partial urls that a user should have access to.  *s are allowed, but only as the full, final step in the path Since non-resource URLs are not namespaced, this field is only applicable for ClusterRoles referenced from a ClusterRoleBinding. Rules can either apply to API resources (such as "pods" or "secrets") or non-resource URL paths (such as "/api"),  but not both.',
      ),
      resourceNames: strings(
        'ResourceNames is an optional white list of names that the rule applies to.  An empty set means that everything is allowed.',
      ),
      resources: strings(
        "Resources is a list of resources this rule applies to. '*' represents all resources.",
      ),
      verbs: strings(
        "Verbs is a list of Verbs that apply to ALL the ResourceKinds contained in this rule. '*' represents all verbs.",
      ),
    },
    ['verbs'],
  ),
  [`${RBAC}.AggregationRule`]: struct(
    'AggregationRule describes how to locate ClusterRoles to aggregate into the ClusterRole',
    {
      clusterRoleSelectors: refs(
        "ClusterRoleSelectors holds a list of selectors which will be used to find ClusterRoles and create the rules. If any of the selectors match, then the ClusterRole's permissions will be added",
        LABEL_SELECTOR,
      ),
    },
  ),
  [`${RBAC}.RoleRef`]: {
    ...struct(
      'RoleRef contains information that points to the role being used',
      {
        apiGroup: str('APIGroup is the group for the resource being referenced', { default: '' }),
        kind: str('Kind is the type of resource being referenced', { default: '' }),
        name: str('Name is the name of resource being referenced', { default: '' }),
      },
      ['apiGroup', 'kind', 'name'],
    ),
    'x-kubernetes-map-type': 'atomic',
  },
  [`${RBAC}.Subject`]: {
    ...struct(
      'Subject contains a reference to the object or user identities a role binding applies to.  This can either hold a direct API object reference, or a value for non-objects such as user and group names.',
      {
        apiGroup: str(
          'APIGroup holds the API group of the referenced subject. Defaults to "" for ServiceAccount subjects. Defaults to "rbac.authorization.k8s.io" for User and Group subjects.',
        ),
        kind: str(
          'Kind of object being referenced. Values defined by this API group are "User", "Group", and "ServiceAccount". If the Authorizer does not recognized the kind value, the Authorizer should report an error.',
          { default: '' },
        ),
        name: str('Name of the object being referenced.', { default: '' }),
        namespace: str(
          'Namespace of the referenced object.  If the object kind is non-namespace, such as "User" or "Group", and this value is not empty the Authorizer should report an error.',
        ),
      },
      ['kind', 'name'],
    ),
    'x-kubernetes-map-type': 'atomic',
  },
};
