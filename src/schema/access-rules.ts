// The access rule of a field is its `authScopes` (public, read, write or admin), declared where the field is. These
// helpers turn a rule that is not met into one line saying which role is missing and what to do about it.
import { type AuthFailure, AuthScopeFailureType } from '@pothos/plugin-scope-auth';
import { type Role, roleName, type Viewer } from '../domain/access';
import { ForbiddenError } from '../domain/errors';

const ROLES = ['read', 'write', 'admin'] as const;

/** The least role a field's authScopes ask for; undefined for public fields and fields without a rule. */
export function roleOfScopes(scopes: unknown): Role | undefined {
  if (!scopes || typeof scopes !== 'object') return undefined;
  const named = ROLES.find((role) => (scopes as Record<string, unknown>)[role] === true);
  return named?.toUpperCase() as Role | undefined;
}

/** The first role a failed scope check asked for. */
function neededRole(failure: AuthFailure): Role {
  if (failure.kind === AuthScopeFailureType.AuthScope) return roleOfScopes({ [failure.scope]: true }) ?? 'ADMIN';
  if (failure.kind === AuthScopeFailureType.AnyAuthScopes || failure.kind === AuthScopeFailureType.AllAuthScopes) {
    for (const child of failure.failures) return neededRole(child);
  }
  return 'ADMIN';
}

/** UNAUTHENTICATED when the caller has no role at all, FORBIDDEN when theirs is too small. */
export function refusal(viewer: Pick<Viewer, 'role'>, needed: Role): ForbiddenError {
  const name = roleName(needed);
  if (viewer.role === null) {
    return new ForbiddenError(
      `this operation needs a token with the ${name} role: send it as "Authorization: Bearer <token>" (an admin makes one with: trove token create --role ${name})`,
      name,
      'UNAUTHENTICATED',
    );
  }
  return new ForbiddenError(`this operation needs the ${name} role; your token has the ${roleName(viewer.role)} role`, name);
}

export function refusalFor(viewer: Pick<Viewer, 'role'>, failure: AuthFailure): ForbiddenError {
  return refusal(viewer, neededRole(failure));
}
