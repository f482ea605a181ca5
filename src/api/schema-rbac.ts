/**
 * rbac.authorization.k8s.io/v1 schemas: policy rules and bindings with pkg/apis/rbac/validation's
 * rules. RBAC object names only need to be valid URL path segments.
 */
import { z } from 'zod';
import { body } from './field-errors.ts';
import { nameIsDNSSubdomain, nameIsPathSegment } from './names.ts';
import { kindSchema, opt, report, section, str, stringList } from './schema-meta.ts';

type Ctx = z.core.$RefinementCtx<unknown>;

const RBAC_GROUP = 'rbac.authorization.k8s.io';

/** A PolicyRule; namespaced rules (in a Role) may not name non-resource URLs. */
export function policyRule(namespaced: boolean) {
  return z.looseObject({ verbs: opt(stringList), apiGroups: opt(stringList), resources: opt(stringList), resourceNames: opt(stringList), nonResourceURLs: opt(stringList) }).superRefine((r, c) => {
    const ctx = c as Ctx;
    const n = (xs: string[] | null | undefined) => xs?.length ?? 0;
    if (n(r.verbs) === 0) report(ctx, ['verbs'], body.required('verbs must contain at least one value'));
    if (n(r.nonResourceURLs) > 0) {
      if (namespaced) report(ctx, ['nonResourceURLs'], body.invalid(r.nonResourceURLs, 'namespaced rules cannot apply to non-resource URLs'));
      if (n(r.apiGroups) + n(r.resources) + n(r.resourceNames) > 0) report(ctx, ['nonResourceURLs'], body.invalid(r.nonResourceURLs, 'rules cannot apply to both regular resources and non-resource URLs'));
      return;
    }
    if (n(r.apiGroups) === 0) report(ctx, ['apiGroups'], body.required('resource rules must supply at least one api group'));
    if (n(r.resources) === 0) report(ctx, ['resources'], body.required('resource rules must supply at least one resource'));
  });
}

function subject(namespacedBinding: boolean) {
  return z.looseObject({ kind: str, name: opt(str), namespace: opt(str), apiGroup: opt(str) }).superRefine((s, c) => {
    const ctx = c as Ctx;
    if (!s.name) report(ctx, ['name'], body.required());
    // v1 defaulting fills apiGroup for users and groups; an unset one is judged as that default.
    switch (s.kind) {
      case 'ServiceAccount':
        if (s.name) for (const msg of nameIsDNSSubdomain(s.name, false)) report(ctx, ['name'], body.invalid(s.name, msg));
        if (s.apiGroup) report(ctx, ['apiGroup'], body.notSupported(s.apiGroup, ['']));
        if (!namespacedBinding && !s.namespace) report(ctx, ['namespace'], body.required());
        break;
      case 'User': case 'Group':
        if ((s.apiGroup ?? RBAC_GROUP) !== RBAC_GROUP) report(ctx, ['apiGroup'], body.notSupported(s.apiGroup, [RBAC_GROUP]));
        break;
      default:
        report(ctx, ['kind'], body.notSupported(s.kind, ['ServiceAccount', 'User', 'Group']));
    }
  });
}

/** A RoleBinding (namespaced) or ClusterRoleBinding schema. */
export function binding(namespaced: boolean) {
  const kinds = namespaced ? ['Role', 'ClusterRole'] : ['ClusterRole'];
  return kindSchema(nameIsPathSegment, namespaced, {
    roleRef: section(z.looseObject({ apiGroup: opt(str), kind: str, name: str }).superRefine((r, c) => {
      const ctx = c as Ctx;
      if ((r.apiGroup || RBAC_GROUP) !== RBAC_GROUP) report(ctx, ['apiGroup'], body.notSupported(r.apiGroup, [RBAC_GROUP]));
      if (!kinds.includes(r.kind)) report(ctx, ['kind'], body.notSupported(r.kind, kinds));
      if (!r.name) report(ctx, ['name'], body.required());
      else for (const msg of nameIsPathSegment(r.name, false)) report(ctx, ['name'], body.invalid(r.name, msg));
    })),
    subjects: opt(z.array(subject(namespaced))),
  });
}
