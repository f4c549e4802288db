package haia.testing;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.Base64;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Tokens as OpenWebUI signs them (PyJWT's {@code jwt.encode(payload, secret, algorithm="HS256")} in its
 * {@code utils/headers.py}): header {@code {"alg":"HS256","typ":"JWT"}}, base64url without padding, claims
 * {@code sub, email, name, role, iss: "open-webui", iat, exp}.
 */
public final class Jwts {

    private Jwts() {
    }

    /** OpenWebUI's claims for a user, valid from now for an hour. */
    public static ObjectNode claims(String userId, long nowSeconds) {
        ObjectNode claims = Http.JSON.createObjectNode();
        claims.put("sub", userId).put("email", userId + "@home.lan").put("name", userId).put("role", "user")
                .put("iss", "open-webui").put("iat", nowSeconds).put("exp", nowSeconds + 3600);
        return claims;
    }

    public static String user(String secret, String userId) {
        return sign(secret, claims(userId, System.currentTimeMillis() / 1000));
    }

    public static String sign(String secret, ObjectNode claims) {
        return sign(secret, "{\"alg\":\"HS256\",\"typ\":\"JWT\"}", claims.toString());
    }

    public static String sign(String secret, String header, String payload) {
        String input = b64(header.getBytes(StandardCharsets.UTF_8)) + "." + b64(payload.getBytes(StandardCharsets.UTF_8));
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            return input + "." + b64(mac.doFinal(input.getBytes(StandardCharsets.US_ASCII)));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    public static String b64(byte[] bytes) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }
}
