/**
 * Authentication: a static bearer-token table (kube-apiserver --token-auth-file). A request with
 * no token, or one not in the table, is rejected with 401 before anything else happens.
 */

export interface UserInfo {
  username: string;
  groups: string[];
}

export interface TokenEntry extends UserInfo {
  token: string;
}

export class TokenAuthenticator {
  private tokens = new Map<string, UserInfo>();

  constructor(entries: TokenEntry[] = []) {
    for (const e of entries) this.add(e);
  }

  add(e: TokenEntry): void {
    // Every authenticated user is also in system:authenticated, as upstream adds it.
    const groups = e.groups.includes('system:authenticated') ? e.groups : [...e.groups, 'system:authenticated'];
    this.tokens.set(e.token, { username: e.username, groups });
  }

  authenticate(token: string | undefined): UserInfo | undefined {
    if (token === undefined) return undefined;
    return this.tokens.get(token);
  }
}
