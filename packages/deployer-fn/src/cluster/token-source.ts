import { GoogleAuth } from 'google-auth-library';
import { transient } from '../errors';

/** An OAuth access token for both the Container API and the GKE API server. */
export interface TokenSource {
  getToken(options?: { forceRefresh?: boolean }): Promise<string>;
}

const CLOUD_PLATFORM_SCOPE = 'https://www.googleapis.com/auth/cloud-platform';

/**
 * Application Default Credentials (on Cloud Run the metadata server, which
 * google-auth-library finds through GCE_METADATA_HOST when set). The library
 * caches the token until shortly before it expires.
 */
export function googleTokenSource(
  options: { projectId?: string; auth?: GoogleAuth } = {},
): TokenSource {
  // Naming the project up front spares the library its project discovery (which
  // shells out to gcloud and costs most of a second at cold start).
  const auth =
    options.auth ??
    new GoogleAuth({
      scopes: [CLOUD_PLATFORM_SCOPE],
      ...(options.projectId === undefined ? {} : { projectId: options.projectId }),
    });
  return {
    async getToken(options = {}) {
      try {
        const client = await auth.getClient();
        // Dropping the cached access token forces a new one; the rest (Compute's
        // placeholder refresh token, a user's real one) must stay or refresh fails.
        if (options.forceRefresh) {
          client.credentials = { ...client.credentials, access_token: null, expiry_date: null };
        }
        const { token } = await client.getAccessToken();
        if (!token) throw new Error('no access token returned');
        return token;
      } catch (err) {
        throw transient(
          'CREDENTIALS_UNAVAILABLE',
          `cannot get an access token: ${(err as Error).message?.slice(0, 200)}`,
          {
            cause: err,
          },
        );
      }
    },
  };
}
