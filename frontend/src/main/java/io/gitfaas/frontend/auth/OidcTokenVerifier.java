package io.gitfaas.frontend.auth;

import com.fasterxml.jackson.databind.JsonNode;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jose.jwk.source.JWKSourceBuilder;
import com.nimbusds.jose.proc.JWSVerificationKeySelector;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.proc.DefaultJWTClaimsVerifier;
import com.nimbusds.jwt.proc.DefaultJWTProcessor;
import io.gitfaas.json.Json;
import java.io.IOException;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Locale;
import java.util.Set;

/**
 * Verifies the OIDC ID token oauth2-proxy forwards: signature against the issuer's published keys
 * (fetched through its discovery document, refreshed when a new key appears), issuer, audience (our
 * client id) and expiry. Forwarded headers are never trusted on their own.
 */
public final class OidcTokenVerifier {
  private final String issuer;
  private final String clientId;
  private final String emailClaim;
  private final Set<String> adminEmails;
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private volatile DefaultJWTProcessor<SecurityContext> processor;

  /**
   * Tokens verified before, by their exact text, until they expire: a signature check per request
   * is most of an API call's cost. Only a token that verified is remembered.
   */
  private final java.util.concurrent.ConcurrentHashMap<String, Verified> verified =
      new java.util.concurrent.ConcurrentHashMap<>();

  private static final int MAX_REMEMBERED = 10_000;

  private static final java.util.regex.Pattern ASCII_ADDRESS =
      java.util.regex.Pattern.compile("[\\x21-\\x7e]+");

  private record Verified(Identity identity, java.time.Instant expires) {}

  public OidcTokenVerifier(
      String issuer, String clientId, String emailClaim, Set<String> adminEmails) {
    this.issuer = issuer;
    this.clientId = clientId;
    this.emailClaim = emailClaim;
    this.adminEmails = adminEmails;
  }

  /** Thrown when the identity provider cannot be reached to learn its keys. */
  public static final class ProviderUnavailableException extends Exception {
    private static final long serialVersionUID = 1L;

    ProviderUnavailableException(String message, Throwable cause) {
      super(message, cause);
    }
  }

  public Identity verify(String authorizationHeader)
      throws UnauthenticatedException, ProviderUnavailableException {
    if (authorizationHeader == null
        || !authorizationHeader.regionMatches(true, 0, "Bearer ", 0, 7)) {
      throw new UnauthenticatedException("sign in first: no ID token in the request");
    }
    String token = authorizationHeader.substring(7).trim();
    Verified known = verified.get(token);
    if (known != null) {
      if (java.time.Instant.now().isBefore(known.expires())) {
        return known.identity();
      }
      verified.remove(token);
    }
    JWTClaimsSet claims;
    try {
      claims = processor().process(token, null);
    } catch (ProviderUnavailableException e) {
      throw e;
    } catch (Exception e) {
      throw new UnauthenticatedException("sign in again: the ID token is not valid");
    }
    Object email = claims.getClaim(emailClaim);
    if (!(email instanceof String address) || address.isBlank()) {
      throw new UnauthenticatedException("the ID token has no '" + emailClaim + "' claim");
    }
    // Only the provider's word that the address is the user's makes it an identity: an
    // unverified address could be anyone's, an admin's included.
    if (!Boolean.TRUE.equals(claims.getClaim("email_verified"))) {
      throw new UnauthenticatedException("the e-mail address is not verified");
    }
    // A token issued to another client of the same provider is not a sign-in to this service.
    Object azp = claims.getClaim("azp");
    if (azp != null && !clientId.equals(azp)) {
      throw new UnauthenticatedException(
          "sign in again: the ID token was issued to another client");
    }
    String normalized = address.trim();
    // Addresses are compared lower-cased; outside ASCII, case folding can make two addresses
    // one (the Kelvin sign K lower-cases to k), so such addresses are not accepted at all.
    if (!ASCII_ADDRESS.matcher(normalized).matches()) {
      throw new UnauthenticatedException(
          "the e-mail address must be plain ASCII (internationalized addresses are not supported)");
    }
    normalized = normalized.toLowerCase(Locale.ROOT);
    Identity identity = new Identity(normalized, adminEmails.contains(normalized));
    if (claims.getExpirationTime() != null) {
      if (verified.size() >= MAX_REMEMBERED) {
        verified.clear();
      }
      verified.put(token, new Verified(identity, claims.getExpirationTime().toInstant()));
    }
    return identity;
  }

  private DefaultJWTProcessor<SecurityContext> processor() throws ProviderUnavailableException {
    DefaultJWTProcessor<SecurityContext> p = processor;
    if (p != null) {
      return p;
    }
    synchronized (this) {
      if (processor == null) {
        processor = build();
      }
      return processor;
    }
  }

  private DefaultJWTProcessor<SecurityContext> build() throws ProviderUnavailableException {
    String discovery = issuer + "/.well-known/openid-configuration";
    JsonNode doc;
    try {
      HttpResponse<byte[]> response =
          http.send(
              HttpRequest.newBuilder(URI.create(discovery)).timeout(Duration.ofSeconds(5)).build(),
              HttpResponse.BodyHandlers.ofByteArray());
      if (response.statusCode() != 200) {
        throw new IOException("HTTP " + response.statusCode());
      }
      doc = Json.MAPPER.readTree(response.body());
    } catch (IOException e) {
      throw new ProviderUnavailableException("identity provider unavailable: " + discovery, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ProviderUnavailableException("interrupted", e);
    }
    String advertised = doc.path("issuer").asText();
    if (!issuer.equals(advertised)) {
      throw new ProviderUnavailableException(
          "issuer mismatch: configured " + issuer + ", provider says " + advertised, null);
    }
    URL jwks;
    try {
      jwks = URI.create(doc.path("jwks_uri").asText()).toURL();
    } catch (IOException | IllegalArgumentException e) {
      throw new ProviderUnavailableException("provider has no valid jwks_uri", e);
    }
    JWKSource<SecurityContext> keys = JWKSourceBuilder.create(jwks).retrying(true).build();
    var p = new DefaultJWTProcessor<SecurityContext>();
    p.setJWSKeySelector(
        new JWSVerificationKeySelector<>(
            Set.of(JWSAlgorithm.RS256, JWSAlgorithm.ES256, JWSAlgorithm.PS256), keys));
    p.setJWTClaimsSetVerifier(
        new DefaultJWTClaimsVerifier<>(
            clientId,
            new JWTClaimsSet.Builder().issuer(issuer).build(),
            Set.of("sub", "exp", "iat")));
    return p;
  }
}
