/**
 * Who is making a request, as established by authentication. Every surface passes one of these to
 * the authorizer; none of them decides permissions by itself.
 */
export type Principal =
  | { readonly kind: 'anonymous' }
  | { readonly kind: 'apiKey'; readonly keyId: string; readonly roleId: string }
  | { readonly kind: 'admin'; readonly adminId: string }
  | {
      readonly kind: 'user';
      readonly subject: string;
      readonly roleId: string;
      readonly claims: Readonly<Record<string, unknown>>;
    };

export const ANONYMOUS: Principal = Object.freeze({ kind: 'anonymous' });
