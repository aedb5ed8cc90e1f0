package io.gitfaas.frontend.auth;

/** The signed-in user of a request, from a verified ID token. */
public record Identity(String email, boolean admin) {}
