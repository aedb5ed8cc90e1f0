package io.gitfaas.frontend.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import io.gitfaas.git.GitUrlPolicy;
import io.gitfaas.git.RejectedUrlException;
import io.gitfaas.json.Json;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/** Turns a createTask body into a validated task, or a 400 that says what is wrong. */
public final class CreateTaskParser {
  public static final int MAX_PARAMETERS = 64;
  public static final int MAX_PARAMETER_BYTES = 4096;
  public static final int MAX_REF_LENGTH = 255;

  /** The most tasks one createTasks request may hold: the original system's active-task limit. */
  public static final int MAX_BATCH = 80;

  private static final Set<String> FIELDS = Set.of("url", "parameters", "ref", "callbackUrl");
  private static final Pattern BAD_REF =
      Pattern.compile("(^-)|(\\.\\.)|[\\x00-\\x20\\x7f~^:?*\\[\\\\]");

  private final GitUrlPolicy policy;
  private final boolean callbacks;

  /**
   * @param policy what repository URLs, and callback URLs, may be
   * @param callbacks whether the service sends callbacks (it has a signing key)
   */
  public CreateTaskParser(GitUrlPolicy policy, boolean callbacks) {
    this.policy = policy;
    this.callbacks = callbacks;
  }

  /** A validated createTask body. */
  public record Parsed(String url, String ref, List<String> parameters, String callbackUrl) {}

  /** One task of a createTasks body: parsed, or refused with why. */
  public record BatchItem(Parsed task, ApiException refused) {}

  public Parsed parse(byte[] body) {
    return parse(read(body));
  }

  /**
   * A createTasks body, {@code {"tasks": [task, ...]}} with 1 to {@link #MAX_BATCH} tasks: each
   * item parsed, or the 400 that says what is wrong with it. A body that is not such a list is
   * refused as a whole.
   */
  public List<BatchItem> parseBatch(byte[] body) {
    JsonNode root = read(body);
    JsonNode items = root == null || !root.isObject() ? null : root.get("tasks");
    if (items == null || !items.isArray() || root.size() != 1) {
      throw bad("body must be a JSON object like {\"tasks\": [{\"url\": \"https://...\"}, ...]}");
    }
    if (items.isEmpty() || items.size() > MAX_BATCH) {
      throw bad("'tasks' must hold 1 to " + MAX_BATCH + " tasks; it holds " + items.size());
    }
    List<BatchItem> out = new ArrayList<>();
    for (JsonNode item : items) {
      try {
        out.add(new BatchItem(parse(item), null));
      } catch (ApiException e) {
        out.add(new BatchItem(null, e));
      }
    }
    return out;
  }

  private static JsonNode read(byte[] body) {
    try {
      return Json.MAPPER.readTree(body);
    } catch (JsonProcessingException e) {
      throw bad("body is not valid JSON");
    } catch (java.io.IOException e) {
      throw bad("body could not be read");
    }
  }

  private Parsed parse(JsonNode root) {
    if (root == null || !root.isObject()) {
      throw bad("body must be a JSON object like {\"url\": \"https://...\", \"parameters\": []}");
    }
    for (Iterator<String> names = root.fieldNames(); names.hasNext(); ) {
      String name = names.next();
      if (!FIELDS.contains(name)) {
        throw bad("unknown field '" + name + "'; allowed: url, parameters, ref, callbackUrl");
      }
    }
    JsonNode url = root.get("url");
    if (url == null || !url.isTextual()) {
      throw bad("'url' must be a string");
    }
    try {
      policy.check(url.asText());
    } catch (RejectedUrlException e) {
      throw bad(e.getMessage());
    }
    return new Parsed(
        url.asText(),
        ref(root.get("ref")),
        parameters(root.get("parameters")),
        callbackUrl(root.get("callbackUrl")));
  }

  /** Held to the repository URLs' policy (https, public addresses); checked again at sending. */
  private String callbackUrl(JsonNode url) {
    if (url == null || url.isNull()) {
      return null;
    }
    if (!callbacks) {
      throw bad(CallbackRoutes.NOT_SET_UP);
    }
    if (!url.isTextual()) {
      throw bad("'callbackUrl' must be a string");
    }
    try {
      policy.anyHost().check(url.asText());
    } catch (RejectedUrlException e) {
      throw bad("callbackUrl: " + e.getMessage());
    }
    return url.asText();
  }

  private static String ref(JsonNode ref) {
    if (ref == null || ref.isNull()) {
      return null;
    }
    if (!ref.isTextual() || ref.asText().isEmpty()) {
      throw bad("'ref' must be a non-empty string (a branch, tag or commit)");
    }
    String value = ref.asText();
    if (value.length() > MAX_REF_LENGTH || BAD_REF.matcher(value).find()) {
      throw bad("'ref' is not a valid branch, tag or commit name");
    }
    return value;
  }

  private static List<String> parameters(JsonNode params) {
    if (params == null || params.isNull()) {
      return List.of();
    }
    if (!params.isArray()) {
      throw bad("'parameters' must be an array of strings");
    }
    if (params.size() > MAX_PARAMETERS) {
      throw bad("at most " + MAX_PARAMETERS + " parameters are allowed");
    }
    List<String> out = new ArrayList<>();
    for (int i = 0; i < params.size(); i++) {
      JsonNode p = params.get(i);
      if (!p.isTextual()) {
        throw bad("parameter " + i + " must be a string");
      }
      String value = p.asText();
      if (value.getBytes(StandardCharsets.UTF_8).length > MAX_PARAMETER_BYTES) {
        throw bad("parameter " + i + " is longer than " + MAX_PARAMETER_BYTES + " bytes");
      }
      if (value.indexOf('\0') >= 0) {
        throw bad("parameter " + i + " contains a NUL character, which no program can receive");
      }
      out.add(value);
    }
    return out;
  }

  private static ApiException bad(String message) {
    return new ApiException(400, message);
  }
}
