package haia.api;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Clock;
import java.util.Base64;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import haia.config.Secret;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * Verifies the user token OpenWebUI sends with each request when its {@code FORWARD_USER_INFO_HEADER_JWT_SECRET} is
 * set: a JWT signed with HS256 over that secret, {@code iss} {@code open-webui}, {@code sub} the user's id, {@code exp}
 * its expiry (OpenWebUI's {@code utils/headers.py}). Only HS256 is accepted: a token naming another algorithm
 * ({@code none} above all) is refused, whatever its signature. Pure: no HTTP, the clock given.
 */
public final class OpenWebUiJwt {

    static final String ISSUER = "open-webui";
    /** Clocks of two hosts differ a little: a token is still taken this long after its {@code exp}. */
    static final long LEEWAY_SECONDS = 30;
    private static final int MAX_TOKEN_CHARS = 8192;
    private static final int MAX_SUBJECT_CHARS = 256;
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Why a token was refused, said without repeating the token. */
    public static final class Invalid extends Exception {
        Invalid(String message) {
            super(message, null, false, false);
        }
    }

    private final SecretKeySpec key;
    private final Clock clock;

    public OpenWebUiJwt(Secret secret, Clock clock) {
        this.key = new SecretKeySpec(secret.reveal().getBytes(StandardCharsets.UTF_8), "HmacSHA256");
        this.clock = clock;
    }

    /** The verified user's id (the token's {@code sub}). */
    public String verify(String token) throws Invalid {
        String[] parts = token.strip().split("\\.", -1);
        if (token.length() > MAX_TOKEN_CHARS || parts.length != 3) {
            throw new Invalid("it is not a JWT (three base64url parts separated by dots)");
        }
        JsonNode header = json(parts[0], "header");
        if (!"HS256".equals(header.path("alg").asText(null))) {
            throw new Invalid("its algorithm is '" + abbreviate(header.path("alg").asText("none"))
                                      + "'; OpenWebUI signs with HS256, the only one HAIA accepts");
        }
        byte[] signature = decode(parts[2], "signature");
        if (!MessageDigest.isEqual(sign(parts[0] + "." + parts[1]), signature)) {
            throw new Invalid("its signature does not match HAIA_OPENWEBUI_JWT_SECRET (it must be the same as "
                                      + "OpenWebUI's FORWARD_USER_INFO_HEADER_JWT_SECRET)");
        }
        JsonNode claims = json(parts[1], "payload");
        if (!ISSUER.equals(claims.path("iss").asText(null))) {
            throw new Invalid("its issuer is not '" + ISSUER + "'");
        }
        if (!claims.path("exp").isNumber()) {
            throw new Invalid("it has no expiry (exp)");
        }
        long now = clock.instant().getEpochSecond();
        if (claims.path("exp").asLong() + LEEWAY_SECONDS < now) {
            throw new Invalid("it has expired");
        }
        String subject = claims.path("sub").isTextual() ? claims.path("sub").asText() : "";
        if (subject.isBlank() || subject.length() > MAX_SUBJECT_CHARS) {
            throw new Invalid("it names no user (sub)");
        }
        return subject;
    }

    private byte[] sign(String signingInput) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(key);
            return mac.doFinal(signingInput.getBytes(StandardCharsets.US_ASCII));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is part of every JDK", e);
        }
    }

    private static JsonNode json(String part, String what) throws Invalid {
        try {
            JsonNode node = JSON.readTree(decode(part, what));
            if (node != null && node.isObject()) {
                return node;
            }
        } catch (java.io.IOException e) {
            // said below
        }
        throw new Invalid("its " + what + " is not a JSON object");
    }

    private static byte[] decode(String part, String what) throws Invalid {
        try {
            return Base64.getUrlDecoder().decode(part);
        } catch (IllegalArgumentException e) {
            throw new Invalid("its " + what + " is not base64url");
        }
    }

    private static String abbreviate(String value) {
        return value.length() <= 16 ? value : value.substring(0, 16) + "...";
    }
}
