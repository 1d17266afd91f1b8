// rbac.authorization.k8s.io/v1: defaulting and validation of Roles, ClusterRoles and their
// bindings, after kube's rbac/v1 defaults and pkg/apis/rbac/validation (v1.32). The sandbox
// stores and serves these objects; it does not authorize requests with them.
import { fieldErrors, type StatusCause } from '../errors.ts';
import { isObject } from '../meta.ts';
import { validateLabelSelector } from '../selectors.ts';
import { validateName } from './names.ts';
import type { Strategy } from './strategies.ts';

const GROUP = 'rbac.authorization.k8s.io';

function stringList(field: string, v: unknown, out: StatusCause[]): string[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v) || v.some((s) => typeof s !== 'string')) {
    out.push(fieldErrors.typeInvalid(field, v, 'must be a list of strings'));
    return [];
  }
  return v;
}

/** ValidatePolicyRule: verbs always; then either resources with API groups, or non-resource URLs. */
function validatePolicyRule(rule: unknown, namespaced: boolean, field: string): StatusCause[] {
  if (!isObject(rule)) return [fieldErrors.typeInvalid(field, rule, 'must be an object')];
  const out: StatusCause[] = [];
  const verbs = stringList(`${field}.verbs`, rule.verbs, out);
  const apiGroups = stringList(`${field}.apiGroups`, rule.apiGroups, out);
  const resources = stringList(`${field}.resources`, rule.resources, out);
  const resourceNames = stringList(`${field}.resourceNames`, rule.resourceNames, out);
  const urls = stringList(`${field}.nonResourceURLs`, rule.nonResourceURLs, out);
  if (out.length) return out;
  if (verbs.length === 0)
    out.push(fieldErrors.required(`${field}.verbs`, 'verbs must contain at least one value'));
  if (urls.length > 0) {
    if (namespaced)
      out.push(
        fieldErrors.invalid(
          `${field}.nonResourceURLs`,
          urls,
          'namespaced rules cannot apply to non-resource URLs',
        ),
      );
    if (apiGroups.length > 0 || resources.length > 0 || resourceNames.length > 0)
      out.push(
        fieldErrors.invalid(
          `${field}.nonResourceURLs`,
          urls,
          'rules cannot apply to both regular resources and non-resource URLs',
        ),
      );
    return out;
  }
  if (apiGroups.length === 0)
    out.push(fieldErrors.required(`${field}.apiGroups`, 'resource rules must supply at least one api group'));
  if (resources.length === 0)
    out.push(fieldErrors.required(`${field}.resources`, 'resource rules must supply at least one resource'));
  return out;
}

function validateRules(obj: any, namespaced: boolean): StatusCause[] {
  const rules = obj.rules;
  if (rules === undefined || rules === null) return [];
  if (!Array.isArray(rules))
    return [fieldErrors.typeInvalid('rules', rules, 'must be a list of policy rules')];
  return rules.flatMap((r, i) => validatePolicyRule(r, namespaced, `rules[${i}]`));
}

function validateAggregationRule(obj: any): StatusCause[] {
  const rule = obj.aggregationRule;
  if (rule === undefined || rule === null) return [];
  if (!isObject(rule)) return [fieldErrors.typeInvalid('aggregationRule', rule, 'must be an object')];
  const field = 'aggregationRule.clusterRoleSelectors';
  const selectors = rule.clusterRoleSelectors ?? [];
  if (!Array.isArray(selectors)) return [fieldErrors.typeInvalid(field, selectors, 'must be a list')];
  if (selectors.length === 0)
    return [
      fieldErrors.required(field, 'at least one clusterRoleSelector required if aggregationRule is non-nil'),
    ];
  return selectors.flatMap((s, i) => validateLabelSelector(s, `${field}[${i}]`));
}

/** SetDefaults_Subject: User and Group subjects belong to the RBAC group, service accounts to core. */
function defaultSubjects(obj: any): void {
  if (!Array.isArray(obj.subjects)) return;
  for (const s of obj.subjects) {
    if (!isObject(s) || (typeof s.apiGroup === 'string' && s.apiGroup !== '')) continue;
    if (s.kind === 'User' || s.kind === 'Group') s.apiGroup = GROUP;
    else if (s.kind === 'ServiceAccount') delete s.apiGroup;
  }
}

