package haia.api;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;

import haia.config.Secret;
import haia.testing.Jwts;

import com.fasterxml.jackson.databind.node.ObjectNode;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** OpenWebUI's user token: what verifies, and why each kind of bad token does not. */
class OpenWebUiJwtTest {

    private static final String SECRET = "a-household-secret-of-32-characters";
    private static final long NOW = 1_800_000_000L;
    private final OpenWebUiJwt jwt = new OpenWebUiJwt(new Secret(SECRET),
                                                      Clock.fixed(Instant.ofEpochSecond(NOW), ZoneOffset.UTC));

    private String refused(String token) {
        return assertThrows(OpenWebUiJwt.Invalid.class, () -> jwt.verify(token)).getMessage();
    }

    @Test
    void aTokenAsOpenWebUiSignsItNamesItsUser() throws Exception {
        assertEquals("7f3c1e2a-user", jwt.verify(Jwts.sign(SECRET, Jwts.claims("7f3c1e2a-user", NOW))));
        ObjectNode late = Jwts.claims("u", NOW - 3600 - 10);   // expired 10 s ago: within the clocks' leeway
        assertEquals("u", jwt.verify(Jwts.sign(SECRET, late)));
    }

    @Test
    void anotherSecretAnExpiredTokenOrAForgedOneIsRefused() {
        assertTrue(refused(Jwts.sign("another-secret", Jwts.claims("u", NOW))).contains("signature does not match"));
        assertTrue(refused(Jwts.sign(SECRET, Jwts.claims("u", NOW - 3600 - 31))).contains("expired"));
        String valid = Jwts.sign(SECRET, Jwts.claims("alice", NOW));
        String[] parts = valid.split("\\.");
        String forged = parts[0] + "." + Jwts.b64(Jwts.claims("bob", NOW).toString().getBytes(StandardCharsets.UTF_8))
                        + "." + parts[2];
        assertTrue(refused(forged).contains("signature"));
        String none = Jwts.b64("{\"alg\":\"none\"}".getBytes(StandardCharsets.UTF_8)) + "."
                      + Jwts.b64(Jwts.claims("bob", NOW).toString().getBytes(StandardCharsets.UTF_8)) + ".";
        assertTrue(refused(none).contains("'none'"));
        assertTrue(refused(Jwts.sign(SECRET, "{\"alg\":\"HS512\"}", Jwts.claims("u", NOW).toString()))
                           .contains("HS256"));
    }

    @Test
    void aTokenMissingWhatOpenWebUiPutsInIsRefused() {
        assertTrue(refused(Jwts.sign(SECRET, Jwts.claims("u", NOW).put("iss", "someone"))).contains("issuer"));
        assertTrue(refused(Jwts.sign(SECRET, (ObjectNode) Jwts.claims("u", NOW).without("exp"))).contains("expiry"));
        assertTrue(refused(Jwts.sign(SECRET, (ObjectNode) Jwts.claims("u", NOW).without("sub"))).contains("no user"));
        assertTrue(refused(Jwts.sign(SECRET, Jwts.claims(" ", NOW))).contains("no user"));
        for (String garbage : new String[] {"", "abc", "a.b", "a.b.c.d", "!!.??.**", "e30.e30.x"}) {
            refused(garbage);
        }
        assertTrue(refused(Jwts.sign(SECRET, "[1]", "{}")).contains("header is not a JSON object"));
    }
}
