package haia.store;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * A 64-bit fingerprint of a message's text, used to recognise messages a client sends back (OpenWebUI re-sends the
 * whole chat with every request). Whitespace at the ends and line-ending style are ignored, since clients and
 * proxies change those freely; everything else counts.
 */
public final class ContentHash {

    /** Looking up a digest provider is slow; cloning a ready one is not. */
    private static final MessageDigest PROTOTYPE = sha256();

    private ContentHash() {
    }

    public static long of(String text) {
        String normalized = text.replace("\r\n", "\n").replace('\r', '\n').strip();
        try {
            byte[] digest = ((MessageDigest) PROTOTYPE.clone()).digest(normalized.getBytes(StandardCharsets.UTF_8));
            long hash = 0;
            for (int i = 0; i < Long.BYTES; i++) {
                hash = (hash << 8) | (digest[i] & 0xFF);
            }
            return hash;
        } catch (CloneNotSupportedException e) {
            throw new IllegalStateException("SHA-256 digests are cloneable", e);
        }
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is always available", e);
        }
    }
}
