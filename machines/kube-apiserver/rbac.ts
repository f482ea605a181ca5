/**
 * RBAC authorization (rbac.authorization.k8s.io/v1): rules from Roles and ClusterRoles, granted
 * by bindings to users and groups. Additive only: there are no deny rules. The system:masters
 * group is allowed everything, as upstream's superuser short-circuit does.
 */
import type { KObject } from '../../src/api/objects.ts';
import type { UserInfo } from './authn.ts';

export interface PolicyRule {
  apiGroups?: string[];
  resources?: string[];
  verbs: string[];
  resourceNames?: string[];
  nonResourceURLs?: string[];
}

export interface Attributes {
  verb: string;
  group: string;
  resource: string;
  subresource?: string;
  namespace?: string;
  name?: string;
}

interface Role extends KObject { rules?: PolicyRule[] }
interface Binding extends KObject {
  roleRef: { apiGroup?: string; kind: 'Role' | 'ClusterRole'; name: string };
  subjects?: Array<{ kind: 'User' | 'Group' | 'ServiceAccount'; name: string; namespace?: string }>;
}

const key = (ns: string | undefined, name: string) => `${ns ?? ''}/${name}`;

/** An in-memory index of the RBAC objects, kept current from the store's watch. */
export class RbacAuthorizer {
  private roles = new Map<string, Role>();
  private clusterRoles = new Map<string, Role>();
  private roleBindings = new Map<string, Binding>();
  private clusterRoleBindings = new Map<string, Binding>();

  /** Records an RBAC object write (or deletion when `deleted`). */
  observe(resource: string, obj: KObject, deleted: boolean): void {
    const maps: Record<string, Map<string, KObject>> = {
      roles: this.roles,
      clusterroles: this.clusterRoles,
      rolebindings: this.roleBindings,
      clusterrolebindings: this.clusterRoleBindings,
    };
    const m = maps[resource];
    if (!m) return;
    const k = key(obj.metadata.namespace, obj.metadata.name ?? '');
    if (deleted) m.delete(k);
    else m.set(k, obj);
  }

  /** True when some binding grants the user a rule that covers the request. */
  authorize(user: UserInfo, a: Attributes): boolean {
    if (user.groups.includes('system:masters')) return true;
    for (const b of this.clusterRoleBindings.values()) {
      if (!this.subjectMatches(b, user, undefined)) continue;
      const role = this.clusterRoles.get(key(undefined, b.roleRef.name));
      if (role && this.rulesAllow(role.rules, a)) return true;
    }
    if (a.namespace) {
      for (const b of this.roleBindings.values()) {
        if (b.metadata.namespace !== a.namespace || !this.subjectMatches(b, user, a.namespace)) continue;
        const role = b.roleRef.kind === 'ClusterRole' ? this.clusterRoles.get(key(undefined, b.roleRef.name)) : this.roles.get(key(a.namespace, b.roleRef.name));
        if (role && this.rulesAllow(role.rules, a)) return true;
      }
    }
    return false;
  }

  private subjectMatches(b: Binding, user: UserInfo, bindingNs: string | undefined): boolean {
    for (const s of b.subjects ?? []) {
      if (s.kind === 'User' && s.name === user.username) return true;
      if (s.kind === 'Group' && user.groups.includes(s.name)) return true;
      if (s.kind === 'ServiceAccount' && user.username === `system:serviceaccount:${s.namespace ?? bindingNs}:${s.name}`) return true;
    }
    return false;
  }

  private rulesAllow(rules: PolicyRule[] | undefined, a: Attributes): boolean {
    const resource = a.subresource ? `${a.resource}/${a.subresource}` : a.resource;
    for (const r of rules ?? []) {
      if (!has(r.verbs, a.verb)) continue;
      if (!has(r.apiGroups, a.group)) continue;
      const resources = r.resources ?? [];
      const resOk = resources.includes('*') || resources.includes(resource) || (a.subresource !== undefined && resources.includes(`*/${a.subresource}`));
      if (!resOk) continue;
      if (r.resourceNames && r.resourceNames.length > 0 && (!a.name || !r.resourceNames.includes(a.name))) continue;
      return true;
    }
    return false;
  }
}

function has(list: string[] | undefined, v: string): boolean {
  return !!list && (list.includes('*') || list.includes(v));
}

/** The upstream 403 reason text: `User "alice" cannot create resource "pods" in API group "" in the namespace "default"`. */
export function forbiddenReason(user: UserInfo, a: Attributes): string {
  const res = a.subresource ? `${a.resource}/${a.subresource}` : a.resource;
  const scope = a.namespace ? ` in the namespace "${a.namespace}"` : ' at the cluster scope';
  return `User "${user.username}" cannot ${a.verb} resource "${res}" in API group "${a.group}"${scope}`;
}
