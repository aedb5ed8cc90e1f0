package io.gitfaas.callback;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * How a callback proves it comes from this service: an HMAC-SHA256 over {@code "<unix
 * seconds>.<body>"} with the task owner's secret, sent as {@value #HEADER}: {@code t=<unix
 * seconds>,v1=<hex>}. Each user's secret is derived from the service's signing key, so a user can
 * check only their own callbacks, and no secret is stored.
 */
public final class CallbackSigner {
  public static final String HEADER = "X-Gitfaas-Signature";

  private final byte[] key;

  public CallbackSigner(String signingKey) {
    this.key = signingKey.getBytes(StandardCharsets.UTF_8);
  }

  /** The owner's secret (hex), as {@code getCallbackSecret} shows it to them. */
  public String secretOf(String owner) {
    return HexFormat.of().formatHex(hmac(key, "gitfaas-callback-secret:" + owner));
  }

  /** The header value for {@code body} sent at {@code unixSeconds} for {@code owner}. */
  public String sign(String owner, long unixSeconds, byte[] body) {
    return "t=" + unixSeconds + ",v1=" + signature(secretOf(owner), unixSeconds, body);
  }

  /** What a receiver computes with its secret to compare with the header's v1. */
  public static String signature(String secret, long unixSeconds, byte[] body) {
    byte[] prefix = (unixSeconds + ".").getBytes(StandardCharsets.UTF_8);
    byte[] signed = new byte[prefix.length + body.length];
    System.arraycopy(prefix, 0, signed, 0, prefix.length);
    System.arraycopy(body, 0, signed, prefix.length, body.length);
    return HexFormat.of().formatHex(hmac(secret.getBytes(StandardCharsets.UTF_8), signed));
  }

  private static byte[] hmac(byte[] key, String message) {
    return hmac(key, message.getBytes(StandardCharsets.UTF_8));
  }

  private static byte[] hmac(byte[] key, byte[] message) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(key, "HmacSHA256"));
      return mac.doFinal(message);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 is part of every JDK", e);
    }
  }
}
