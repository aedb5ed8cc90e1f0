package io.gitfaas.frontend.api;

import io.gitfaas.callback.CallbackSigner;
import io.gitfaas.frontend.auth.Identity;
import io.javalin.http.Context;
import java.util.LinkedHashMap;
import java.util.Map;

/** What a user needs to check the callbacks of their tasks. */
public final class CallbackRoutes {
  static final String NOT_SET_UP =
      "this service sends no callbacks (it has no CALLBACK_SIGNING_KEY)";

  private final CallbackSigner signer;

  /**
   * @param signer null where the service sends no callbacks
   */
  public CallbackRoutes(CallbackSigner signer) {
    this.signer = signer;
  }

  /**
   * The signed-in user's callback secret, and how a callback is signed with it: {@code {"secret",
   * "header", "format"}}.
   */
  public void getCallbackSecret(Context ctx) {
    if (signer == null) {
      throw new ApiException(404, NOT_SET_UP);
    }
    Identity user = Identities.of(ctx);
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("secret", signer.secretOf(user.email()));
    body.put("header", CallbackSigner.HEADER);
    body.put("format", "t=<unix seconds>,v1=<hex of HMAC-SHA256(secret, \"<t>.<body>\")>");
    ctx.header("Cache-Control", "no-store");
    JsonResponses.send(ctx, 200, body);
  }
}