function defaultBinding(obj: any): void {
  // roleRef is a required struct in Go: absent, it decodes as empty, and its group defaults.
  if (obj.roleRef === undefined || obj.roleRef === null) obj.roleRef = {};
  if (isObject(obj.roleRef) && (obj.roleRef.apiGroup === undefined || obj.roleRef.apiGroup === ''))
    obj.roleRef.apiGroup = GROUP;
  defaultSubjects(obj);
}

function validateSubject(s: unknown, namespaced: boolean, field: string): StatusCause[] {
  if (!isObject(s)) return [fieldErrors.typeInvalid(field, s, 'must be an object')];
  const out: StatusCause[] = [];
  const name = typeof s.name === 'string' ? s.name : '';
  const apiGroup = typeof s.apiGroup === 'string' ? s.apiGroup : '';
  if (name === '') out.push(fieldErrors.required(`${field}.name`));
  switch (s.kind) {
    case 'ServiceAccount':
      if (name !== '') out.push(...validateName(`${field}.name`, name, 'subdomain'));
      if (apiGroup !== '') out.push(fieldErrors.unsupported(`${field}.apiGroup`, apiGroup, ['']));
      if (!namespaced && (typeof s.namespace !== 'string' || s.namespace === ''))
        out.push(fieldErrors.required(`${field}.namespace`));
      break;
    case 'User':
    case 'Group':
      if (apiGroup !== GROUP) out.push(fieldErrors.unsupported(`${field}.apiGroup`, apiGroup, [GROUP]));
      break;
    default:
      out.push(fieldErrors.unsupported(`${field}.kind`, s.kind ?? '', ['ServiceAccount', 'User', 'Group']));
  }
  return out;
}

function validateBinding(obj: any, namespaced: boolean): StatusCause[] {
  const out: StatusCause[] = [];
  const ref = obj.roleRef;
  if (!isObject(ref)) return [fieldErrors.typeInvalid('roleRef', ref, 'must be an object')];
  const apiGroup = typeof ref.apiGroup === 'string' ? ref.apiGroup : '';
  if (apiGroup !== GROUP) out.push(fieldErrors.unsupported('roleRef.apiGroup', apiGroup, [GROUP]));
  const kinds = namespaced ? ['Role', 'ClusterRole'] : ['ClusterRole'];
  if (!kinds.includes(ref.kind as string))
    out.push(fieldErrors.unsupported('roleRef.kind', ref.kind ?? '', kinds));
  const name = typeof ref.name === 'string' ? ref.name : '';
  if (name === '') out.push(fieldErrors.required('roleRef.name'));
  else out.push(...validateName('roleRef.name', name, 'path'));
  const subjects = obj.subjects;
  if (subjects !== undefined && subjects !== null) {
    if (!Array.isArray(subjects)) out.push(fieldErrors.typeInvalid('subjects', subjects, 'must be a list'));
    else out.push(...subjects.flatMap((s, i) => validateSubject(s, namespaced, `subjects[${i}]`)));
  }
  return out;
}

/** The Go value kube prints for an immutable roleRef: rbac.RoleRef{APIGroup:"...", Kind:"...", Name:"..."}. */
function goRoleRef(ref: any): string {
  const q = (v: unknown) => JSON.stringify(typeof v === 'string' ? v : '');
  return `rbac.RoleRef{APIGroup:${q(ref?.apiGroup)}, Kind:${q(ref?.kind)}, Name:${q(ref?.name)}}`;
}

function validateBindingUpdate(obj: any, old: any): StatusCause[] {
  const a = obj.roleRef ?? {};
  const b = old.roleRef ?? {};
  if (a.apiGroup === b.apiGroup && a.kind === b.kind && a.name === b.name) return [];
  return [
    {
      reason: 'FieldValueInvalid',
      message: `Invalid value: ${goRoleRef(a)}: cannot change roleRef`,
      field: 'roleRef',
    },
  ];
}

export const rbacStrategies: Record<string, Strategy> = {
  [`${GROUP}/roles`]: {
    nameRule: 'path',
    validate: (obj) => validateRules(obj, true),
  },
  [`${GROUP}/clusterroles`]: {
    nameRule: 'path',
    validate: (obj) => [...validateRules(obj, false), ...validateAggregationRule(obj)],
  },
  [`${GROUP}/rolebindings`]: {
    nameRule: 'path',
    defaults: defaultBinding,
    validate: (obj) => validateBinding(obj, true),
    validateUpdate: validateBindingUpdate,
  },
  [`${GROUP}/clusterrolebindings`]: {
    nameRule: 'path',
    defaults: defaultBinding,
    validate: (obj) => validateBinding(obj, false),
    validateUpdate: validateBindingUpdate,
  },
};
