package haia.watch;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.TreeMap;

/**
 * Alertmanager's fingerprint of a label set (prometheus/common, model/signature.go): FNV-1a 64 over the labels sorted
 * by name, each name and value followed by the separator byte 0xff, written as 16 hex digits. So an alert HAIA reads
 * from Prometheus itself and the same alert posted by Alertmanager are one finding.
 */
final class AlertFingerprint {

    private static final long OFFSET = 0xcbf29ce484222325L;
    private static final long PRIME = 0x100000001b3L;
    private static final byte SEPARATOR = (byte) 0xff;

    private AlertFingerprint() {
    }

    static String of(Map<String, String> labels) {
        long hash = OFFSET;
        for (Map.Entry<String, String> label : new TreeMap<>(labels).entrySet()) {
            hash = add(hash, label.getKey());
            hash = add(hash, SEPARATOR);
            hash = add(hash, label.getValue());
            hash = add(hash, SEPARATOR);
        }
        return String.format("%016x", hash);
    }

    private static long add(long hash, String text) {
        for (byte b : text.getBytes(StandardCharsets.UTF_8)) {
            hash = add(hash, b);
        }
        return hash;
    }

    private static long add(long hash, byte b) {
        return (hash ^ (b & 0xff)) * PRIME;
    }
}
