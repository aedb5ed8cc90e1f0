package io.gitfaas.config;

import java.util.List;

/** Bad settings: the message names every variable that is wrong and why. */
public final class SettingsException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public SettingsException(List<String> problems) {
    super("invalid settings:\n  " + String.join("\n  ", problems));
  }
}
