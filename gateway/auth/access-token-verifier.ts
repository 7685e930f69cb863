import { createRemoteJWKSet, errors, jwtVerify, type JWTVerifyGetKey } from 'jose';
import { ErrorCode } from '../../common/errors.ts';
import { HttpError } from '../../common/http/http-error.ts';
import { isRole, type Viewer } from '../../common/viewer.ts';

/** The only algorithm accounts signs with; pinning it rules out `none` and HS256-with-the-public-key. */
export const ACCESS_TOKEN_ALGORITHMS = ['ES256'];

export interface AccessTokenVerifierOptions {
  readonly jwksUrl: string;
  readonly issuer: string;
  readonly audience: string;
  /** After fetching the JWKS, how long before a token with an unknown key may fetch it again. */
  readonly jwksCooldownSeconds?: number;
  /** For tests: a key set other than the remote JWKS. */
  readonly keySet?: JWTVerifyGetKey;
}

const refuse = (reason: string, message: string) => new HttpError(401, ErrorCode.unauthenticated, message, { 'www-authenticate': 'Bearer error="invalid_token"' }, { reason });

function explain(error: unknown): HttpError {
  if (error instanceof errors.JWTExpired) return refuse('TOKEN_EXPIRED', 'The access token has expired; log in again.');
  if (error instanceof errors.JWTClaimValidationFailed && error.claim === 'nbf') {
    return refuse('TOKEN_NOT_YET_VALID', 'The access token is not valid yet.');
  }
  if (error instanceof errors.JWTClaimValidationFailed) {
    return refuse('TOKEN_CLAIM_INVALID', `The access token's "${error.claim}" claim is not valid.`);
  }
  if (error instanceof errors.JOSEAlgNotAllowed) return refuse('TOKEN_ALGORITHM_NOT_ALLOWED', 'The access token is not signed with an accepted algorithm.');
  if (error instanceof errors.JWKSNoMatchingKey) return refuse('TOKEN_KEY_UNKNOWN', 'The access token was signed with an unknown key.');
  if (error instanceof errors.JWSSignatureVerificationFailed) return refuse('TOKEN_SIGNATURE_INVALID', 'The access token signature is not valid.');
  if (error instanceof errors.JWKSTimeout || error instanceof errors.JWKSInvalid) {
    return new HttpError(503, ErrorCode.authUnavailable, 'Access tokens cannot be verified right now; try again shortly.');
  }
  if (error instanceof errors.JOSEError) return refuse('TOKEN_MALFORMED', 'The access token is malformed.');
  throw error;
}

/** A verified access token: who it names and when it stops being valid. */
export interface VerifiedAccessToken {
  readonly viewer: Viewer;
  /** The `exp` claim, in milliseconds since the epoch. */
  readonly expiresAt: number;
}

/**
 * Verifies `Authorization: Bearer` tokens against the accounts service's JWKS. jose caches the
 * key set and fetches it again when a token names a key it does not know (rotation), at most
 * once per cooldown. No header means an anonymous caller; a bad token is refused outright.
 */
export function createAccessTokenVerifier(options: AccessTokenVerifierOptions) {
  const keySet =
    options.keySet ??
    createRemoteJWKSet(new URL(options.jwksUrl), {
      cooldownDuration: (options.jwksCooldownSeconds ?? 30) * 1000,
      cacheMaxAge: 10 * 60_000,
      timeoutDuration: 5_000,
    });

  /** Verifies a `Bearer <token>` value (HTTP header or graphql-ws `connection_init`); throws an HttpError when it is bad. */
  async function verify(authorization: string): Promise<VerifiedAccessToken> {
    const match = /^Bearer\s+(\S+)$/i.exec(authorization.trim());
    if (!match?.[1]) throw refuse('TOKEN_MALFORMED', 'The Authorization header must be "Bearer <token>".');
    try {
      const { payload } = await jwtVerify(match[1], keySet, {
        algorithms: ACCESS_TOKEN_ALGORITHMS,
        issuer: options.issuer,
        audience: options.audience,
        requiredClaims: ['exp', 'sub'],
        clockTolerance: 5,
      });
      if (!payload.sub || !isRole(payload['role'])) throw refuse('TOKEN_CLAIM_INVALID', 'The access token carries no valid role.');
      const scope = payload['scope'];
      const scopes = typeof scope === 'string' ? scope.split(' ').filter(Boolean) : [];
      return { viewer: { id: payload.sub, role: payload['role'], scopes }, expiresAt: (payload.exp ?? 0) * 1000 };
    } catch (error) {
      if (error instanceof HttpError) throw error;
      throw explain(error);
    }
  }

  const viewerFrom = async (authorization: string | undefined): Promise<Viewer | null> => (authorization ? (await verify(authorization)).viewer : null);
  return Object.assign(viewerFrom, { verify });
}
export type AccessTokenVerifier = ReturnType<typeof createAccessTokenVerifier>;
