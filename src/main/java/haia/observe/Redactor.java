package haia.observe;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

import haia.config.HaiaConfig;
import haia.config.Secret;

/**
 * Removes configured secrets from text before it leaves the process (error bodies, log lines). A last line of
 * defence: secrets are never put into messages on purpose, but an upstream may echo what it was sent.
 */
public final class Redactor {

    private final List<String> secrets;

    public Redactor(List<Secret> secrets) {
        List<String> values = new ArrayList<>();
        secrets.forEach(s -> values.add(s.reveal()));
        values.sort(Comparator.comparingInt(String::length).reversed());   // longest first: no partial leftovers
        this.secrets = List.copyOf(values);
    }

    public static Redactor of(HaiaConfig config) {
        List<Secret> secrets = new ArrayList<>();
        config.security().apiKey().ifPresent(secrets::add);
        config.providers().values().forEach(p -> p.apiKey().ifPresent(secrets::add));
        config.store().server().flatMap(HaiaConfig.Store.Server::password).ifPresent(secrets::add);
        return new Redactor(secrets);
    }

    public String redact(String text) {
        if (text == null) {
            return null;
        }
        String result = text;
        for (String secret : secrets) {
            if (secret.length() >= 4 && result.contains(secret)) {
                result = result.replace(secret, "****");
            }
        }
        return result;
    }
}
