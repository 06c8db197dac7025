/**
 * Who is making a request, as established by authentication. Every surface passes one of these to
 * the authorizer; none of them decides permissions by itself.
 */
export type Principal =
  | { readonly kind: 'anonymous' }
  /** An API key; `keyId` is the key's record id (as shown by the System API), `roleId` its role. */
  | { readonly kind: 'apiKey'; readonly keyId: number; readonly roleId: number }
  | { readonly kind: 'admin'; readonly adminId: number; readonly sessionId: string }
  /** An end user of the application, from its identity provider's JWT; the role is named by a claim. */
  | {
      readonly kind: 'user';
      readonly subject: string;
      readonly roleName: string;
      readonly claims: Readonly<Record<string, unknown>>;
    };

export const ANONYMOUS: Principal = Object.freeze({ kind: 'anonymous' });

