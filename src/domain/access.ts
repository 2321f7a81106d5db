// Who is asking, and what their role lets them do. Roles are ordered: admin can do what write can, write what read can.
import type { User } from '../db/generated/client';

export type Role = 'READ' | 'WRITE' | 'ADMIN';

const RANK: Record<Role, number> = { READ: 1, WRITE: 2, ADMIN: 3 };

export interface Viewer {
  /** The user records are created as: the token's user, or the server's user for anonymous local access. */
  user: User;
  /** Null: no role at all (no token where one is required). */
  role: Role | null;
  /** The token the request carried, if any. */
  tokenUid: string | null;
  /** Served without a token (local access to a server that has no tokens yet). */
  anonymous: boolean;
}

export function hasRole(viewer: Pick<Viewer, 'role'>, needed: Role): boolean {
  return viewer.role !== null && RANK[viewer.role] >= RANK[needed];
}

export function roleName(role: Role): string {
  return role.toLowerCase();
}
