package haia.testing;

import java.util.HashMap;
import java.util.Map;

/** An environment for a configuration test, written as name, value, name, value, ... */
public final class EnvPairs {

    private EnvPairs() {
    }

    /** The pairs over {@code base} (a new, mutable map). */
    public static Map<String, String> of(Map<String, String> base, String... pairs) {
        if (pairs.length % 2 != 0) {
            throw new IllegalArgumentException("names and values in pairs: " + pairs.length + " strings");
        }
        Map<String, String> env = new HashMap<>(base);
        for (int i = 0; i < pairs.length; i += 2) {
            env.put(pairs[i], pairs[i + 1]);
        }
        return env;
    }

    /** The pairs alone. */
    public static Map<String, String> of(String... pairs) {
        return of(Map.of(), pairs);
    }
}
