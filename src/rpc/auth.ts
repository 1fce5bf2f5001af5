// Lotus-style API tokens: HS256 JWTs whose `Allow` claim lists permissions (spec/devnet.md §3, manager.md §5.2).

import { randomBytes } from "node:crypto";
import { SignJWT, jwtVerify } from "jose";
import { PERMS, type Perm } from "../api/define.js";
import { AuthError } from "./errors.js";

export { AuthError };

export const SECRET_BYTES = 32;

export function randomSecret(): Uint8Array {
  return new Uint8Array(randomBytes(SECRET_BYTES));
}

/** Every level up to `perm`, as Lotus issues them: `sign` ⇒ read, write, sign. */
export function allowUpTo(perm: Perm): Perm[] {
  const i = PERMS.indexOf(perm);
  if (i < 0) throw new RangeError(`perm "${String(perm)}" must be one of ${PERMS.join(", ")}`);
  return PERMS.slice(0, i + 1);
}

export async function createToken(
  secret: Uint8Array,
  allow: readonly Perm[],
  opts?: { expiresInSeconds?: number },
): Promise<string> {
  for (const p of allow) if (!PERMS.includes(p)) throw new RangeError(`perm "${String(p)}" must be one of ${PERMS.join(", ")}`);
  const jwt = new SignJWT({ Allow: [...allow] }).setProtectedHeader({ alg: "HS256", typ: "JWT" });
  if (opts?.expiresInSeconds !== undefined) jwt.setExpirationTime(Math.floor(Date.now() / 1000) + opts.expiresInSeconds);
  return jwt.sign(secret);
}

/**
 * Checks the signature, `exp`/`nbf` if present, and the `Allow` claim; returns the known permissions in it
 * (unknown strings, which other Venus components may add, are ignored).
 */
export async function verifyToken(secret: Uint8Array, token: string): Promise<Perm[]> {
  let payload: Record<string, unknown>;
  try {
    ({ payload } = await jwtVerify(token, secret, { algorithms: ["HS256"] }));
  } catch (e) {
    throw new AuthError(`invalid token: ${e instanceof Error ? e.message : String(e)}`);
  }
  const allow = payload["Allow"];
  if (!Array.isArray(allow) || !allow.every((p) => typeof p === "string")) {
    throw new AuthError("invalid token: claim Allow must be an array of permission strings");
  }
  return PERMS.filter((p) => allow.includes(p));
}

/** An authenticate function for the rpc server: a valid token grants its `Allow`; no token or a bad one, nothing. */
export function tokenAuthenticator(secret: Uint8Array): (req: { token: string | null }) => Promise<Perm[] | null> {
  return async ({ token }) => {
    if (token === null) return null;
    try {
      return await verifyToken(secret, token);
    } catch (e) {
      if (e instanceof AuthError) return null;
      throw e;
    }
  };
}
