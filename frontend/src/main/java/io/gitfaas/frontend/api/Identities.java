package io.gitfaas.frontend.api;

import io.gitfaas.frontend.auth.Identity;
import io.javalin.http.Context;

/** Where the authentication filter leaves the request's verified identity. */
public final class Identities {
  static final String ATTRIBUTE = "gitfaas.identity";

  private Identities() {}

  public static void set(Context ctx, Identity identity) {
    ctx.attribute(ATTRIBUTE, identity);
  }

  public static Identity of(Context ctx) {
    Identity identity = ctx.attribute(ATTRIBUTE);
    if (identity == null) {
      throw new IllegalStateException("route reached without authentication");
    }
    return identity;
  }
}
