package io.gitfaas.task;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Locale;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A user's storage key: a hash of the verified e-mail address. NATS bucket and object names allow
 * few characters, and a hash keeps addresses out of resource names.
 */
public final class UserKey {
  /** Keys of recent users: every request needs one, and a hash each time costs more than a look. */
  private static final int REMEMBERED = 10_000;

  private static final ConcurrentHashMap<String, String> KEYS = new ConcurrentHashMap<>();

  private UserKey() {}

  public static String of(String email) {
    String key = KEYS.get(email);
    if (key == null) {
      if (KEYS.size() >= REMEMBERED) {
        KEYS.clear();
      }
      key = hash(email);
      KEYS.put(email, key);
    }
    return key;
  }

  private static String hash(String email) {
    try {
      byte[] digest =
          MessageDigest.getInstance("SHA-256")
              .digest(email.trim().toLowerCase(Locale.ROOT).getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(digest, 0, 16);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
